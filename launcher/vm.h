/* SPDX-License-Identifier: MIT */
/*
 * One KVM virtual machine as the launcher builds it: guest memory with the layout of guest_abi.h (RAM,
 * the unmapped hole, read-only slots), the image loaded, the launcher's GDT, TSS and page tables, and
 * vCPUs whose registers put them at the entry point in the chosen mode with the VM-level and vCPU-level
 * controls applied (exits.disable, MSR filter, CPUID, guest debug, read-only memory). Used for the real run
 * and for the probe VMs that test a control's effect.
 */
#ifndef EXITSCOPE_LAUNCHER_VM_H
#define EXITSCOPE_LAUNCHER_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "launcher/controls.h"
#include "launcher/guest_abi.h"
#include "launcher/image.h"

struct xs_vcpu {
	int fd;
	unsigned int id;
	struct kvm_run *run;
	size_t run_size;
};

struct xs_vm_spec {
	unsigned int mode; /* 16, 32 or 64 */
	uint64_t mem_bytes;
	unsigned int vcpus;
	const struct xs_image *image;
	uint64_t entry;
	uint32_t iterations;
	uint32_t args[XS_GUEST_ARGS];
	const struct xs_controls *controls; /* the KVM-level ones are applied here */
};

struct xs_vm {
	int fd;
	uint8_t *mem;
	uint64_t mem_bytes;
	unsigned int mode;
	unsigned int nr_vcpus;
	struct xs_vcpu *vcpus;
	unsigned int nr_slots;
};

/* Build the VM. -1 and a one-line message (naming the control when a control was refused) on failure. */
int xs_vm_create(int kvm_fd, int run_size, const struct xs_vm_spec *spec, struct xs_vm **out, char *err, size_t errlen);
void xs_vm_destroy(struct xs_vm *vm);

/*
 * Lay out guest RAM mem (spec->mem_bytes, zeroed) as every backend's guest sees it: the image, the GDT, TSS
 * and page tables of the mode, the parameter blocks.
 */
void xs_guest_mem_fill(uint8_t *mem, const struct xs_vm_spec *spec);

/* Host pointer to guest-physical [gpa, gpa+len), or NULL when it is not RAM. */
void *xs_vm_gpa(const struct xs_vm *vm, uint64_t gpa, uint64_t len);

/* ---- pieces of the build, in launcher/vm_controls.c and launcher/vcpu_regs.c ---- */

int xs_vm_apply_vm_controls(int kvm_fd, int vm_fd, const struct xs_controls *c, char *err, size_t errlen);
int xs_vcpu_apply_cpuid(int kvm_fd, const struct xs_vcpu *v, const struct xs_controls *c, char *err, size_t errlen);
/* KVM_SET_GUEST_DEBUG from debug.singlestep / debug.hwbp / debug.intercept; extra adds KVM_GUESTDBG_INJECT_*. */
int xs_vcpu_apply_debug(const struct xs_vcpu *v, const struct xs_controls *c, uint32_t extra, char *err, size_t errlen);
int xs_vcpu_set_entry_regs(const struct xs_vcpu *v, unsigned int mode, uint64_t entry, char *err, size_t errlen);
/* Set RFLAGS.RF so the instruction at an execution breakpoint runs once instead of faulting again. */
int xs_vcpu_set_rf(const struct xs_vcpu *v, char *err, size_t errlen);
/* Write the GDT and TSS (protected and long mode) and the identity page tables (long mode) into guest RAM. */
void xs_vm_write_system_tables(struct xs_vm *vm);

#endif
