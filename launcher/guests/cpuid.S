/* SPDX-License-Identifier: MIT */
/*
 * cpuid: CPUID in a loop. Parameter 0 (`leaf`, default 0) and parameter 1 (`subleaf`, default 0) choose
 * the leaf.
 *
 * Each iteration: CPUID. KVM answers CPUID in the kernel, so it makes no userspace exit (KVM's binary stats
 * and the collector count these exits). After the last iteration the guest reports the last result with
 * four OUT dwords to XS_PORT_RESULT (0x502): EAX, EBX, ECX, EDX; that is how tests see a cpuid.* override.
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	mov PARAM(XS_P_ARG0), %eax
	mov PARAM(XS_P_ARG1), %ecx
	cpuid
	ITER_END
	mov %edx, %esi
	mov $XS_PORT_RESULT, %dx
	outl %eax, %dx
	mov %ebx, %eax
	outl %eax, %dx
	mov %ecx, %eax
	outl %eax, %dx
	mov %esi, %eax
	outl %eax, %dx
	ret
