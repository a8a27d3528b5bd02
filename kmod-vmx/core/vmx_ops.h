/* SPDX-License-Identifier: MIT */
/*
 * The VMX instructions, as plain functions: vmx_ops_x86.c and enter_x86_64.S implement them on the CPU;
 * host unit tests link a fake VMCS instead, which is how the exit-record and policy code is tested off-CPU.
 */
#ifndef KVMX_VMX_OPS_H
#define KVMX_VMX_OPS_H

#include "kmod-vmx/core/types.h"

/* Guest general-purpose registers in x86 register-number order (enum xs_gpr). RSP lives in the VMCS. */
struct kvmx_gprs {
	u64 r[XS_GPR_COUNT];
};

/* Each returns 0 on success, -1 on VMfailInvalid or VMfailValid. */
int kvmx_vmxon(u64 phys);
int kvmx_vmxoff(void);
int kvmx_vmclear(u64 phys);
int kvmx_vmptrld(u64 phys);
int kvmx_vmwrite(u32 field, u64 value);
/* The field's value; 0 when the read fails (no current VMCS, unsupported field). */
u64 kvmx_vmread(u32 field);

#define KVMX_ENTER_EXITED 0	  /* the guest ran and a VM exit (or a failed VM entry) came back */
#define KVMX_ENTER_FAIL_INVALID 1 /* VMfailInvalid: no valid current VMCS */
#define KVMX_ENTER_FAIL_VALID 2	  /* VMfailValid: the VM-instruction error field says why */

/*
 * VMLAUNCH (resume = 0) or VMRESUME with the guest registers in *g; on the VM exit, the guest registers
 * are stored back into *g. Sets HOST_RSP itself; HOST_RIP must be kvmx_vmexit_entry.
 */
int kvmx_vmenter(struct kvmx_gprs *g, int resume);
void kvmx_vmexit_entry(void);

#endif
