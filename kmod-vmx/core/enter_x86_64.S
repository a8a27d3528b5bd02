/* SPDX-License-Identifier: MIT */
/*
 * VM entry and VM exit: load the guest's general-purpose registers, VMLAUNCH/VMRESUME, and on the exit save
 * them back and return to the C caller as if kvmx_vmenter had returned 0. The host stack at the moment of
 * entry (HOST_RSP) holds the callee-saved registers and the pointer to the register block.
 *
 *   int kvmx_vmenter(struct kvmx_gprs *g, int resume)   -> 0 exited, 1 VMfailInvalid, 2 VMfailValid
 */
#define G_RAX 0
#define G_RCX 8
#define G_RDX 16
#define G_RBX 24
#define G_RBP 40
#define G_RSI 48
#define G_RDI 56
#define G_R8 64
#define G_R9 72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120
#define VMCS_HOST_RSP 0x6c14

	.text
	.globl kvmx_vmenter
	.type kvmx_vmenter, @function
kvmx_vmenter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi			/* the register block, found again at the exit */

	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lwrite_failed

	test %esi, %esi			/* flags survive the movs below */
	mov G_RAX(%rdi), %rax
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RBX(%rdi), %rbx
	mov G_RBP(%rdi), %rbp
	mov G_RSI(%rdi), %rsi
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi
	jnz .Lresume
	vmlaunch
	jmp .Lfailed
.Lresume:
	vmresume
.Lfailed:
	/* Still on our stack with guest registers loaded: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
	mov $1, %eax
	jc 1f
	mov $2, %eax
1:	pop %rdi
	jmp .Lreturn

.Lwrite_failed:
	pop %rdi
	mov $1, %eax
	jmp .Lreturn

	.globl kvmx_vmexit_entry
	.type kvmx_vmexit_entry, @function
kvmx_vmexit_entry:
	xchg (%rsp), %rdi		/* rdi = register block, stack slot = guest rdi */
	mov %rax, G_RAX(%rdi)
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
	popq G_RDI(%rdi)
	xor %eax, %eax
.Lreturn:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size kvmx_vmenter, . - kvmx_vmenter

	.section .note.GNU-stack, "", @progbits
