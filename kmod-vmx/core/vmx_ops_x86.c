// SPDX-License-Identifier: MIT
/* VMX instructions on the real CPU (bare kernel and Linux module; never in host unit tests). */
#include "kmod-vmx/core/vmx_ops.h"

/* VMX instructions report failure in CF (VMfailInvalid) or ZF (VMfailValid): "setbe" catches both. */
#define VMX_OP_FAILED(insn, operand)                                                                     \
	({                                                                                               \
		u8 failed_;                                                                              \
		__asm__ volatile(insn " %1; setbe %0" : "=qm"(failed_) : "m"(operand) : "cc", "memory"); \
		failed_ ? -1 : 0;                                                                        \
	})

int kvmx_vmxon(u64 phys)
{
	return VMX_OP_FAILED("vmxon", phys);
}

int kvmx_vmclear(u64 phys)
{
	return VMX_OP_FAILED("vmclear", phys);
}

int kvmx_vmptrld(u64 phys)
{
	return VMX_OP_FAILED("vmptrld", phys);
}

int kvmx_vmxoff(void)
{
	u8 failed;

	__asm__ volatile("vmxoff; setbe %0" : "=qm"(failed) : : "cc", "memory");
	return failed ? -1 : 0;
}

int kvmx_vmwrite(u32 field, u64 value)
{
	u8 failed;

	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=qm"(failed) : "r"((u64)field), "rm"(value) : "cc", "memory");
	return failed ? -1 : 0;
}

u64 kvmx_vmread(u32 field)
{
	u64 value = 0;
	u8 failed;

	__asm__ volatile("vmread %2, %1; setbe %0" : "=qm"(failed), "=rm"(value) : "r"((u64)field) : "cc", "memory");
	return failed ? 0 : value;
}
