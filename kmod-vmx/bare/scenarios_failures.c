// SPDX-License-Identifier: MIT
/*
 * Scenarios for what must go wrong the right way (refused controls, VM-entry failures on guest state,
 * invalid control fields), plus the core's own duties: the guest-state snapshot, the CPUID policy and the
 * ring's drop counter.
 */
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/scenario.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

/* Ring records dropped on purpose by t_ring_drops; main.c adds them to the END chunk's count. */
u64 scenario_ring_drops;

static void expect_refusal(struct scn *s, const char *what, const char *needle)
{
	bool refused = kvmx_vcpu_configure(&s->v, &s->c, &s->gs, &s->err) != 0;

	CHECK(s, refused, "%s was accepted", what);
	if (refused)
		CHECK(s, scn_contains(s->err.msg, needle), "refusal of %s does not name '%s': %s", what, needle,
		      s->err.msg);
	else
		return;
	dbg_printf("#   refused as expected: %s\n", s->err.msg);
}

static void t_refusals(struct scn *s)
{
	unsigned int unsupported = 0;

	/* Every control this model lacks, asked for alone. */
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
		if (kvmx_control_allowed(&s->cpu->caps, (enum kvmx_ctl)i))
			continue;
		const struct kvmx_control_info *ci = kvmx_control_info((enum kvmx_ctl)i);
		scn_begin(s, guest_vmcall);
		kvmx_control_set(&s->c, (enum kvmx_ctl)i, true);
		/* With what it depends on, so the refusal is about this control. */
		if (i == KVMX_CTL_VIRTUAL_NMIS || i == KVMX_CTL_NMI_WINDOW_EXITING)
			s->c.nmi_exiting = s->c.virtual_nmis = true;
		if (i == KVMX_CTL_UNRESTRICTED_GUEST)
			s->c.ept = true;
		char what[96];
		kvmx_snprintf(what, sizeof(what), "unsupported control '%s'", ci->name);
		/* A dependency the model also lacks may be named first (UG needs EPT); either is a fair refusal. */
		bool refused = kvmx_vcpu_configure(&s->v, &s->c, &s->gs, &s->err) != 0;
		CHECK(s, refused, "%s was accepted", what);
		if (refused) {
			bool named = scn_contains(s->err.msg, ci->name) ||
				     (i == KVMX_CTL_UNRESTRICTED_GUEST && scn_contains(s->err.msg, "enable EPT")) ||
				     (i == KVMX_CTL_NMI_WINDOW_EXITING && scn_contains(s->err.msg, "NMI"));
			CHECK(s, named, "refusal of %s does not name it: %s", what, s->err.msg);
			dbg_printf("#   refused as expected: %s\n", s->err.msg);
		}
		unsupported++;
	}
	dbg_printf("#   %u of %u controls unsupported on this model\n", unsupported, (unsigned int)KVMX_CTL_COUNT);

	/* Broken dependencies and limits are refused on every model. */
	scn_begin(s, guest_vmcall);
	s->c.virtual_nmis = true;
	expect_refusal(s, "'virtual NMIs' without 'NMI exiting'", "virtual NMIs");
	scn_begin(s, guest_vmcall);
	s->c.cr3_load_exiting = true;
	s->c.cr3_target_count = 5;
	expect_refusal(s, "5 CR3-target values", "CR3-target count");
	scn_begin(s, guest_vmcall);
	s->c.n_msr = 1;
	s->c.msr[0] = (struct kvmx_msr_intercept){0x174, true, false};
	expect_refusal(s, "an MSR intercept without 'use MSR bitmaps'", "use MSR bitmaps");
	scn_begin(s, guest_vmcall);
	s->c.msr_bitmaps = true;
	s->c.n_msr = 1;
	s->c.msr[0] = (struct kvmx_msr_intercept){0x40000000, true, false};
	expect_refusal(s, "an MSR outside the bitmap's ranges", "MSR 0x40000000");

	/* Strict mode: controls the CPU forces on are refused by name (none on models with TRUE controls). */
	struct kvmx_words words;
	struct kvmx_guest_mode mode = {true};
	struct kvmx_controls strict = {0};
	strict.strict = true;
	int rc = kvmx_controls_compute(&s->cpu->caps, &strict, &mode, &words, &s->err);
	if (s->cpu->caps.true_ctls) {
		CHECK(s, rc == 0, "strict all-off request refused on a CPU with TRUE controls: %s", s->err.msg);
	} else {
		CHECK(s, rc != 0 && scn_contains(s->err.msg, "cannot be 0"), "strict request was not refused by name");
		dbg_printf("#   strict refusal: %s\n", s->err.msg);
	}
}

static void t_invalid_guest_state(struct scn *s)
{
	/* CS with a data-segment type: fails a guest-state check, qualification 0 (default). */
	scn_begin(s, guest_vmcall);
	s->gs.seg[XS_SEG_CS].ar = 0xc093;
	if (scn_configure(s)) {
		CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_ENTRY_FAIL);
		const struct xs_exit_record *r = scn_last(s);
		if (r) {
			CHECK_EQ(s, "reason", r->reason, XS_VMX_REASON_FAILED_VMENTRY | EXIT_INVALID_GUEST_STATE);
			CHECK_REASON(s, r, "INVALID_STATE");
			CHECK_FIELD_NAME(s, r, "entry_failure_code", "DEFAULT");
			CHECK(s, r->flags & XS_F_FINAL, "entry failure not marked final");
			CHECK_EQ(s, "detail kind", r->detail_kind, XS_D_FAIL_ENTRY);
		}
		CHECK_EQ(s, "failed entries", s->v.failed_entries, 1);
	}
	/* A VMCS link pointer that is not ~0 and not a VMCS: qualification 4. */
	u64 page_phys;
	void *page = bare_platform.alloc_page(0, &page_phys);
	scn_begin(s, guest_vmcall);
	s->gs.link_pointer = page_phys;
	if (page && scn_configure(s)) {
		CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_ENTRY_FAIL);
		const struct xs_exit_record *r = scn_last(s);
		if (r) {
			CHECK_EQ(s, "reason", r->reason, XS_VMX_REASON_FAILED_VMENTRY | EXIT_INVALID_GUEST_STATE);
			CHECK_FIELD(s, r, "entry_failure_code", ENTRY_FAIL_QUAL_VMCS_LINK);
			CHECK_FIELD_NAME(s, r, "entry_failure_code", "VMCS_LINK_POINTER");
		}
	}
	if (page)
		bare_platform.free_page(0, page);
	/* The same guest with a sound state runs. */
	scn_begin(s, guest_vmcall);
	if (scn_go(s))
		CHECK_EQ(s, "records", s->n, 1);
}

static void t_invalid_control_field(struct scn *s)
{
	/* What kvmx_controls_compute prevents: a pin-based word without its must-be-1 bits. */
	scn_begin(s, guest_vmcall);
	if (!scn_configure(s))
		return;
	kvmx_vmwrite(VMCS_PIN_CTLS, 0);
	if (!kvmx_allowed0(s->cpu->caps.pin)) {
		scn_skip(s, "this model has no must-be-1 pin-based control bits");
		return;
	}
	CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_VMFAIL);
	CHECK_EQ(s, "VM-instruction error (7: invalid control fields)", s->v.insn_error, 7);
	CHECK_EQ(s, "no record for a VMfail", s->n, 0);
}

static void t_guest_state_snapshot(struct scn *s)
{
	scn_begin(s, guest_regs);
	if (!scn_go(s))
		return;
	const struct xs_exit_record *r = scn_expect(s, EXIT_VMCALL, 1, 0);
	if (!r)
		return;
	static const u64 want[XS_GPR_COUNT] = {
		[XS_RAX] = 0x1111111111111111ull, [XS_RCX] = 0x2222222222222222ull, [XS_RDX] = 0x3333333333333333ull,
		[XS_RBX] = 0x4444444444444444ull, [XS_RBP] = 0x5555555555555555ull, [XS_RSI] = 0x6666666666666666ull,
		[XS_RDI] = 0x7777777777777777ull, [XS_R8] = 0x8888888888888888ull,  [XS_R15] = ~0ull,
	};
	for (unsigned int i = 0; i < XS_GPR_COUNT; i++)
		if (want[i])
			CHECK_EQ(s, "GPR", r->gs.gpr[i], want[i]);
	CHECK_EQ(s, "RSP", r->gs.gpr[XS_RSP], guest_stack_top());
	CHECK_EQ(s, "CR3", r->gs.cr3, s->gs.cr3);
	CHECK_EQ(s, "CS selector", r->gs.seg_sel[XS_SEG_CS], GDT_CODE64);
	CHECK_EQ(s, "TR selector", r->gs.seg_sel[XS_SEG_TR], GDT_TSS);
	CHECK_EQ(s, "SS access rights", r->gs.seg_ar[XS_SEG_SS], 0xc093);
	CHECK_EQ(s, "GDTR base", r->gs.gdtr_base, s->gs.gdtr_base);
	CHECK_EQ(s, "IDTR base", r->gs.idtr_base, s->gs.idtr_base);
	CHECK_EQ(s, "IDTR limit", r->gs.idtr_limit, s->gs.idtr_limit);
	u64 need = XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS | XS_GS_CR0 | XS_GS_CR3 | XS_GS_CR4 | XS_GS_SEG_SEL |
		   XS_GS_SEG_BASE | XS_GS_SEG_LIMIT | XS_GS_SEG_AR | XS_GS_GDTR | XS_GS_IDTR;
	CHECK_EQ(s, "valid mask covers the snapshot", r->gs.valid & need, need);
	CHECK_EQ(s, "record size", r->size, XS_RECORD_FULL_SIZE);
	CHECK_EQ(s, "isa", r->isa, XS_ISA_VMX);
	CHECK_EQ(s, "source", r->source, XS_SRC_BARE_VMX);
	CHECK(s, r->flags & XS_F_TS_TSC, "timestamp not marked as TSC");
	CHECK(s, r->flags & XS_F_INSN, "VMCALL without instruction length");
	CHECK_EQ(s, "VMCALL length", r->insn_len, 3);
}

static void t_cpuid_policy(struct scn *s)
{
	scn_begin(s, guest_cpuid);
	if (!scn_go(s))
		return;
	const struct xs_exit_record *r = scn_expect(s, EXIT_CPUID, 2, guest_cpuid_0_at);
	CHECK_REASON(s, r, "CPUID");
	CHECK_NO_FIELDS(s, r);
	const struct xs_exit_record *r1 = scn_find(s, EXIT_CPUID, 1);
	if (!r1)
		return;
	CHECK_EQ(s, "second CPUID rip", r1->guest_rip, addr(guest_cpuid_1_at));
	CHECK_EQ(s, "detail.cpuid.leaf", r1->detail.cpuid.leaf, 1);
	CHECK_EQ(s, "CPUID.1:ECX.VMX hidden", r1->detail.cpuid.ecx & CPUID_1_ECX_VMX, 0);
	CHECK(s, r1->detail.cpuid.ecx & CPUID_1_ECX_HYPERVISOR, "hypervisor bit not set");
	CHECK_EQ(s, "the guest got what the record says", (u32)scn_last(s)->gs.gpr[XS_RCX], r1->detail.cpuid.ecx);
}

static void t_ring_drops(struct scn *s)
{
	static u8 small[KVMX_RING_DATA_OFFSET + 2 * KVMX_RING_SLOT_SIZE] __attribute__((aligned(4096)));
	struct kvmx_ring_header *big = s->ring;
	struct kvmx_ring_header *ring = kvmx_ring_init(small, sizeof(small), &s->err);

	if (!ring) {
		CHECK(s, 0, "ring: %s", s->err.msg);
		return;
	}
	CHECK_EQ(s, "slots", ring->nslots, 2);
	s->ring = ring;
	scn_begin(s, guest_cpuid);
	bool ok = scn_go(s); /* 2 CPUID exits + VMCALL = 3 records into 2 slots (drained only at the stop) */
	s->ring = big;
	if (!ok)
		return;
	CHECK_EQ(s, "exits", s->v.exits, 3);
	CHECK_EQ(s, "records kept", s->n, 2);
	CHECK_EQ(s, "drop counter", ring->dropped, 1);
	CHECK_EQ(s, "sequence numbers count the dropped record", s->v.seq - s->recs[0].seq, s->n + ring->dropped);
	scenario_ring_drops += ring->dropped;
}

const struct scenario scenarios_failures[] = {
	{"refused_controls", t_refusals},
	{"invalid_guest_state", t_invalid_guest_state},
	{"invalid_control_field", t_invalid_control_field},
	{"guest_state_snapshot", t_guest_state_snapshot},
	{"cpuid_policy", t_cpuid_policy},
	{"ring_drop_counter", t_ring_drops},
	{0, 0},
};
