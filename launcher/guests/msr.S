/* SPDX-License-Identifier: MIT */
/*
 * msr: RDMSR and WRMSR. Parameter 0 (`msr`, default 0x174 IA32_SYSENTER_CS) is MSR A, parameter 1
 * (`other`, default 0x175 IA32_SYSENTER_ESP) is MSR B. The default controls filter A for reads and writes
 * (msr.exit_read = msr.exit_write = 0x174) and leave B alone.
 *
 * Each iteration, in this order:
 *   WRMSR A  value = iteration index & 0xffff   1 X86_WRMSR exit when A is write-filtered, else none
 *   RDMSR A                                     1 X86_RDMSR exit when A is read-filtered, else none
 *                                               (checked: must read back the value written, FAIL 1)
 *   RDMSR B                                     1 X86_RDMSR exit when B is read-filtered, else none
 * The launcher passes filtered accesses through to KVM (KVM_GET_MSRS / KVM_SET_MSRS), so the guest sees
 * the same values either way.
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	mov PARAM(XS_P_ARG0), %ecx
	movl PARAM(XS_P_INDEX), %eax
	and $0xffff, %eax
	xor %edx, %edx
	wrmsr
	rdmsr
	movl PARAM(XS_P_INDEX), %ebx
	and $0xffff, %ebx
	cmp %ebx, %eax
	je 1f
	FAIL(1)
1:
	mov PARAM(XS_P_ARG1), %ecx
	rdmsr
	ITER_END
	ret
