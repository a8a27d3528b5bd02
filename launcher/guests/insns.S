/* SPDX-License-Identifier: MIT */
/*
 * insns: instructions that VT-x can be told to exit on, chosen by parameter 0 (`which`, a bit mask, default
 * 1). Made for the vmx backend's controls (vmx.rdtsc_exiting, ...): each exits only when its control is on.
 *
 * Each iteration, in this order, the selected ones:
 *   0x01 RDTSC                          (vmx.rdtsc_exiting)
 *   0x02 RDPMC of counter 0             (vmx.rdpmc_exiting)
 *   0x04 INVLPG of the guest's own page (vmx.invlpg_exiting)
 *   0x08 MOV from DR7, MOV to DR7       (vmx.mov_dr_exiting: 2 exits)
 *   0x10 MOV to CR8 (long mode only)    (vmx.cr8_load_exiting)
 *   0x20 MONITOR, a store to the monitored line, MWAIT (vmx.monitor_exiting, vmx.mwait_exiting)
 *   0x40 PAUSE                          (vmx.pause_exiting)
 *   0x80 WBINVD                         (vmx.wbinvd_exiting)
 * Under KVM these run in the kernel (RDPMC needs a virtual PMU: leave 0x02 out there).
 */
#include "mode.h"

	.text
	.globl guest_main
guest_main:
	ITER_BEGIN
	testl $0x01, PARAM(XS_P_ARG0)
	jz 1f
	rdtsc
1:	testl $0x02, PARAM(XS_P_ARG0)
	jz 1f
	xor %ecx, %ecx
	rdpmc
1:	testl $0x04, PARAM(XS_P_ARG0)
	jz 1f
	invlpg insns_line
1:	testl $0x08, PARAM(XS_P_ARG0)
	jz 1f
#if XS_MODE == 64
	mov %dr7, %rax
	mov %rax, %dr7
#else
	mov %dr7, %eax
	mov %eax, %dr7
#endif
1:
#if XS_MODE == 64
	testl $0x10, PARAM(XS_P_ARG0)
	jz 1f
	xor %eax, %eax
	mov %rax, %cr8
1:
#endif
	testl $0x20, PARAM(XS_P_ARG0)
	jz 1f
	mov $insns_line, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	monitor
	movl $1, insns_line
	mwait
1:	testl $0x40, PARAM(XS_P_ARG0)
	jz 1f
	pause
1:	testl $0x80, PARAM(XS_P_ARG0)
	jz 1f
	wbinvd
1:
	ITER_END
	ret

	/* the monitored line, away from the code: in .text, as every guest keeps its data (one flat image) */
	.balign 64
insns_line:
	.long 0
