/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * void kvmx_call_idt_entry(unsigned long entry)
 *
 * An NMI that caused a VM exit (or an interrupt acknowledged on exit) was taken by the CPU but never
 * delivered: call the kernel's own IDT entry for it with the frame the CPU would have pushed (SS, RSP,
 * RFLAGS, CS, RIP on a 16-byte aligned stack), so its IRET returns here. For the NMI that IRET also ends the
 * NMI blocking the exit left behind. The same as KVM's vmx_do_interrupt_nmi_irqoff.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

	.text
SYM_FUNC_START(kvmx_call_idt_entry)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(kvmx_call_idt_entry)
