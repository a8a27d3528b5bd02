/* SPDX-License-Identifier: MIT */
/*
 * io: port I/O in its plain and string forms. Parameter 0 (`port`, default 0x510) is the base port P.
 *
 * Each iteration, in this order:
 *   OUT  byte  to P      value = vCPU index                   1 exit
 *   IN   word  from P+2  the launcher answers 0xffff           1 exit (checked: FAIL 1 otherwise)
 *   OUT  dword to P+4    value = iteration index (0, 1, ...)   1 exit
 *   REP OUTSB 4 bytes to P+8   ("XSIO")                        4 elements: KVM (PVM and kvm-amd alike)
 *                                                              reports 4 exits of one element; the tests
 *                                                              also accept 1 exit with count 4
 *   REP INSW  2 words from P+10                                2 elements, 1 exit with count 2 (checked:
 *                                                              FAIL 2 unless both words are 0xffff)
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	mov PARAM(XS_P_ARG0), %edx
	movl PARAM(XS_P_VCPU), %eax
	outb %al, %dx

	add $2, %edx
	inw %dx, %ax
	cmp $0xffff, %ax
	je 1f
	FAIL(1)
1:
	mov PARAM(XS_P_ARG0), %edx
	add $4, %edx
	movl PARAM(XS_P_INDEX), %eax
	outl %eax, %dx

	add $4, %edx
	mov $io_pattern, %esi
	mov $4, %ecx
	rep outsb

	add $2, %edx
	movl $0, PARAM(XS_P_SCRATCH)
	mov %edi, %ebx
	lea XS_P_SCRATCH(%edi), %edi
	mov $2, %ecx
	rep insw
	mov %ebx, %edi
	cmpl $0xffffffff, PARAM(XS_P_SCRATCH)
	je 2f
	FAIL(2)
2:
	ITER_END
	ret

io_pattern:
	.ascii "XSIO"
