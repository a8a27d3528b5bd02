// SPDX-License-Identifier: MIT
/*
 * Scenarios for the instruction-exiting controls: each runs its guest with the control on (the exact exit,
 * its decoded qualification and the guest state are checked) and off (the same guest must not exit so).
 */
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/scenario.h"
#include "kmod-vmx/core/vmx_arch.h"

/* The common shape: one instruction, one exit with no qualification, skipped by the default policy. */
static void simple_exit(struct scn *s, enum kvmx_ctl ctl, const void *guest, const void *at, u32 reason,
			const char *reason_name, u32 insn_len)
{
	if (!SCN_REQUIRE(s, ctl))
		return;
	scn_begin(s, guest);
	kvmx_control_set(&s->c, ctl, true);
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, reason, 1, at);
		CHECK_REASON(s, r, reason_name);
		if (reason != EXIT_MWAIT && reason != EXIT_INVLPG) /* those two have a qualification, checked apart */
			CHECK_NO_FIELDS(s, r);
		if (r) {
			CHECK(s, r->flags & XS_F_INSN, "no instruction length in the record");
			CHECK_EQ(s, "instruction length", r->insn_len, insn_len);
		}
	}
	scn_begin(s, guest);
	if (scn_go(s))
		scn_expect_none(s, reason);
}

static void t_rdtsc(struct scn *s)
{
	simple_exit(s, KVMX_CTL_RDTSC_EXITING, guest_rdtsc, guest_rdtsc_at, EXIT_RDTSC, "RDTSC", 2);
	/* The policy emulated RDTSC: the guest got a TSC in EDX:EAX (upper halves clear). */
	scn_begin(s, guest_rdtsc);
	s->c.rdtsc_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *last = scn_last(s);
		CHECK(s, (last->gs.gpr[XS_RAX] | last->gs.gpr[XS_RDX]) != 0, "emulated RDTSC returned 0");
		CHECK(s, (last->gs.gpr[XS_RAX] >> 32) == 0 && (last->gs.gpr[XS_RDX] >> 32) == 0,
		      "emulated RDTSC left upper halves set");
	}
}

static void t_pause(struct scn *s)
{
	simple_exit(s, KVMX_CTL_PAUSE_EXITING, guest_pause, guest_pause_at, EXIT_PAUSE, "PAUSE_INSTRUCTION", 2);
}

static void t_wbinvd(struct scn *s)
{
	simple_exit(s, KVMX_CTL_WBINVD_EXITING, guest_wbinvd, guest_wbinvd_at, EXIT_WBINVD, "WBINVD", 2);
}

static void t_rdpmc(struct scn *s)
{
	simple_exit(s, KVMX_CTL_RDPMC_EXITING, guest_rdpmc, guest_rdpmc_at, EXIT_RDPMC, "RDPMC", 2);
}

static void t_monitor(struct scn *s)
{
	simple_exit(s, KVMX_CTL_MONITOR_EXITING, guest_mwait, guest_monitor_at, EXIT_MONITOR, "MONITOR_INSTRUCTION", 3);
}

static void t_mwait(struct scn *s)
{
	simple_exit(s, KVMX_CTL_MWAIT_EXITING, guest_mwait, guest_mwait_at, EXIT_MWAIT, "MWAIT_INSTRUCTION", 3);
	/* The qualification says whether MONITOR had armed the address (it had: monitor_armed = 1). */
	if (s->skipped || !SCN_REQUIRE(s, KVMX_CTL_MWAIT_EXITING))
		return;
	scn_begin(s, guest_mwait);
	s->c.mwait_exiting = true;
	if (scn_go(s))
		CHECK_FIELD(s, scn_find(s, EXIT_MWAIT, 0), "monitor_armed", 1);
}

static void t_invlpg(struct scn *s)
{
	simple_exit(s, KVMX_CTL_INVLPG_EXITING, guest_invlpg, guest_invlpg_at, EXIT_INVLPG, "INVLPG", 3);
	if (s->skipped)
		return;
	scn_begin(s, guest_invlpg);
	s->c.invlpg_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_find(s, EXIT_INVLPG, 0);
		CHECK_FIELD(s, r, "linear_address", addr(guest_page));
		if (r)
			CHECK(s, (r->flags & XS_F_GUEST_LINEAR) && r->guest_linear == addr(guest_page),
			      "guest_linear 0x%llx, want the INVLPG operand", (unsigned long long)r->guest_linear);
	}
}

/* HLT: with the control on, the run stops (nothing to wake the guest); an injected interrupt resumes it. */
static void t_hlt(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_HLT_EXITING))
		return;
	scn_begin(s, guest_hlt);
	s->c.hlt_exiting = true;
	if (!scn_configure(s))
		return;
	CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_HLT);
	const struct xs_exit_record *r = scn_expect(s, EXIT_HLT, 1, guest_hlt_at);
	CHECK_REASON(s, r, "HLT");
	CHECK_NO_FIELDS(s, r);
	if (r)
		CHECK_EQ(s, "HLT instruction length", r->insn_len, 1);
	/* Without an event the vCPU stays halted. */
	CHECK_EQ(s, "stop while halted", scn_run_once(s), KVMX_STOP_HLT);
	kvmx_vcpu_queue_event(&s->v, INTR_TYPE_EXT_INTR, GUEST_EXTINT_VECTOR, -1, 0);
	if (scn_run_to_vmcall(s)) {
		CHECK(s, guest_saw(GUEST_EXTINT_VECTOR), "the injected interrupt never reached the halted guest");
		CHECK_EQ(s, "HLT exits", scn_count(s, EXIT_HLT), 1);
	}
	/* Off: the guest really halts and its own LAPIC timer wakes it. */
	scn_begin(s, guest_hlt);
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_HLT);
		CHECK(s, guest_saw(GUEST_TIMER_VECTOR), "guest HLT was not woken by its timer");
	}
}

static void t_cr3_load_store(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_CR3_LOAD_EXITING, KVMX_CTL_CR3_STORE_EXITING))
		return;
	scn_begin(s, guest_cr3);
	s->c.cr3_load_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 1, guest_cr3_load_at);
		CHECK_REASON(s, r, "CR_ACCESS");
		CHECK_FIELD(s, r, "cr", 3);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_TO_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RBX");
		if (r)
			CHECK_EQ(s, "detail.cr.value", r->detail.cr.value, s->gs.cr3);
	}
	scn_begin(s, guest_cr3);
	s->c.cr3_store_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 1, guest_cr3_store_at);
		CHECK_FIELD(s, r, "cr", 3);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_FROM_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RBX");
		CHECK_EQ(s, "emulated MOV from CR3", scn_last(s)->gs.gpr[XS_RBX], s->gs.cr3);
	}
	scn_begin(s, guest_cr3);
	if (scn_go(s))
		scn_expect_none(s, EXIT_CR_ACCESS);
}

static void t_cr8_load_store(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_CR8_LOAD_EXITING, KVMX_CTL_CR8_STORE_EXITING))
		return;
	scn_begin(s, guest_cr8);
	s->c.cr8_load_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 2, guest_cr8_load_at);
		CHECK_FIELD(s, r, "cr", 8);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_TO_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RAX");
		if (r)
			CHECK_EQ(s, "CR8 value written", r->detail.cr.value, 5);
		const struct xs_exit_record *r2 = scn_find(s, EXIT_CR_ACCESS, 1);
		if (r2)
			CHECK_EQ(s, "second CR8 load rip", r2->guest_rip, addr(guest_cr8_clear_at));
		CHECK_EQ(s, "guest read back its TPR", scn_last(s)->gs.gpr[XS_RBX], 5);
	}
	scn_begin(s, guest_cr8);
	s->c.cr8_store_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 1, guest_cr8_store_at);
		CHECK_FIELD(s, r, "cr", 8);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_FROM_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RBX");
		CHECK_EQ(s, "emulated MOV from CR8", scn_last(s)->gs.gpr[XS_RBX], 5);
	}
	scn_begin(s, guest_cr8);
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_CR_ACCESS);
		CHECK_EQ(s, "native CR8 read", scn_last(s)->gs.gpr[XS_RBX], 5);
	}
}

static void t_mov_dr(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_MOV_DR_EXITING))
		return;
	scn_begin(s, guest_dr);
	s->c.mov_dr_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_DR_ACCESS, 2, guest_dr_load_at);
		CHECK_REASON(s, r, "DR_ACCESS");
		CHECK_FIELD(s, r, "dr", 7);
		CHECK_FIELD_NAME(s, r, "direction", "MOV_TO_DR");
		CHECK_FIELD_NAME(s, r, "gpr", "RAX");
		const struct xs_exit_record *r2 = scn_find(s, EXIT_DR_ACCESS, 1);
		CHECK_FIELD(s, r2, "dr", 7);
		CHECK_FIELD_NAME(s, r2, "direction", "MOV_FROM_DR");
		CHECK_FIELD_NAME(s, r2, "gpr", "RBX");
		CHECK_EQ(s, "emulated DR7 read", scn_last(s)->gs.gpr[XS_RBX], 0x400);
		CHECK_EQ(s, "DR7 in the snapshot", scn_last(s)->gs.dr7, 0x400);
	}
	scn_begin(s, guest_dr);
	if (scn_go(s))
		scn_expect_none(s, EXIT_DR_ACCESS);
}

static void t_uncond_io(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_UNCOND_IO_EXITING))
		return;
	scn_begin(s, guest_io_uncond);
	s->c.uncond_io_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_IO, 1, guest_io_out_at);
		CHECK_REASON(s, r, "IO_INSTRUCTION");
		CHECK_FIELD(s, r, "port", 0x80);
		CHECK_FIELD(s, r, "access_size_bytes", 1);
		CHECK_FIELD_NAME(s, r, "direction", "OUT");
		CHECK_FIELD_NAME(s, r, "operand_encoding", "IMMEDIATE");
		CHECK_FIELD(s, r, "string", 0);
		if (r) {
			CHECK_EQ(s, "detail.io.port", r->detail.io.port, 0x80);
			CHECK_EQ(s, "detail.io.value", r->detail.io.value, 0x5a);
			CHECK_EQ(s, "insn_len", r->insn_len, 2);
		}
	}
	scn_begin(s, guest_io_uncond);
	if (scn_go(s))
		scn_expect_none(s, EXIT_IO);
}

static void t_io_bitmaps(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_IO_BITMAPS, KVMX_CTL_UNCOND_IO_EXITING))
		return;
	scn_begin(s, guest_io_bitmap);
	s->c.io_bitmaps = true;
	s->c.uncond_io_exiting = true; /* ignored while the bitmaps are in use (SDM 25.1.3) */
	s->c.n_io = 2;
	s->c.io[0] = (struct kvmx_io_range){0x300, 1};	/* bitmap A */
	s->c.io[1] = (struct kvmx_io_range){0x9001, 1}; /* bitmap B */
	if (scn_go(s)) {
		const struct xs_exit_record *a = scn_expect(s, EXIT_IO, 3, guest_io_a_at);
		CHECK_FIELD(s, a, "port", 0x300);
		CHECK_FIELD_NAME(s, a, "direction", "OUT");
		CHECK_FIELD_NAME(s, a, "operand_encoding", "DX");
		const struct xs_exit_record *b = scn_find(s, EXIT_IO, 1);
		if (b)
			CHECK_EQ(s, "bitmap B exit rip", b->guest_rip, addr(guest_io_b_at));
		CHECK_FIELD(s, b, "port", 0x9001);
		CHECK_FIELD_NAME(s, b, "direction", "IN");
		CHECK_FIELD(s, b, "access_size_bytes", 1);
		const struct xs_exit_record *span = scn_find(s, EXIT_IO, 2);
		if (span)
			CHECK_EQ(s, "spanning access exit rip", span->guest_rip, addr(guest_io_span_at));
		CHECK_FIELD(s, span, "port", 0x2ff);
		CHECK_FIELD(s, span, "access_size_bytes", 2);
		CHECK_EQ(s, "IN completed with all ones", scn_last(s)->gs.gpr[XS_RAX] & 0xff, 0xff);
	}
	scn_begin(s, guest_io_bitmap);
	if (scn_go(s))
		scn_expect_none(s, EXIT_IO);
}

static void t_msr_bitmaps(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_MSR_BITMAPS))
		return;
	scn_begin(s, guest_msr);
	s->c.msr_bitmaps = true;
	s->c.n_msr = 2;
	s->c.msr[0] = (struct kvmx_msr_intercept){GUEST_MSR_READ_EXITING, true, false};
	s->c.msr[1] = (struct kvmx_msr_intercept){GUEST_MSR_WRITE_EXITING, false, true};
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_RDMSR, 1, guest_msr_r_at);
		CHECK_REASON(s, r, "MSR_READ");
		CHECK_NO_FIELDS(s, r); /* the MSR index is in RCX, not in the qualification */
		if (r) {
			CHECK_EQ(s, "RDMSR index (RCX)", r->gs.gpr[XS_RCX], GUEST_MSR_READ_EXITING);
			CHECK_EQ(s, "detail.msr.index", r->detail.msr.index, GUEST_MSR_READ_EXITING);
		}
		const struct xs_exit_record *w = scn_expect(s, EXIT_WRMSR, 1, guest_msr_w_at);
		CHECK_REASON(s, w, "MSR_WRITE");
		CHECK_NO_FIELDS(s, w);
		if (w) {
			CHECK_EQ(s, "WRMSR index", w->detail.msr.index, GUEST_MSR_WRITE_EXITING);
			CHECK_EQ(s, "WRMSR is_write", w->detail.msr.is_write, 1);
		}
	}
	/* Without MSR bitmaps every RDMSR and WRMSR exits: the bitmap is what lets the others through. */
	scn_begin(s, guest_msr);
	if (scn_go(s)) {
		CHECK_EQ(s, "RDMSR exits without bitmaps", scn_count(s, EXIT_RDMSR), 2);
		CHECK_EQ(s, "WRMSR exits without bitmaps", scn_count(s, EXIT_WRMSR), 2);
	}
}

static void t_rdtscp(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_ENABLE_RDTSCP, KVMX_CTL_RDTSC_EXITING))
		return;
	scn_begin(s, guest_rdtscp);
	s->c.enable_rdtscp = true;
	s->c.rdtsc_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_RDTSCP, 1, guest_rdtscp_at);
		CHECK_REASON(s, r, "RDTSCP");
		CHECK_NO_FIELDS(s, r);
		if (r)
			CHECK_EQ(s, "insn_len", r->insn_len, 3);
		CHECK(s, !guest_saw(6), "guest took #UD although RDTSCP is enabled");
	}
	/* Enabled without RDTSC exiting: runs natively. */
	scn_begin(s, guest_rdtscp);
	s->c.enable_rdtscp = true;
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_RDTSCP);
		CHECK(s, !guest_saw(6), "native RDTSCP raised #UD");
	}
	/* "enable RDTSCP" off: the instruction raises #UD in the guest, no exit. */
	scn_begin(s, guest_rdtscp);
	s->c.rdtsc_exiting = true;
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_RDTSCP);
		CHECK(s, guest_saw(6), "RDTSCP without 'enable RDTSCP' did not raise #UD");
	}
}

static void random_exit(struct scn *s, bool seed)
{
	enum kvmx_ctl ctl = seed ? KVMX_CTL_RDSEED_EXITING : KVMX_CTL_RDRAND_EXITING;
	const void *guest = seed ? guest_rdseed : guest_rdrand;
	const void *at = seed ? guest_rdseed_at : guest_rdrand_at;
	u32 reason = seed ? EXIT_RDSEED : EXIT_RDRAND;

	if (!SCN_REQUIRE(s, ctl))
		return;
	scn_begin(s, guest);
	if (seed)
		s->c.rdseed_exiting = true;
	else
		s->c.rdrand_exiting = true;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, reason, 1, at);
		CHECK_REASON(s, r, seed ? "RDSEED" : "RDRAND");
		CHECK_NO_FIELDS(s, r);
		if (r) {
			CHECK(s, r->flags & XS_F_INSN, "no instruction information");
			CHECK_EQ(s, "insn_len", r->insn_len, 4);
			CHECK_EQ(s, "insn_info destination register", (r->insn_info >> 3) & 15, seed ? XS_RBX : XS_RAX);
			CHECK_EQ(s, "insn_info operand size (2 = 64-bit)", (r->insn_info >> 11) & 3, 2);
		}
		CHECK(s, scn_last(s)->gs.rflags & X86_RFLAGS_CF, "emulated %s did not set CF",
		      seed ? "RDSEED" : "RDRAND");
	}
	scn_begin(s, guest);
	if (scn_go(s)) {
		scn_expect_none(s, reason);
		CHECK(s, !guest_saw(6), "native %s raised #UD", seed ? "RDSEED" : "RDRAND");
	}
}

static void t_rdrand(struct scn *s)
{
	random_exit(s, false);
}

static void t_rdseed(struct scn *s)
{
	random_exit(s, true);
}

const struct scenario scenarios_exec[] = {
	{"hlt_exiting", t_hlt},
	{"invlpg_exiting", t_invlpg},
	{"mwait_exiting", t_mwait},
	{"rdpmc_exiting", t_rdpmc},
	{"rdtsc_exiting", t_rdtsc},
	{"cr3_load_store_exiting", t_cr3_load_store},
	{"cr8_load_store_exiting", t_cr8_load_store},
	{"mov_dr_exiting", t_mov_dr},
	{"unconditional_io_exiting", t_uncond_io},
	{"io_bitmaps", t_io_bitmaps},
	{"msr_bitmaps", t_msr_bitmaps},
	{"monitor_exiting", t_monitor},
	{"pause_exiting", t_pause},
	{"enable_rdtscp", t_rdtscp},
	{"wbinvd_exiting", t_wbinvd},
	{"rdrand_exiting", t_rdrand},
	{"rdseed_exiting", t_rdseed},
	{0, 0},
};
