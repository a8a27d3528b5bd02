/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry: from 32-bit protected mode (boot sector) to long mode with the first 4 GiB identity-mapped
 * by 2 MiB pages, then to kmain on the kernel stack. Also the host IDT stubs: every vector lands in
 * host_interrupt (main.c): a stale LAPIC timer interrupt is acknowledged, anything else ends the run.
 */
#define GDT_CODE64 0x08
#define GDT_DATA 0x10

	.code32
	.section .text.start, "ax"
	.globl start32
start32:
	mov $GDT_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $boot_stack_top, %esp

	/* Zero .bss: the image on disk stops where .bss begins. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	cld
	rep stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 512 x 2 MiB. */
	mov $host_pdpt, %eax
	or $3, %eax
	mov %eax, host_pml4
	mov $host_pd, %edi
	mov $0x83, %eax			/* present, writable, 2 MiB page */
	xor %edx, %edx
	mov $2048, %ecx
1:	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $0x200000, %eax
	adc $0, %edx
	add $8, %edi
	loop 1b
	mov $host_pd, %eax
	mov $host_pdpt, %edi
	mov $4, %ecx
2:	mov %eax, %ebx
	or $3, %ebx
	mov %ebx, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 2b

	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $host_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	lgdt gdt_desc
	mov %cr0, %eax
	and $~0x60000000, %eax		/* caches on: CD and NW stay set from reset otherwise */
	or $0x80000021, %eax		/* PG, NE, PE */
	mov %eax, %cr0
	ljmp $GDT_CODE64, $start64

	.code64
start64:
	mov $GDT_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $kernel_stack_top, %rsp
	call kmain
3:	cli
	hlt
	jmp 3b

/* Host IDT stubs: vectors with an error code push nothing more; the others push a 0 first. */
	.text
	.altmacro
.macro HOST_STUB vec
	.balign 16
host_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp host_stub_common
.endm

	.globl host_stub_table
host_stub_table:
	.set v, 0
	.rept 256
	HOST_STUB %v
	.set v, v + 1
	.endr

host_stub_common:
	/* stack: vector, error, rip, cs, rflags, rsp, ss; host_interrupt() returns only for what it handled */
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %rbp
	mov 80(%rsp), %rdi
	mov 88(%rsp), %rsi
	mov 96(%rsp), %rdx
	mov %rsp, %rbp
	and $-16, %rsp
	call host_interrupt
	mov %rbp, %rsp
	pop %rbp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
