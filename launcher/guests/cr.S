/* SPDX-License-Identifier: MIT */
/*
 * cr: MOV to and from control registers.
 *
 * Each iteration, in this order:
 *   read CR0, write CR0 with TS toggled, write it back       1 read, 2 writes
 *   read CR4, write CR4 with TSD toggled, write it back      1 read, 2 writes
 *   read CR3, write it back unchanged                        1 read, 1 write
 *   long mode only: write CR8 = 1, write CR8 = 0, read CR8   2 writes, 1 read
 * KVM handles CR accesses in the kernel: no userspace exits, except that lowering CR8 (the TPR) without an
 * in-kernel local APIC makes hardware KVM report KVM_EXIT_SET_TPR. Every userspace exit's guest state shows
 * the CR values. In-kernel exits show in KVM's binary stats and to the collector.
 */
#include "mode.h"

#if XS_MODE == 64
#define XAX %rax
#else
#define XAX %eax
#endif

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	mov %cr0, XAX
	xor $0x8, %eax
	mov XAX, %cr0
	xor $0x8, %eax
	mov XAX, %cr0

	mov %cr4, XAX
	xor $0x4, %eax
	mov XAX, %cr4
	xor $0x4, %eax
	mov XAX, %cr4

	mov %cr3, XAX
	mov XAX, %cr3
#if XS_MODE == 64
	mov $1, %eax
	mov %rax, %cr8
	xor %eax, %eax
	mov %rax, %cr8
	mov %cr8, %rax
#endif
	ITER_END
	ret
