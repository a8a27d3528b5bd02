/* SPDX-License-Identifier: MIT */
/*
 * The runtime every built-in guest links first: entry, IDT (or real-mode IVT) with one stub per vector, and
 * the end-of-run handshake.
 *
 *   _start      loads the IDT, calls guest_main (the guest's own code), then OUTs 0 to XS_PORT_DONE.
 *   stubs       each vector's stub reports itself with one OUT to XS_PORT_VECTOR: a dword holding the
 *               vector in bits 7:0 and the interrupted RIP in bits 31:8, then returns to the interrupted
 *               code. That one exit is how tests see an injected interrupt, NMI or exception reach the
 *               guest; the launcher treats a report of a vector it did not inject, and the guest did not
 *               declare, as a guest error (a real fault would otherwise repeat forever).
 *
 * Every stub also counts the interrupt at the base of the vCPU's stack (XS_STACK_IRQ_COUNT), so a guest can
 * wait for one with interrupts enabled.
 *
 * Every vCPU runs this; they all write the same IDT contents, so the writes race harmlessly.
 */
#include "mode.h"

#define STUB_SIZE 16

/* Count the interrupt in the lowest dword of this vCPU's stack (guest_abi.h: XS_STACK_IRQ_COUNT). */
#define COUNT_INTERRUPT(sp, reg)                                                                              \
	mov sp, reg;                                                                                          \
	and $~(XS_STACK_SIZE - 1), reg;                                                                       \
	incl XS_STACK_IRQ_COUNT(reg)
/*
 * Count the interrupt and report "vector | CS << 8" on XS_PORT_VECTOR; the interrupted CS sits at cs_off from
 * the stack pointer (past the error code, where the vector has one). Clobbers eax/edx (saved by the caller).
 */
#define REPORT_VECTOR(sp, scratch, vec_off, cs_off)                                                           \
	COUNT_INTERRUPT(sp, scratch);                                                                         \
	movzbl vec_off(sp), %eax;                                                                             \
	mov cs_off(sp), %edx;                                                                                 \
	shl $8, %edx;                                                                                         \
	or %edx, %eax;                                                                                        \
	mov $XS_PORT_VECTOR, %dx;                                                                             \
	out %eax, %dx
#define NR_VECTORS 256

	.section .text.entry, "ax"
	.globl _start
_start:
	cli
#if XS_MODE == 16
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
#endif
	call build_idt
	lidt idt_descriptor
	call guest_main
	mov $XS_PORT_DONE, %dx
	xor %eax, %eax
	outl %eax, %dx
1:	cli
	hlt
	jmp 1b

/* Fill the IDT at XS_GPA_IDT with gates to the stubs. */
build_idt:
	mov $XS_GPA_IDT, %ebx
	mov $vector_stubs, %eax
	mov $NR_VECTORS, %ecx
1:
#if XS_MODE == 16
	movw %ax, (%ebx)                /* IVT entry: offset, segment 0 */
	movw $0, 2(%ebx)
	add $4, %ebx
#elif XS_MODE == 32
	movw %ax, (%ebx)                /* interrupt gate: offset 15:0, selector, type, offset 31:16 */
	movw $XS_SEL_CODE, 2(%ebx)
	movw $0x8e00, 4(%ebx)
	mov %eax, %edx
	shr $16, %edx
	movw %dx, 6(%ebx)
	add $8, %ebx
#else
	movw %ax, (%ebx)                /* 64-bit interrupt gate: 16 bytes */
	movw $XS_SEL_CODE, 2(%ebx)
	movw $0x8e00, 4(%ebx)
	mov %eax, %edx
	shr $16, %edx
	movw %dx, 6(%ebx)
	movl $0, 8(%ebx)
	movl $0, 12(%ebx)
	add $16, %ebx
#endif
	add $STUB_SIZE, %eax
	dec %ecx
	jnz 1b
	ret

	.balign 8
idt_descriptor:
#if XS_MODE == 16
	.word NR_VECTORS * 4 - 1
#elif XS_MODE == 32
	.word NR_VECTORS * 8 - 1
#else
	.word NR_VECTORS * 16 - 1
#endif
	.long XS_GPA_IDT
	.long 0

/*
 * One stub per vector, STUB_SIZE bytes apart: push the vector, go to the common code. Vectors whose
 * exceptions push an error code (8, 10-14, 17, 21, 29, 30) take the path that drops it; real mode pushes
 * no error codes.
 */
	.balign STUB_SIZE
vector_stubs:
	vector = 0
	.rept NR_VECTORS
	.balign STUB_SIZE
#if XS_MODE != 16
	.if (vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	push $vector
	jmp isr_with_error
	.else
	push $vector
	jmp isr_common
	.endif
#else
	push $vector
	jmp isr_common
#endif
	vector = vector + 1
	.endr

#if XS_MODE == 16
/* Stack: [bp] vector, IP, CS, FLAGS (2 bytes each); SS-relative through %bp. */
isr_common:
	push %bp
	mov %sp, %bp
	pushl %eax
	pushl %edx
	incl %ss:XS_STACK_IRQ_COUNT
	movzbl 2(%bp), %eax
	movzwl 4(%bp), %edx
	shl $8, %edx
	or %edx, %eax
	mov $XS_PORT_VECTOR, %dx
	outl %eax, %dx
	popl %edx
	popl %eax
	pop %bp
	add $2, %sp
	iret
#elif XS_MODE == 32
/*
 * Stack after the two pushes: edx, eax, vector, [error code,] EIP, CS, EFLAGS.
 *
 * The return avoids IRET when it can: KVM's instruction emulator cannot emulate a protected-mode IRET
 * (emulate_iret handles real mode only), and hosts that emulate 32-bit guest code (PVM, VMX without
 * unrestricted guest) would fail with KVM_EXIT_INTERNAL_ERROR. CS does not change at CPL 0, so
 * "POPF; RET" does the same. With TF set in the saved EFLAGS that would trap once more after the RET, so
 * that case keeps IRET. Without IRET an NMI handler cannot end NMI blocking: the launcher does that when
 * this runtime reports vector 2 (launcher/exit_handle.c).
 */
#define RETURN_FROM_INTERRUPT(frame)                                                                          \
	testl $0x100, (frame) + 8(%esp);                                                                      \
	jnz 8f;                                                                                               \
	push %eax;                                                                                            \
	mov (frame) + 4(%esp), %eax;                                                                          \
	xchg %eax, (frame) + 12(%esp);                                                                        \
	mov %eax, (frame) + 8(%esp);                                                                          \
	pop %eax;                                                                                             \
	add $((frame) + 4), %esp;                                                                             \
	popfl;                                                                                                \
	ret;                                                                                                  \
8:	add $(frame), %esp;                                                                                   \
	iret

isr_with_error:
	push %eax
	push %edx
	REPORT_VECTOR(%esp, %edx, 8, 16)
	pop %edx
	pop %eax
	RETURN_FROM_INTERRUPT(8)
isr_common:
	push %eax
	push %edx
	REPORT_VECTOR(%esp, %edx, 8, 12)
	pop %edx
	pop %eax
	RETURN_FROM_INTERRUPT(4)
#else
/* Stack after the two pushes: rdx, rax, vector, [error code,] RIP, CS, RFLAGS, RSP, SS. */
isr_with_error:
	push %rax
	push %rdx
	REPORT_VECTOR(%rsp, %rdx, 16, 32)
	pop %rdx
	pop %rax
	add $16, %rsp
	iretq
isr_common:
	push %rax
	push %rdx
	REPORT_VECTOR(%rsp, %rdx, 16, 24)
	pop %rdx
	pop %rax
	add $8, %rsp
	iretq
#endif
