/* SPDX-License-Identifier: MIT */
/*
 * probe: the launcher's own guest for testing a control by its effect before a run uses it
 * (launcher/probe.c). Built for long mode only; not listed among the built-in guests. Parameter 0 chooses
 * the action, parameters 1-3 are its operands; then the guest returns (XS_PORT_DONE).
 */
#include "mode.h"
#include "launcher/probe_abi.h"

	.text
	.globl guest_main
guest_main:
	mov PARAM(XS_P_ARG0), %eax
	cmp $PROBE_HLT, %eax
	je do_hlt
	cmp $PROBE_PAUSE, %eax
	je do_pause
	cmp $PROBE_WRITE, %eax
	je do_write
	cmp $PROBE_RDMSR, %eax
	je do_rdmsr
	cmp $PROBE_WRMSR, %eax
	je do_wrmsr
	cmp $PROBE_CPUID, %eax
	je do_cpuid
	cmp $PROBE_INT3, %eax
	je do_int3
	cmp $PROBE_TF, %eax
	je do_tf
	cmp $PROBE_EXEC, %eax
	je do_exec
	cmp $PROBE_READ, %eax
	je do_read
	cmp $PROBE_STI_HLT, %eax
	je do_sti_hlt
	ret

do_hlt:
	hlt
	ret

do_pause:
	mov PARAM(XS_P_ARG1), %ecx
1:	pause
	dec %ecx
	jnz 1b
	ret

do_write:
	mov PARAM(XS_P_ARG1), %ebx
	movb $0x5a, (%rbx)
	ret

do_read:
	mov PARAM(XS_P_ARG1), %ebx
	movb (%rbx), %al
	ret

do_rdmsr:
	mov PARAM(XS_P_ARG1), %ecx
	rdmsr
	ret

do_wrmsr:
	mov PARAM(XS_P_ARG1), %ecx
	mov PARAM(XS_P_ARG2), %eax
	mov PARAM(XS_P_ARG3), %edx
	wrmsr
	ret

do_cpuid:
	mov PARAM(XS_P_ARG1), %eax
	mov PARAM(XS_P_ARG2), %ecx
	cpuid
	mov %edx, %esi
	mov $XS_PORT_RESULT, %dx
	out %eax, %dx
	mov %ebx, %eax
	out %eax, %dx
	mov %ecx, %eax
	out %eax, %dx
	mov %esi, %eax
	out %eax, %dx
	ret

do_int3:
	int3
	ret

do_tf:
	pushfq
	orw $0x100, (%rsp)
	popfq
	nop
	pushfq
	andw $~0x100, (%rsp)
	popfq
	ret

do_exec:
	call probe_target
	ret

	.globl probe_target
probe_target:
	nop
	ret

/*
 * After the HLT, a busy loop of a few milliseconds with interrupts enabled: hardware reports a requested
 * interrupt window at once, PVM only at an in-kernel exit (a host tick) inside the loop.
 */
do_sti_hlt:
	sti
	hlt
	mov $2000000, %ecx
1:	dec %ecx
	jnz 1b
	cli
	ret
