/* SPDX-License-Identifier: MIT */
/*
 * hlt: STI; HLT; CLI in a loop, woken by injected interrupts.
 *
 * Each iteration: HLT, 1 HLT exit (no in-kernel irqchip: every HLT reaches user space). The default control
 * `inject = irq:0x20@hlt` injects vector 0x20 at each HLT exit; the runtime's stub then reports it with one
 * OUT to XS_PORT_VECTOR (1 IO exit). Without injection HLT simply returns to the loop (KVM resumes a
 * halted vCPU without an irqchip when user space re-enters it).
 *
 * Parameter 0 (`wait`, default 0) chooses how the guest waits:
 *   wait=0  STI; HLT; CLI as above.
 *   wait=1  CLI; OUT to port 0x530 (a doorbell: 1 IO exit with interrupts off); STI; spin until the
 *           runtime's interrupt count moves; CLI. With `inject = irq:0x20@io:0x530` the interrupt is due
 *           while the guest cannot take it, so the launcher requests an interrupt window: 1
 *           IRQ_WINDOW_OPEN exit, then the injection and its report (1 IO exit). 3 exits per iteration.
 *           Hardware reports the window right after the STI; PVM at its next in-kernel exit (a host
 *           tick), so the spin lasts up to a few milliseconds there. Without an injection scheduled the
 *           guest spins until stopped.
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	cmpl $1, PARAM(XS_P_ARG0)
	je spin_loop
	ITER_BEGIN
	sti
	hlt
	cli
	ITER_END
	ret

#define DOORBELL_PORT 0x530
spin_loop:
	ITER_BEGIN
	cli
	mov $DOORBELL_PORT, %dx
	outb %al, %dx
	READ_IRQ_COUNT(%ebx)
	sti
1:	READ_IRQ_COUNT(%ecx)
	cmp %ecx, %ebx
	je 1b
	cli
	ITER_END
	ret
