/* SPDX-License-Identifier: MIT */
/*
 * mmio: memory-mapped I/O to an unmapped region and to a read-only one.
 *
 * Each iteration, in this order:
 *   write dword to 0xa0000 (the unmapped hole)   value = vCPU << 24 | iteration index   1 MMIO exit
 *   read  dword from 0xa0008                     the launcher answers 0xffffffff        1 MMIO exit
 *                                                (checked: FAIL 1 otherwise)
 *   write byte  to 0xc0000                       value = iteration index & 0xff          1 MMIO exit when
 *                                                0xc0000 is read-only (memory.readonly, on by default),
 *                                                else none: the byte lands in RAM
 *   read  byte  from 0xc0000                     RAM: never an exit
 */
#include "mode.h"

#define RO_ADDR 0xc0000

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	SEG_ES_FOR(XS_GPA_HOLE)
	movl PARAM(XS_P_VCPU), %eax
	shl $24, %eax
	movl PARAM(XS_P_INDEX), %ecx
	and $0xffffff, %ecx
	or %ecx, %eax
	movl %eax, ES_PTR(XS_GPA_HOLE)
	movl ES_PTR(XS_GPA_HOLE + 8), %eax
	cmp $0xffffffff, %eax
	je 1f
	FAIL(1)
1:
	SEG_ES_FOR(RO_ADDR)
	movl PARAM(XS_P_INDEX), %eax
	movb %al, ES_PTR(RO_ADDR)
	movb ES_PTR(RO_ADDR), %al
	SEG_ES_RESET
	ITER_END
	ret
