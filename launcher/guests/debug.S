/* SPDX-License-Identifier: MIT */
/*
 * debug: a fixed instruction sequence for single-stepping, breakpoints and #DB/#BP interception.
 * Parameter 0 (`trap`, default 0) chooses the loop:
 *
 *   trap=0  debug_loop:  OUT al to 0x520 (marker); debug_exec: INC eax; MOV eax to debug_watch;
 *           DEC ecx; JNZ                                             5 instructions, 1 IO exit
 *   trap=1  the same with INT3 after the OUT                         6 instructions, 1 IO exit, and #BP
 *           reaches the guest (1 vector-3 report, another IO exit) unless debug.intercept=bp takes it
 *   trap=2  the guest single-steps itself: PUSHF; OR TF; POPF; INC; PUSHF; AND ~TF; POPF, then the loop
 *           4 #DB traps per iteration reach the guest (4 vector-1 reports) unless debug.intercept=db
 *
 * With debug.singlestep=on every instruction makes one KVM_EXIT_DEBUG: exactly 5 (trap=0) per iteration
 * between debug_loop and debug_end. debug.hwbp=@debug_exec/x makes 1 exit per iteration;
 * debug.hwbp=@debug_watch/w/4 makes 1 exit per iteration (data breakpoints trap after the write).
 * The iteration count is taken as is: 0 means 2^32 iterations.
 */
#include "mode.h"

#define MARKER_PORT 0x520

	.text
	.globl guest_main
guest_main:
	mov PARAM(XS_P_ITERATIONS), %ecx
	mov $MARKER_PORT, %dx
	xor %eax, %eax
	cmpl $1, PARAM(XS_P_ARG0)
	je int3_loop
	cmpl $2, PARAM(XS_P_ARG0)
	je tf_loop

	.globl debug_loop, debug_exec, debug_end
debug_loop:
	outb %al, %dx
debug_exec:
	inc %eax
	movl %eax, debug_watch
	dec %ecx
	jnz debug_loop
debug_end:
	ret

	.globl int3_loop
int3_loop:
	outb %al, %dx
	int3
	inc %eax
	movl %eax, debug_watch
	dec %ecx
	jnz int3_loop
	ret

	.globl tf_loop
tf_loop:
	outb %al, %dx
	PUSHF
	orw $0x100, (%esp)
	POPF
	inc %eax
	PUSHF
	andw $~0x100, (%esp)
	POPF
	dec %ecx
	jnz tf_loop
	ret

	.balign 16
	.globl debug_watch
debug_watch:
	.long 0
