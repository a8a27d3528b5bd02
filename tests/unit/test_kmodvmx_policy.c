// SPDX-License-Identifier: MIT
/*
 * kmod-vmx core: exit records and the default policy, run against a fake VMCS (this file implements
 * kvmx_vmread/kvmx_vmwrite over an array) and the fake platform. Each test stages the VMCS exit fields a real
 * exit would leave, fills the record, runs the policy and checks what a guest would see next.
 */
#include "kmodvmx_fake.h"

#include "kmod-vmx/core/exit_record.h"
#include "kmod-vmx/core/policy.h"

static uint64_t vmcs[0x8000];

uint64_t kvmx_vmread(uint32_t field)
{
	return field < 0x8000 ? vmcs[field] : 0;
}

int kvmx_vmwrite(uint32_t field, uint64_t value)
{
	if (field >= 0x8000)
		return -1;
	vmcs[field] = value;
	return 0;
}

struct env {
	struct fake_platform f;
	struct kvmx_platform p;
	struct kvmx_cpu cpu;
	struct kvmx_vcpu v;
	struct xs_exit_record r;
};

static struct env *setup(void)
{
	struct env *e = calloc(1, sizeof(*e));
	struct kvmx_err err;
	struct kvmx_controls c = {0};
	struct kvmx_guest_mode mode = {.ia32e = true};

	assert_non_null(e);
	memset(vmcs, 0, sizeof(vmcs));
	fake_init(&e->f, &e->p, model_named("corei7_haswell_4770"));
	assert_int_equal(kvmx_caps_read(&e->p, &e->cpu.caps, &err), 0);
	e->cpu.plat = &e->p;
	e->v.cpu = &e->cpu;
	e->v.plat = &e->p;
	e->v.source = XS_SRC_BARE_VMX;
	e->v.id = 3;
	assert_int_equal(kvmx_controls_compute(&e->cpu.caps, &c, &mode, &e->v.words, &err), 0);
	vmcs[VMCS_GUEST_RIP] = 0x10000;
	vmcs[VMCS_GUEST_RSP] = 0x8000;
	vmcs[VMCS_GUEST_CR0] = 0x80000031;
	vmcs[VMCS_GUEST_CR3] = 0x39000;
	vmcs[VMCS_GUEST_CR4] = 0x2020;
	vmcs[VMCS_GUEST_RFLAGS] = 2;
	return e;
}

static void teardown(struct env *e)
{
	fake_release(&e->f);
	free(e);
}

/* Stage an exit and run the default policy on it. */
static enum kvmx_stop exit_with(struct env *e, uint32_t reason, uint64_t qual, uint32_t insn_len)
{
	vmcs[VMCS_EXIT_REASON] = reason;
	vmcs[VMCS_EXIT_QUALIFICATION] = qual;
	vmcs[VMCS_EXIT_INSN_LEN] = insn_len;
	kvmx_exit_record_fill(&e->v, &e->r, 12345);
	return kvmx_policy_default(&e->v, &e->r, NULL);
}

static void test_record_fields(void **state)
{
	(void)state;
	struct env *e = setup();

	e->v.gprs.r[XS_RAX] = 0x1111;
	e->v.gprs.r[XS_R15] = 0xffff;
	vmcs[VMCS_GUEST_ES_SEL + 2 * XS_SEG_CS] = 8;
	vmcs[VMCS_GUEST_ES_AR + 2 * XS_SEG_CS] = 0xa09b;
	vmcs[VMCS_IDT_VECTORING_INFO] = INTR_INFO_VALID | (3u << 8) | INTR_INFO_HAS_ERROR | 14;
	vmcs[VMCS_IDT_VECTORING_ERROR] = 2;
	vmcs[VMCS_GUEST_PHYS_ADDR] = 0x3000000;
	vmcs[VMCS_GUEST_LINEAR_ADDR] = 0x7000;
	assert_int_equal(exit_with(e, EXIT_EPT_VIOLATION, 0x181, 0), KVMX_STOP_MMIO);
	struct xs_exit_record *r = &e->r;
	assert_int_equal(r->version, XS_RECORD_VERSION);
	assert_int_equal(r->size, XS_RECORD_FULL_SIZE);
	assert_int_equal(r->isa, XS_ISA_VMX);
	assert_int_equal(r->source, XS_SRC_BARE_VMX);
	assert_int_equal(r->vcpu, 3);
	assert_int_equal(r->ts, 12345);
	assert_int_equal(r->seq, 0);
	assert_true(r->flags & XS_F_TS_TSC);
	assert_true(r->flags & XS_F_GUEST_STATE);
	assert_true(r->flags & XS_F_GUEST_PHYS);
	assert_true(r->flags & XS_F_GUEST_LINEAR);
	assert_false(r->flags & XS_F_INSN); /* EPT violations have no instruction length */
	assert_int_equal(r->guest_phys, 0x3000000);
	assert_int_equal(r->guest_linear, 0x7000);
	assert_int_equal(r->idt_vectoring_error, 2);
	assert_int_equal(r->info2, r->idt_vectoring_info);
	assert_int_equal(r->detail_kind, XS_D_MMIO);
	assert_int_equal(r->detail.mmio.gpa, 0x3000000);
	assert_int_equal(r->gs.gpr[XS_RAX], 0x1111);
	assert_int_equal(r->gs.gpr[XS_R15], 0xffff);
	assert_int_equal(r->gs.gpr[XS_RSP], 0x8000);
	assert_int_equal(r->gs.seg_ar[XS_SEG_CS], 0xa09b);
	assert_int_equal(r->gs.cr3, 0x39000);
	/* The interrupted #PF is delivered again on the next entry. */
	assert_true(e->v.event_pending);
	assert_int_equal(e->v.event_info, vmcs[VMCS_IDT_VECTORING_INFO]);
	assert_int_equal(e->v.event_error, 2);
	/* Sequence numbers advance. */
	exit_with(e, EXIT_VMCALL, 0, 3);
	assert_int_equal(e->r.seq, 1);
	teardown(e);
}

static void test_cpuid_rdtsc_rdmsr(void **state)
{
	(void)state;
	struct env *e = setup();

	e->v.gprs.r[XS_RAX] = 1;
	assert_int_equal(exit_with(e, EXIT_CPUID, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], 0x10002);
	assert_int_equal(e->r.detail_kind, XS_D_CPUID);
	assert_int_equal(e->r.detail.cpuid.leaf, 1);
	assert_false(e->v.gprs.r[XS_RCX] & CPUID_1_ECX_VMX);
	assert_true(e->v.gprs.r[XS_RCX] & CPUID_1_ECX_HYPERVISOR);
	assert_int_equal(e->r.detail.cpuid.ecx, (uint32_t)e->v.gprs.r[XS_RCX]);
	assert_true(e->r.flags & XS_F_INSN);

	e->v.tsc_offset = 0x100000000ull;
	assert_int_equal(exit_with(e, EXIT_RDTSC, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RDX], 1);

	/* An MSR outside the policy's set: #GP(0) goes to the guest and the RIP stays. */
	e->v.gprs.r[XS_RCX] = 0x12345;
	uint64_t rip = vmcs[VMCS_GUEST_RIP];
	assert_int_equal(exit_with(e, EXIT_RDMSR, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], rip);
	assert_true(e->v.event_pending);
	assert_int_equal(e->v.event_info, INTR_INFO_VALID | INTR_INFO_HAS_ERROR | (INTR_TYPE_HW_EXCEPTION << 8) | 13);
	assert_int_equal(e->r.detail.msr.failed, 1);
	e->v.event_pending = false;

	/* WRMSR then RDMSR of a virtual MSR; FS base goes to the VMCS. */
	e->v.gprs.r[XS_RCX] = MSR_IA32_KERNEL_GS_BASE;
	e->v.gprs.r[XS_RDX] = 0xffff8000;
	e->v.gprs.r[XS_RAX] = 0x1000;
	assert_int_equal(exit_with(e, EXIT_WRMSR, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(e->r.detail.msr.value, 0xffff800000001000ull);
	e->v.gprs.r[XS_RAX] = e->v.gprs.r[XS_RDX] = 0;
	assert_int_equal(exit_with(e, EXIT_RDMSR, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RDX], 0xffff8000);
	assert_int_equal(e->v.gprs.r[XS_RAX], 0x1000);
	e->v.gprs.r[XS_RCX] = MSR_IA32_FS_BASE;
	e->v.gprs.r[XS_RAX] = 0x5000;
	e->v.gprs.r[XS_RDX] = 0;
	assert_int_equal(exit_with(e, EXIT_WRMSR, 0, 2), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_ES_BASE + 2 * XS_SEG_FS], 0x5000);
	teardown(e);
}

static void test_cr_and_dr(void **state)
{
	(void)state;
	struct env *e = setup();

	/* MOV RBX -> CR3 (qualification: cr 3, type 0, gpr 3). */
	e->v.gprs.r[XS_RBX] = 0x77000;
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 3 | (0 << 4) | (3 << 8), 3), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_CR3], 0x77000);
	assert_int_equal(e->r.detail.cr.cr, 3);
	assert_int_equal(e->r.detail.cr.value, 0x77000);
	/* MOV CR3 -> RCX. */
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 3 | (1 << 4) | (1 << 8), 3), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RCX], 0x77000);
	/* MOV RAX -> CR8, then CR8 -> RDX. */
	e->v.gprs.r[XS_RAX] = 0x25;
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 8 | (0 << 4) | (0 << 8), 4), KVMX_STOP_NONE);
	assert_int_equal(e->v.tpr, 5);
	assert_true(e->v.tpr_dirty);
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 8 | (1 << 4) | (2 << 8), 4), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RDX], 5);
	/* MOV to CR4 keeps VMXE in the real register and the written value in the shadow. */
	e->v.gprs.r[XS_RSI] = 0x20;
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 4 | (6 << 8), 3), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_CR4], 0x2020);
	assert_int_equal(vmcs[VMCS_CR4_SHADOW], 0x20);
	/* CLTS clears TS in the shadow and the register; CR0.NE stays forced. */
	vmcs[VMCS_CR0_SHADOW] = 0x80000039;
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 0 | (2 << 4), 2), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_CR0_SHADOW], 0x80000031);
	assert_int_equal(vmcs[VMCS_GUEST_CR0], 0x80000031);
	/* LMSW cannot clear PE. */
	assert_int_equal(exit_with(e, EXIT_CR_ACCESS, 0 | (3 << 4) | (0x8ull << 16), 3), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_CR0_SHADOW] & 0xf, 0x9);
	/* MOV RAX -> DR7, DR7 -> RBX. */
	e->v.gprs.r[XS_RAX] = 0x401;
	assert_int_equal(exit_with(e, EXIT_DR_ACCESS, 7 | (0 << 4) | (0 << 8), 3), KVMX_STOP_NONE);
	assert_int_equal(vmcs[VMCS_GUEST_DR7], 0x401);
	assert_int_equal(exit_with(e, EXIT_DR_ACCESS, 7 | (1 << 4) | (3 << 8), 3), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RBX], 0x401);
	teardown(e);
}

static void test_io_hlt_and_events(void **state)
{
	(void)state;
	struct env *e = setup();

	/* OUT DX, AX to port 0x2ff: qualification size 1 (2 bytes), DX encoding. */
	e->v.gprs.r[XS_RAX] = 0x12345a5a;
	assert_int_equal(exit_with(e, EXIT_IO, 1 | (0 << 3) | (0x2ffull << 16), 1), KVMX_STOP_IO);
	assert_int_equal(e->r.detail_kind, XS_D_IO);
	assert_int_equal(e->r.detail.io.port, 0x2ff);
	assert_int_equal(e->r.detail.io.size, 2);
	assert_int_equal(e->r.detail.io.direction, XS_IO_OUT);
	assert_int_equal(e->r.detail.io.value, 0x5a5a);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], 0x10000); /* the caller completes it */

	/* HLT with nothing to wake the guest: the run stops, the vCPU is halted past the HLT. */
	assert_int_equal(exit_with(e, EXIT_HLT, 0, 1), KVMX_STOP_HLT);
	assert_true(e->v.halted);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], 0x10001);
	/* With an event queued it resumes. */
	e->v.halted = false;
	kvmx_vcpu_queue_event(&e->v, INTR_TYPE_EXT_INTR, 0x40, -1, 0);
	assert_int_equal(exit_with(e, EXIT_HLT, 0, 1), KVMX_STOP_NONE);
	assert_false(e->v.halted);
	e->v.event_pending = false;

	/* An intercepted #PF goes back to the guest with its error code and CR2. */
	vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID | INTR_INFO_HAS_ERROR | (INTR_TYPE_HW_EXCEPTION << 8) | 14;
	vmcs[VMCS_EXIT_INTR_ERROR] = 4;
	assert_int_equal(exit_with(e, EXIT_EXCEPTION_NMI, 0x100000000ull, 0), KVMX_STOP_NONE);
	assert_int_equal(e->r.detail_kind, XS_D_EXCEPTION);
	assert_int_equal(e->r.detail.exception.address, 0x100000000ull);
	assert_int_equal(e->r.guest_linear, 0x100000000ull);
	assert_true(e->v.cr2_dirty);
	assert_int_equal(e->v.guest_cr2, 0x100000000ull);
	assert_int_equal(e->v.event_error, 4);
	e->v.event_pending = false;
	/* A software exception (INT3) is reflected with its length. */
	vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID | (INTR_TYPE_SW_EXCEPTION << 8) | 3;
	assert_int_equal(exit_with(e, EXIT_EXCEPTION_NMI, 0, 1), KVMX_STOP_NONE);
	assert_true(e->r.flags & XS_F_INSN);
	assert_int_equal(e->v.event_insn_len, 1);
	e->v.event_pending = false;
	/* An NMI was the host's. */
	vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2;
	assert_int_equal(exit_with(e, EXIT_EXCEPTION_NMI, 0, 0), KVMX_STOP_NONE);
	assert_int_equal(e->f.host_nmis, 1);
	assert_false(e->v.event_pending);
	/* An acknowledged external interrupt goes to the platform. */
	vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID | 0x30;
	assert_int_equal(exit_with(e, EXIT_EXTERNAL_INTERRUPT, 0, 0), KVMX_STOP_NONE);
	assert_int_equal(e->f.host_irqs, 1);
	vmcs[VMCS_EXIT_INTR_INFO] = 0;
	teardown(e);
}

static void test_windows_failures_and_unhandled(void **state)
{
	(void)state;
	struct env *e = setup();

	e->v.words.word[KVMX_WORD_PROC] |= CPU_INTR_WINDOW | CPU_NMI_WINDOW;
	assert_int_equal(exit_with(e, EXIT_INTERRUPT_WINDOW, 0, 0), KVMX_STOP_NONE);
	assert_false(vmcs[VMCS_PROC_CTLS] & CPU_INTR_WINDOW);
	assert_int_equal(exit_with(e, EXIT_NMI_WINDOW, 0, 0), KVMX_STOP_NONE);
	assert_false(vmcs[VMCS_PROC_CTLS] & CPU_NMI_WINDOW);

	assert_int_equal(exit_with(e, EXIT_VMCALL, 0, 3), KVMX_STOP_VMCALL);
	assert_int_equal(exit_with(e, EXIT_EPT_MISCONFIG, 0, 0), KVMX_STOP_EPT_MISCONFIG);
	assert_int_equal(exit_with(e, EXIT_TRIPLE_FAULT, 0, 0), KVMX_STOP_TRIPLE_FAULT);
	assert_int_equal(exit_with(e, EXIT_GDTR_IDTR, 16, 3), KVMX_STOP_UNHANDLED);
	vmcs[VMCS_EXIT_INSN_INFO] = 1u << 28;
	kvmx_exit_record_fill(&e->v, &e->r, 0);
	assert_int_equal(e->r.insn_info, 1u << 28);

	/* VM-entry failure: the record says so and carries no instruction fields. */
	vmcs[VMCS_EXIT_REASON] = XS_VMX_REASON_FAILED_VMENTRY | EXIT_INVALID_GUEST_STATE;
	vmcs[VMCS_EXIT_QUALIFICATION] = ENTRY_FAIL_QUAL_VMCS_LINK;
	kvmx_exit_record_fill(&e->v, &e->r, 0);
	assert_int_equal(e->r.detail_kind, XS_D_FAIL_ENTRY);
	assert_int_equal(e->r.detail.fail_entry.hardware_entry_failure_reason, 0x80000021u);
	assert_int_equal(e->r.qualification, 4);
	assert_false(e->r.flags & XS_F_INSN);

	/* RDRAND into EBX (32-bit): CF set, upper half clear, RIP advanced. */
	vmcs[VMCS_EXIT_INSN_INFO] = (3u << 3) | (1u << 11);
	e->v.gprs.r[XS_RBX] = ~0ull;
	vmcs[VMCS_GUEST_RFLAGS] = 2 | 0x40;
	uint64_t rip = vmcs[VMCS_GUEST_RIP];
	assert_int_equal(exit_with(e, EXIT_RDRAND, 0, 3), KVMX_STOP_NONE);
	assert_int_equal(e->v.gprs.r[XS_RBX] >> 32, 0);
	assert_int_equal(vmcs[VMCS_GUEST_RFLAGS], 2 | X86_RFLAGS_CF);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], rip + 3);
	teardown(e);
}

static void test_insn_tables(void **state)
{
	(void)state;
	assert_true(kvmx_exit_has_insn_len(EXIT_CPUID, 0));
	assert_true(kvmx_exit_has_insn_len(EXIT_IO, 0));
	assert_false(kvmx_exit_has_insn_len(EXIT_EPT_VIOLATION, 0));
	assert_false(kvmx_exit_has_insn_len(EXIT_EXCEPTION_NMI, INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | 6));
	assert_true(kvmx_exit_has_insn_len(EXIT_EXCEPTION_NMI, INTR_INFO_VALID | (INTR_TYPE_SW_INTR << 8) | 0x80));
	assert_true(kvmx_exit_has_insn_info(EXIT_IO, 1u << 4));
	assert_false(kvmx_exit_has_insn_info(EXIT_IO, 0));
	assert_true(kvmx_exit_has_insn_info(EXIT_RDSEED, 0));
	assert_false(kvmx_exit_has_insn_info(EXIT_CPUID, 0));
	assert_string_equal(kvmx_stop_name(KVMX_STOP_MMIO), "mmio");
	assert_string_equal(kvmx_stop_name(KVMX_STOP_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_cpuid_rdtsc_rdmsr),
		cmocka_unit_test(test_cr_and_dr),
		cmocka_unit_test(test_io_hlt_and_events),
		cmocka_unit_test(test_windows_failures_and_unhandled),
		cmocka_unit_test(test_insn_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
