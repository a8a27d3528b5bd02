/* SPDX-License-Identifier: MIT */
/*
 * hlt: STI; HLT; CLI in a loop, woken by injected interrupts.
 *
 * Each iteration: HLT, 1 HLT exit (no in-kernel irqchip: every HLT reaches user space). The default control
 * `inject = irq:0x20@hlt` injects vector 0x20 at each HLT exit; the runtime's stub then reports it with one
 * OUT to XS_PORT_VECTOR (1 IO exit). Without injection HLT simply returns to the loop (KVM resumes a
 * halted vCPU without an irqchip when user space re-enters it).
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	sti
	hlt
	cli
	ITER_END
	ret
