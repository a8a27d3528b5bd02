/* SPDX-License-Identifier: MIT */
/*
 * The vmx.* keys of the control spec (docs/controls.md): every VM-execution control of the kmod-vmx core by
 * its kernel name (vmx.rdtsc_exiting = on), and the control fields (vmx.io_bitmap, vmx.msr_bitmap.read/.write,
 * vmx.exception_bitmap, vmx.cr0_mask/_shadow, vmx.cr4_mask/_shadow, vmx.cr3_targets, vmx.preemption_timer).
 * Parsing checks the value; whether the CPU model can do it is the vmx backend's question (the core refuses
 * naming the capability bit).
 */
#ifndef EXITSCOPE_LAUNCHER_VMX_CONTROLS_H
#define EXITSCOPE_LAUNCHER_VMX_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>

#include "kmod-vmx/core/controls.h"
#include "launcher/controls.h"

/* key without the "vmx." prefix. -1 and a message naming vmx.KEY on error; *c unchanged then. */
int xs_vmx_control_set(struct xs_controls *c, const char *key, const char *value, char *err, size_t errlen);

/* Apply the vmx.* settings of c, in the order given, on top of *out (the backend's defaults). */
int xs_vmx_controls_apply(const struct xs_controls *c, struct kvmx_controls *out, char *err, size_t errlen);

/* Intercept the MSRs of l (reads, or writes) in k, turning MSR bitmaps on; at most KVMX_MAX_MSR_INTERCEPTS. */
int xs_vmx_add_msrs(struct kvmx_controls *k, const struct xs_range_list *l, bool write, char *err, size_t errlen);

/* Was vmx.KEY (canonical) given? */
bool xs_vmx_control_given(const struct xs_controls *c, const char *key);

/* Every vmx.* key: name (with "vmx."), kind, values, and the core control it needs (KVMX_CTL_COUNT: none). */
struct xs_vmx_key_info {
	const char *name;
	const char *kind;
	const char *values;
	enum kvmx_ctl needs;
};
/* The i-th key, NULL past the end. */
const struct xs_vmx_key_info *xs_vmx_key(unsigned int i, struct xs_vmx_key_info *scratch, char *namebuf,
					 size_t namelen);

#endif
