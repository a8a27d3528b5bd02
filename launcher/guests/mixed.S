/* SPDX-License-Identifier: MIT */
/*
 * mixed: a small "driver loop" blending the exits a real guest makes. The README's demo guest.
 *
 * Each iteration, in this order (default controls: msr.exit_read = 0x174, inject = irq:0x20@hlt):
 *   OUT  byte to 0x3f8 (serial data)          one character of "exitscope\n"   1 IO exit
 *   IN   byte from 0x3fd (serial status)                                       1 IO exit
 *   write dword to 0xa0000 (device doorbell)  value = iteration index          1 MMIO exit
 *   read  dword from 0xa0004 (device status)                                   1 MMIO exit
 *   RDMSR 0x174                               filtered                         1 X86_RDMSR exit
 *   RDMSR 0x10 (TSC), CPUID leaf 1            handled in the kernel            no userspace exit
 *   every 4th iteration (index % 4 == 3): STI; HLT; CLI                        1 HLT exit, and the
 *                                             injected timer tick's report     1 IO exit (0x501)
 * So 5 userspace exits per iteration, plus 2 every fourth.
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	movl PARAM(XS_P_INDEX), %eax
	xor %edx, %edx
	mov $10, %ecx
	div %ecx
	mov $message, %esi
	add %edx, %esi
	movb (%esi), %al
	mov $0x3f8, %dx
	outb %al, %dx
	mov $0x3fd, %dx
	inb %dx, %al

	SEG_ES_FOR(XS_GPA_HOLE)
	movl PARAM(XS_P_INDEX), %eax
	movl %eax, ES_PTR(XS_GPA_HOLE)
	movl ES_PTR(XS_GPA_HOLE + 4), %eax
	SEG_ES_RESET

	mov $0x174, %ecx
	rdmsr
	mov $0x10, %ecx
	rdmsr
	mov $1, %eax
	xor %ecx, %ecx
	cpuid

	movl PARAM(XS_P_INDEX), %eax
	and $3, %eax
	cmp $3, %eax
	jne 1f
	sti
	hlt
	cli
1:
	ITER_END
	ret

message:
	.ascii "exitscope\n"
