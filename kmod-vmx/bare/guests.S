/* SPDX-License-Identifier: MIT */
/*
 * Guest code for the scenarios (guest.h lists the labels). Every guest runs at CPL 0 in 64-bit mode on the
 * host's identity page tables (1:1 EPT when EPT is on), except guest_real, which runs in real mode under
 * "unrestricted guest". A label ending in _at marks the instruction a scenario expects to exit.
 */
#define LOG_COUNT guest_log
#define LOG_VECTOR guest_log+8
#define LOG_ERROR guest_log+16
#define LOG_RIP guest_log+24
#define LOG_CR2 guest_log+32
#define LOG_SKIP guest_log+40
#define LOG_SEEN guest_log+48
#define LOG_ALT_CR3 guest_log+80
#define MMIO_TEST_GPA 0x3000000
#define TIMER_VECTOR 0x30

	.text
	.altmacro

/* One-shot LAPIC timer at vector 0x30 after `count` bus ticks. */
.macro ARM_TIMER count
	mov $0xfee00000, %rbx
	movl $0xb, 0x3e0(%rbx)
	movl $TIMER_VECTOR, 0x320(%rbx)
	movl $\count, 0x380(%rbx)
.endm

/* Spin until a guest handler ran or the budget is gone (the test then sees count == 0). */
.macro WAIT_EVENT
	mov $200000, %rcx
99:	cmpq $0, LOG_COUNT
	jne 98f
	dec %rcx
	jnz 99b
98:
.endm

/* ---- the guest's IDT stubs and handler ---- */
.macro GUEST_STUB vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp guest_isr_common
.endm

	.globl guest_stub_table
	.balign 16
guest_stub_table:
	.set v, 0
	.rept 256
	GUEST_STUB %v
	.set v, v + 1
	.endr

guest_isr_common:
	/* stack: vector, error, rip, cs, rflags, rsp, ss */
	push %rax
	push %rbx
	mov 16(%rsp), %rax
	mov %rax, LOG_VECTOR
	mov 24(%rsp), %rbx
	mov %rbx, LOG_ERROR
	mov 32(%rsp), %rbx
	mov %rbx, LOG_RIP
	mov %cr2, %rbx
	mov %rbx, LOG_CR2
	bts %rax, LOG_SEEN
	incq LOG_COUNT
	mov LOG_SKIP, %rbx
	add %rbx, 32(%rsp)
	movq $0, LOG_SKIP
	cmp $1, %rax			/* #DB from single-stepping: stop stepping */
	jne 1f
	andq $~0x100, 48(%rsp)
1:	cmp $0x20, %rax			/* interrupts (not INT 0x80): end them at the LAPIC */
	jb 2f
	cmp $0x80, %rax
	je 2f
	mov $0xfee00000, %rbx
	movl $0, 0xb0(%rbx)
2:	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/* ---- guests ---- */
#define GUEST(name) .globl name; .balign 16; name:
#define AT(name) .globl name; name:

GUEST(guest_vmcall)
	vmcall

GUEST(guest_regs)
	mov $0x1111111111111111, %rax
	mov $0x2222222222222222, %rcx
	mov $0x3333333333333333, %rdx
	mov $0x4444444444444444, %rbx
	mov $0x5555555555555555, %rbp
	mov $0x6666666666666666, %rsi
	mov $0x7777777777777777, %rdi
	mov $0x8888888888888888, %r8
	mov $0xffffffffffffffff, %r15
	vmcall

GUEST(guest_cpuid)
	xor %eax, %eax
	xor %ecx, %ecx
AT(guest_cpuid_0_at)
	cpuid
	mov $1, %eax
	xor %ecx, %ecx
AT(guest_cpuid_1_at)
	cpuid
	vmcall

GUEST(guest_hlt)
	ARM_TIMER 20000
1:	sti
AT(guest_hlt_at)
	hlt
	cli
	cmpq $0, LOG_COUNT
	je 1b
	vmcall

GUEST(guest_invlpg)
	lea guest_page(%rip), %rax
AT(guest_invlpg_at)
	invlpg (%rax)
	vmcall

GUEST(guest_mwait)
	ARM_TIMER 20000
	lea guest_page(%rip), %rax
	xor %ecx, %ecx
	xor %edx, %edx
	movq $3, LOG_SKIP
AT(guest_monitor_at)
	monitor
	sti
AT(guest_mwait_at)
	mwait
	cli
	movq $0, LOG_SKIP
	WAIT_EVENT
	vmcall

GUEST(guest_rdpmc)
	xor %ecx, %ecx
	movq $2, LOG_SKIP
AT(guest_rdpmc_at)
	rdpmc
	movq $0, LOG_SKIP
	vmcall

GUEST(guest_rdtsc)
AT(guest_rdtsc_at)
	rdtsc
	vmcall

GUEST(guest_cr3)
AT(guest_cr3_store_at)
	mov %cr3, %rbx
AT(guest_cr3_load_at)
	mov %rbx, %cr3
	vmcall

GUEST(guest_cr3_targets)
	mov %cr3, %rbx
	mov %rbx, %cr3
	mov LOG_ALT_CR3, %rax
AT(guest_cr3_alt_at)
	mov %rax, %cr3
	mov %rbx, %cr3
	vmcall

GUEST(guest_cr8)
	mov $5, %eax
AT(guest_cr8_load_at)
	mov %rax, %cr8
AT(guest_cr8_store_at)
	mov %cr8, %rbx
	xor %eax, %eax
AT(guest_cr8_clear_at)
	mov %rax, %cr8
	vmcall

GUEST(guest_nops)
	nop
	nop
	vmcall

GUEST(guest_intr_window)
	cli
	nop
	sti
	nop
AT(guest_iw_at)
	nop
	cli
	vmcall

GUEST(guest_dr)
	mov $0x400, %eax
AT(guest_dr_load_at)
	mov %rax, %dr7
AT(guest_dr_store_at)
	mov %dr7, %rbx
	vmcall

GUEST(guest_io_uncond)
	mov $0x5a, %al
AT(guest_io_out_at)
	out %al, $0x80
	vmcall

GUEST(guest_io_bitmap)
	mov $0x5a, %al
	mov $0x301, %dx
	out %al, %dx
	mov $0x300, %dx
AT(guest_io_a_at)
	out %al, %dx
	mov $0x9000, %dx
	out %al, %dx
	mov $0x9001, %dx
AT(guest_io_b_at)
	in %dx, %al
	mov $0x2ff, %dx
AT(guest_io_span_at)
	out %ax, %dx
	vmcall

GUEST(guest_msr)
	mov $0x174, %ecx
AT(guest_msr_r_at)
	rdmsr
	wrmsr
	mov $0xc0000102, %ecx
	rdmsr
AT(guest_msr_w_at)
	wrmsr
	vmcall

GUEST(guest_pause)
AT(guest_pause_at)
	pause
	vmcall

GUEST(guest_mtf)
	nop
AT(guest_mtf_1)
	nop
AT(guest_mtf_2)
	vmcall

GUEST(guest_loop)
	mov $20000, %rcx
1:	dec %rcx
	jnz 1b
	vmcall

GUEST(guest_extint)
	ARM_TIMER 20000
	sti
	WAIT_EVENT
	cli
	vmcall

GUEST(guest_self_nmi)
	mov $0xfee00000, %rbx
	mov 0x20(%rbx), %eax		/* own APIC ID in bits 31:24 */
	and $0xff000000, %eax
	mov %eax, 0x310(%rbx)
	movl $0x4400, 0x300(%rbx)	/* NMI, assert, physical destination */
	WAIT_EVENT
	vmcall

GUEST(guest_ept)
	mov $MMIO_TEST_GPA, %rax
AT(guest_ept_read_at)
	mov (%rax), %rbx		/* 3 bytes: 48 8b 18 */
	lea guest_page2(%rip), %rcx
AT(guest_ept_write_at)
	mov %rbx, (%rcx)		/* 3 bytes: 48 89 19 */
	vmcall

GUEST(guest_ept_misconfig)
	mov $MMIO_TEST_GPA + 0x1000, %rax
AT(guest_ept_mc_at)
	mov (%rax), %rbx
	vmcall

GUEST(guest_desc)
	lea guest_page(%rip), %rax
AT(guest_sgdt_at)
	sgdt (%rax)
AT(guest_sidt_at)
	sidt 16(%rax)
AT(guest_sldt_at)
	sldt %bx
AT(guest_str_at)
	str %bx
	vmcall

GUEST(guest_rdtscp)
	movq $3, LOG_SKIP
AT(guest_rdtscp_at)
	rdtscp
	movq $0, LOG_SKIP
	vmcall

GUEST(guest_wbinvd)
AT(guest_wbinvd_at)
	wbinvd
	vmcall

GUEST(guest_rdrand)
	movq $4, LOG_SKIP
AT(guest_rdrand_at)
	rdrand %rax
	vmcall

GUEST(guest_rdseed)
	movq $4, LOG_SKIP
AT(guest_rdseed_at)
	rdseed %rbx
	vmcall

GUEST(guest_ud)
	movq $2, LOG_SKIP
AT(guest_ud_at)
	ud2
	vmcall

GUEST(guest_bp)
AT(guest_bp_at)
	int3
	vmcall

GUEST(guest_de)
	xor %ecx, %ecx
	mov $1, %eax
	xor %edx, %edx
	movq $2, LOG_SKIP
AT(guest_de_at)
	div %ecx
	vmcall

GUEST(guest_gp)
	mov $0x40, %eax
	movq $2, LOG_SKIP
AT(guest_gp_at)
	mov %ax, %ds
	vmcall

GUEST(guest_pf)
	mov $0x100000000, %rax
	movq $3, LOG_SKIP
AT(guest_pf_at)
	mov (%rax), %rbx
	vmcall

GUEST(guest_db)
	pushf
	orq $0x100, (%rsp)
	popf
AT(guest_db_at)
	nop
	nop
	vmcall

GUEST(guest_nm)
	mov %cr0, %rax
	or $8, %rax
	mov %rax, %cr0
	movq $2, LOG_SKIP
AT(guest_nm_at)
	fninit
	clts
	vmcall

GUEST(guest_crmask)
	mov %cr0, %rbx
	mov %cr4, %rcx
	mov %rbx, %cr0
AT(guest_crmask_clts_at)
	clts
	mov %cr0, %rsi
	mov %rsi, %rax
	or $8, %rax
AT(guest_crmask_cr0_at)
	mov %rax, %cr0
	mov %rcx, %cr4
	mov %rcx, %rax
	or $4, %rax
AT(guest_crmask_cr4_at)
	mov %rax, %cr4
	vmcall

GUEST(guest_inject)
AT(guest_inject_at)
	nop
	vmcall
AT(guest_inject_soft_at)
	int $0x80
	vmcall

/* Real mode: CS.base = guest_real, IP = 0; 64-byte aligned so the selector's RPL bits (base >> 4) are 0. */
	.code16
	.balign 64
GUEST(guest_real)
	mov $0x5a5a, %ax
	vmcall
AT(guest_real_end)
	.code64

/* Pages the guests touch (INVLPG target, SGDT buffer, the write-protected page of the EPT test). */
	.section .bss
	.balign 4096
	.globl guest_page, guest_page2
guest_page:
	.skip 4096
guest_page2:
	.skip 4096

	.section .note.GNU-stack, "", @progbits
