// SPDX-License-Identifier: MIT
/*
 * Scenarios for memory and control-register virtualization: EPT violations and misconfigurations, the
 * unrestricted (real-mode) guest, CR0/CR4 guest/host masks with read shadows, the CR3-target list, and
 * descriptor-table exiting.
 */
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/scenario.h"
#include "kmod-vmx/core/vmx_arch.h"

#define MMIO_VALUE 0x1234abcdull

static void t_ept(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_EPT))
		return;
	scn_begin(s, guest_ept);
	s->c.ept = true;
	if (!scn_ept_identity(s))
		return;
	/* The page the guest writes is mapped read-only. */
	if (kvmx_vcpu_ept_map(&s->v, addr(guest_page2), addr(guest_page2), KVMX_PAGE_SIZE, EPT_R, EPT_MT_WB, &s->err)) {
		CHECK(s, 0, "EPT: %s", s->err.msg);
		return;
	}
	if (!scn_configure(s))
		return;

	/* 1. A read of guest-physical memory nobody mapped: the run stops for the caller (MMIO). */
	CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_MMIO);
	const struct xs_exit_record *r = scn_expect(s, EXIT_EPT_VIOLATION, 1, guest_ept_read_at);
	CHECK_REASON(s, r, "EPT_VIOLATION");
	CHECK_FIELD(s, r, "read", 1);
	CHECK_FIELD(s, r, "write", 0);
	CHECK_FIELD(s, r, "fetch", 0);
	CHECK_FIELD(s, r, "readable", 0);
	CHECK_FIELD(s, r, "gla_valid", 1);
	CHECK_FIELD(s, r, "translated_access", 1);
	if (r) {
		CHECK(s, r->flags & XS_F_GUEST_PHYS, "no guest-physical address");
		CHECK_EQ(s, "guest_phys", r->guest_phys, MMIO_TEST_GPA);
		CHECK_EQ(s, "guest_linear", r->guest_linear, MMIO_TEST_GPA);
		CHECK_EQ(s, "detail.mmio.gpa", r->detail.mmio.gpa, MMIO_TEST_GPA);
	}
	/* The caller emulates the 3-byte load and resumes past it. */
	kvmx_vcpu_set_gpr(&s->v, XS_RBX, MMIO_VALUE);
	kvmx_vmwrite(VMCS_GUEST_RIP, addr(guest_ept_read_at) + 3);

	/* 2. A write to the read-only page. */
	CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_MMIO);
	r = scn_find(s, EXIT_EPT_VIOLATION, 1);
	if (r)
		CHECK_EQ(s, "write violation rip", r->guest_rip, addr(guest_ept_write_at));
	CHECK_FIELD(s, r, "read", 0);
	CHECK_FIELD(s, r, "write", 1);
	CHECK_FIELD(s, r, "readable", 1);
	CHECK_FIELD(s, r, "writable", 0);
	if (r) {
		CHECK_EQ(s, "guest_phys", r->guest_phys, addr(guest_page2));
		CHECK_EQ(s, "detail.mmio.is_write", r->detail.mmio.is_write, 1);
		CHECK_EQ(s, "the emulated MMIO value reached the guest", r->gs.gpr[XS_RBX], MMIO_VALUE);
	}
	kvmx_vmwrite(VMCS_GUEST_RIP, addr(guest_ept_write_at) + 3);
	if (scn_run_to_vmcall(s))
		CHECK_EQ(s, "EPT violations", scn_count(s, EXIT_EPT_VIOLATION), 2);

	/* Off: the same guest reads and writes host-physical memory directly. */
	scn_begin(s, guest_ept);
	if (scn_go(s))
		scn_expect_none(s, EXIT_EPT_VIOLATION);
}

static void t_ept_misconfig(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_EPT))
		return;
	scn_begin(s, guest_ept_misconfig);
	s->c.ept = true;
	if (!scn_ept_identity(s))
		return;
	/* Write without read: an EPT misconfiguration (SDM 28.3.3.1), which the normal map call refuses. */
	CHECK(s,
	      kvmx_vcpu_ept_map(&s->v, MMIO_TEST_GPA + 0x1000, MMIO_TEST_GPA + 0x1000, KVMX_PAGE_SIZE, EPT_W, EPT_MT_WB,
				&s->err) != 0,
	      "a write-only EPT mapping was accepted");
	if (kvmx_ept_set_raw_leaf(&s->v.ept, MMIO_TEST_GPA + 0x1000, (MMIO_TEST_GPA + 0x1000) | EPT_W, &s->err)) {
		CHECK(s, 0, "EPT: %s", s->err.msg);
		return;
	}
	if (!scn_configure(s))
		return;
	CHECK_EQ(s, "stop", scn_run_once(s), KVMX_STOP_EPT_MISCONFIG);
	const struct xs_exit_record *r = scn_expect(s, EXIT_EPT_MISCONFIG, 1, guest_ept_mc_at);
	CHECK_REASON(s, r, "EPT_MISCONFIG");
	if (r)
		CHECK_EQ(s, "guest_phys", r->guest_phys, MMIO_TEST_GPA + 0x1000);
	scn_begin(s, guest_ept_misconfig);
	if (scn_go(s))
		scn_expect_none(s, EXIT_EPT_MISCONFIG);
}

static void t_unrestricted_guest(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_EPT, KVMX_CTL_UNRESTRICTED_GUEST))
		return;
	scn_begin(s, guest_real);
	guest_state_real(&s->gs);
	s->c.ept = true;
	s->c.unrestricted_guest = true;
	if (!scn_ept_identity(s))
		return;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_last(s);
		CHECK_REASON(s, r, "VMCALL");
		CHECK_EQ(s, "real-mode CR0.PE", r->gs.cr0 & X86_CR0_PE, 0);
		CHECK_EQ(s, "real-mode CR0.PG", r->gs.cr0 & X86_CR0_PG, 0);
		CHECK_EQ(s, "AX set in real mode", r->gs.gpr[XS_RAX] & 0xffff, 0x5a5a);
		CHECK_EQ(s, "CS base", r->gs.seg_base[XS_SEG_CS], addr(guest_real));
	}
	/* Off: the core refuses the real-mode guest state, naming the control it would need. */
	scn_begin(s, guest_real);
	guest_state_real(&s->gs);
	s->c.ept = true;
	if (!scn_ept_identity(s))
		return;
	CHECK(s, kvmx_vcpu_configure(&s->v, &s->c, &s->gs, &s->err) != 0, "real-mode guest accepted without UG");
	CHECK(s, scn_contains(s->err.msg, "unrestricted guest"), "refusal does not name the control: %s", s->err.msg);
	/* And the CPU's own check: the control cleared behind the core's back fails VM entry on CR0. */
	s->c.unrestricted_guest = true;
	if (!scn_configure(s))
		return;
	kvmx_vmwrite(VMCS_PROC_CTLS2, s->v.words.word[KVMX_WORD_PROC2] & ~CPU2_UNRESTRICTED);
	CHECK_EQ(s, "stop without unrestricted guest", scn_run_once(s), KVMX_STOP_ENTRY_FAIL);
	const struct xs_exit_record *r = scn_last(s);
	if (r) {
		CHECK_EQ(s, "reason", r->reason, XS_VMX_REASON_FAILED_VMENTRY | EXIT_INVALID_GUEST_STATE);
		CHECK_FIELD_NAME(s, r, "entry_failure_code", "DEFAULT");
	}
}

static void t_cr_masks(struct scn *s)
{
	scn_begin(s, guest_crmask);
	s->c.cr0_mask = X86_CR0_TS;
	s->c.cr0_shadow = s->gs.cr0 | X86_CR0_TS; /* the guest believes TS is set */
	s->c.cr4_mask = X86_CR4_VMXE | X86_CR4_TSD;
	s->c.cr4_shadow = s->gs.cr4 & ~(X86_CR4_VMXE | X86_CR4_TSD); /* ... and that VMX is off */
	if (scn_go(s)) {
		const struct xs_exit_record *last = scn_last(s);
		CHECK(s, last->gs.gpr[XS_RBX] & X86_CR0_TS, "MOV from CR0 did not show the shadow's TS");
		CHECK(s, !(last->gs.gpr[XS_RCX] & X86_CR4_VMXE), "MOV from CR4 showed the real VMXE, not the shadow");
		CHECK(s, !(last->gs.gpr[XS_RSI] & X86_CR0_TS), "CLTS emulation left TS in the shadow");
		CHECK_EQ(s, "CR exits", scn_count(s, EXIT_CR_ACCESS), 3);
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 3, guest_crmask_clts_at);
		CHECK_FIELD(s, r, "cr", 0);
		CHECK_FIELD_NAME(s, r, "access_type", "CLTS");
		r = scn_find(s, EXIT_CR_ACCESS, 1);
		if (r)
			CHECK_EQ(s, "CR0 write rip", r->guest_rip, addr(guest_crmask_cr0_at));
		CHECK_FIELD(s, r, "cr", 0);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_TO_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RAX");
		r = scn_find(s, EXIT_CR_ACCESS, 2);
		if (r)
			CHECK_EQ(s, "CR4 write rip", r->guest_rip, addr(guest_crmask_cr4_at));
		CHECK_FIELD(s, r, "cr", 4);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_TO_CR");
		CHECK(s, last->gs.cr4 & X86_CR4_VMXE, "real CR4.VMXE was cleared");
	}
	/* Off: reads show the real registers and no write exits. */
	scn_begin(s, guest_crmask);
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_CR_ACCESS);
		CHECK(s, scn_last(s)->gs.gpr[XS_RCX] & X86_CR4_VMXE, "unmasked CR4 read lacks VMXE");
	}
}

static void t_cr3_targets(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_CR3_LOAD_EXITING))
		return;
	if (!kvmx_cr3_target_max(&s->cpu->caps)) {
		scn_skip(s, "this CPU model supports no CR3-target values");
		return;
	}
	/* A second top-level table with the same mappings: a valid CR3 that is not in the target list. */
	u64 alt_phys;
	u64 *alt = bare_platform.alloc_page(0, &alt_phys);
	if (!alt) {
		CHECK(s, 0, "out of pages");
		return;
	}
	scn_begin(s, guest_cr3_targets);
	const u64 *pml4 = (const u64 *)(__UINTPTR_TYPE__)(s->gs.cr3 & ~0xfffull);
	for (unsigned int i = 0; i < 512; i++)
		alt[i] = pml4[i];
	guest_log.alt_cr3 = alt_phys;
	s->c.cr3_load_exiting = true;
	s->c.cr3_target_count = 1;
	s->c.cr3_targets[0] = s->gs.cr3;
	if (scn_go(s)) {
		const struct xs_exit_record *r = scn_expect(s, EXIT_CR_ACCESS, 1, guest_cr3_alt_at);
		CHECK_FIELD(s, r, "cr", 3);
		CHECK_FIELD_NAME(s, r, "access_type", "MOV_TO_CR");
		CHECK_FIELD_NAME(s, r, "gpr", "RAX");
		if (r)
			CHECK_EQ(s, "new CR3", r->detail.cr.value, alt_phys);
		CHECK_EQ(s, "CR3 back at the target", scn_last(s)->gs.cr3, s->gs.cr3);
	}
	/* Without the target list every load exits. */
	scn_begin(s, guest_cr3_targets);
	guest_log.alt_cr3 = alt_phys;
	s->c.cr3_load_exiting = true;
	if (scn_go(s))
		CHECK_EQ(s, "CR3 loads without targets", scn_count(s, EXIT_CR_ACCESS), 3);
	bare_platform.free_page(0, alt);
}

static void t_desc_table(struct scn *s)
{
	if (!SCN_REQUIRE(s, KVMX_CTL_DESC_TABLE_EXITING))
		return;
	scn_begin(s, guest_desc);
	s->c.desc_table_exiting = true;
	if (!scn_configure(s))
		return;
	/* The default policy hands these to the caller, which steps over them. */
	static const struct {
		const char *at;
		u32 reason, identity;
		long long displacement; /* -1: register operand */
	} want[] = {
		{guest_sgdt_at, EXIT_GDTR_IDTR, 0, 0},
		{guest_sidt_at, EXIT_GDTR_IDTR, 1, 16},
		{guest_sldt_at, EXIT_LDTR_TR, 0, -1},
		{guest_str_at, EXIT_LDTR_TR, 1, -1},
	};
	for (unsigned int i = 0; i < KVMX_ARRAY_SIZE(want); i++) {
		enum kvmx_stop st = scn_run_once(s);
		const struct xs_exit_record *r = scn_last(s);
		CHECK_EQ(s, "stop", st, KVMX_STOP_UNHANDLED);
		if (!r || st != KVMX_STOP_UNHANDLED)
			return;
		CHECK_EQ(s, "reason", r->reason, want[i].reason);
		CHECK_EQ(s, "rip", r->guest_rip, addr(want[i].at));
		CHECK_EQ(s, "instruction identity", (r->insn_info >> 28) & 3, want[i].identity);
		if (want[i].displacement >= 0)
			CHECK_FIELD(s, r, "displacement", (u64)want[i].displacement);
		else
			CHECK_EQ(s, "register operand (insn_info bit 10)", (r->insn_info >> 10) & 1, 1);
		kvmx_vcpu_skip_insn(&s->v);
	}
	CHECK_REASON(s, scn_find(s, EXIT_GDTR_IDTR, 0), "GDTR_IDTR");
	CHECK_REASON(s, scn_find(s, EXIT_LDTR_TR, 0), "LDTR_TR");
	scn_run_to_vmcall(s);
	scn_begin(s, guest_desc);
	if (scn_go(s)) {
		scn_expect_none(s, EXIT_GDTR_IDTR);
		scn_expect_none(s, EXIT_LDTR_TR);
	}
}

const struct scenario scenarios_memory[] = {
	{"ept_violation", t_ept},
	{"ept_misconfiguration", t_ept_misconfig},
	{"unrestricted_guest", t_unrestricted_guest},
	{"cr0_cr4_masks_and_shadows", t_cr_masks},
	{"cr3_target_list", t_cr3_targets},
	{"descriptor_table_exiting", t_desc_table},
	{0, 0},
};
