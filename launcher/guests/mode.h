/* SPDX-License-Identifier: MIT */
/*
 * Assembly helpers so one guest source builds for real (XS_MODE 16), protected (32) and long (64) mode.
 * Guests use 32-bit registers and 32-bit addresses throughout: GNU as adds the operand- and address-size
 * prefixes each mode needs, and every address a guest touches lies below 64 KiB (real mode) or is reached
 * through the macros below. %edi holds the vCPU's parameter block for the whole run (guest_abi.h).
 */
#ifndef EXITSCOPE_GUEST_MODE_H
#define EXITSCOPE_GUEST_MODE_H

#include "launcher/guest_abi.h"

#if XS_MODE == 16
	.code16
#define IRET iret
#define PUSHF pushfl
#define POPF popfl
#elif XS_MODE == 32
	.code32
#define IRET iret
#define PUSHF pushfl
#define POPF popfl
#elif XS_MODE == 64
	.code64
#define IRET iretq
#define PUSHF pushfq
#define POPF popfq
#else
#error "XS_MODE must be 16, 32 or 64"
#endif

/* Parameter-block fields of this vCPU. */
#define PARAM(off) off(%edi)

/* Port I/O helpers: the port always goes through %dx so ports above 0xff work in every mode. */
#define OUTB_IMM(port, val) mov $(port), %dx; mov $(val), %al; outb %al, %dx
#define OUTL_EAX(port) mov $(port), %dx; outl %eax, %dx

/* Report a failed self-check `code` to the launcher, which stops the run with an error. */
#define FAIL(code) mov $(code), %eax; mov $XS_PORT_FAIL, %dx; outl %eax, %dx

/*
 * The iteration loop every guest uses: ITER_BEGIN starts it, ITER_END closes it. %ecx is free inside.
 * PARAM(XS_P_INDEX) counts iterations from 0; XS_P_ITERATIONS == 0 loops until the launcher stops the
 * guest. Labels 90/91 are reserved for the loop.
 */
#define ITER_BEGIN                                                                                           \
	movl PARAM(XS_P_ITERATIONS), %eax;                                                                   \
	movl %eax, PARAM(XS_P_LEFT);                                                                         \
	movl $0, PARAM(XS_P_INDEX);                                                                          \
	90:

#define ITER_END                                                                                             \
	incl PARAM(XS_P_INDEX);                                                                              \
	cmpl $0, PARAM(XS_P_ITERATIONS);                                                                     \
	je 90b;                                                                                              \
	decl PARAM(XS_P_LEFT);                                                                               \
	jnz 90b

/* This vCPU's interrupt count (the runtime's stubs keep it at the base of the stack) into reg. */
#if XS_MODE == 16
#define READ_IRQ_COUNT(reg) movl %ss:XS_STACK_IRQ_COUNT, reg
#else
#define READ_IRQ_COUNT(reg)                                                                                  \
	mov %esp, reg;                                                                                        \
	and $~(XS_STACK_SIZE - 1), reg;                                                                       \
	mov XS_STACK_IRQ_COUNT(reg), reg
#endif

/*
 * A pointer to a far address: real mode reaches addresses above 64 KiB through %es (loaded by
 * SEG_ES_FOR(addr)); protected and long mode address everything flat. ES_PTR(addr) is the operand.
 */
#if XS_MODE == 16
/* SEG_ES_FOR and SEG_ES_RESET clobber %ax. */
#define SEG_ES_FOR(addr) mov $((addr) >> 4), %ax; mov %ax, %es
#define SEG_ES_RESET xor %ax, %ax; mov %ax, %es
#define ES_PTR(addr) %es:((addr) & 0xf)
#else
#define SEG_ES_FOR(addr)
#define SEG_ES_RESET
#define ES_PTR(addr) (addr)
#endif

#endif
