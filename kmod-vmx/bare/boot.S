/* SPDX-License-Identifier: MIT */
/*
 * The boot sector: loaded by the BIOS at 0x7c00, it reads the test kernel (the sectors after it) to 0x10000
 * with INT 13h AH=42h, enables A20, enters 32-bit protected mode and jumps to the kernel's start32. The
 * kernel takes it from there to long mode. __kernel_sectors comes from the linker script.
 */
	.code16
	.section .boot, "ax"
	.globl boot_start
boot_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	ljmp $0, $1f
1:	mov %dl, boot_drive

	mov $__kernel_sectors, %cx
.Lload:
	mov %cx, %ax
	cmp $64, %ax			/* 32 KiB per call: below every BIOS's limit */
	jbe 2f
	mov $64, %ax
2:	mov %ax, dap_count
	push %cx
	push %ax
	mov $dap, %si
	mov $0x42, %ah
	mov boot_drive, %dl
	int $0x13
	pop %ax
	pop %cx
	jc .Ldisk_error
	sub %ax, %cx
	addw %ax, dap_lba
	shl $5, %ax			/* sectors -> 16-byte paragraphs */
	addw %ax, dap_segment
	test %cx, %cx
	jnz .Lload

	in $0x92, %al			/* fast A20 */
	or $2, %al
	and $0xfe, %al
	out %al, $0x92

	lgdt boot_gdt_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $start32

.Ldisk_error:
	mov $disk_msg, %si
3:	lodsb
	test %al, %al
	jz 4f
	out %al, $0xe9
	jmp 3b
4:	hlt
	jmp 4b

disk_msg:
	.asciz "boot: disk read failed\n"
boot_drive:
	.byte 0
	.balign 4
dap:
	.byte 16, 0
dap_count:
	.word 0
	.word 0				/* offset */
dap_segment:
	.word 0x1000
dap_lba:
	.quad 1
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit flat code */
	.quad 0x00cf92000000ffff	/* 0x10: 32-bit flat data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt

	.org 510
	.word 0xaa55
