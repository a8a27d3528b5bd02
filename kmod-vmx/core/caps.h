/* SPDX-License-Identifier: MIT */
/*
 * The CPU's VMX capabilities, read once from the capability MSRs. Each control MSR holds the allowed-0
 * settings in bits 31:0 (a 1 there: the control must be 1) and the allowed-1 settings in bits 63:32 (a 0
 * there: the control must be 0). When IA32_VMX_BASIC bit 55 is set, the TRUE_ MSRs replace the plain ones
 * for pin, primary, exit and entry controls: they let some default-1 controls (CR3-load exiting, ...) be 0.
 */
#ifndef KVMX_CAPS_H
#define KVMX_CAPS_H

#include "kmod-vmx/core/platform.h"

struct kvmx_caps {
	u64 basic;
	u32 revision;
	bool true_ctls; /* the pin/proc/exit/entry words below came from the TRUE_ MSRs */
	u64 pin, proc, exit, entry;
	u64 proc2;    /* 0 when the CPU has no secondary controls (the MSR does not exist then) */
	u64 ept_vpid; /* 0 when neither EPT nor VPID can be enabled (the MSR does not exist then) */
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 feature_control;
};

/*
 * Check CPUID for VMX and IA32_FEATURE_CONTROL (locked with VMXON outside SMX allowed), then read every
 * capability MSR that exists on this CPU, and only those (an absent one would fault).
 */
int kvmx_caps_read(const struct kvmx_platform *p, struct kvmx_caps *caps, struct kvmx_err *err);

/* Bits a control word must have set / may have set, from one capability MSR value. */
static inline u32 kvmx_allowed0(u64 msr)
{
	return (u32)msr;
}
static inline u32 kvmx_allowed1(u64 msr)
{
	return (u32)(msr >> 32);
}

/* The VMX-preemption timer counts down once every 2^rate TSC ticks. */
static inline unsigned int kvmx_preemption_timer_rate(const struct kvmx_caps *c)
{
	return (unsigned int)(c->misc & 0x1f);
}

/* CR3-target values the CPU supports (0..4 on every Intel CPU so far). */
static inline unsigned int kvmx_cr3_target_max(const struct kvmx_caps *c)
{
	return (unsigned int)((c->misc >> 16) & 0x1ff);
}

#endif
