// SPDX-License-Identifier: MIT
/*
 * Unit tests for the collector's filters (reason and event lists, the user-space mirror of the BPF
 * program's decisions), the guest-state conversion and the thread map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/kvm.h>
#include <string.h>

#include "collector/filter.h"
#include "collector/guest_state.h"
#include "collector/prefilter.h"
#include "collector/tidmap.h"

static void test_reasons_bare_name_in_every_table(void **state)
{
	(void)state;
	struct xs_col_filter f;
	char err[256];
	assert_int_equal(xs_col_parse_reasons("cpuid", &f, err, sizeof(err)), 0);
	assert_true(f.by_reason);
	assert_true(xs_col_reason_ok(&f, XS_ISA_VMX, 10));
	assert_true(xs_col_reason_ok(&f, XS_ISA_VMX, 10 | XS_VMX_REASON_FAILED_VMENTRY)); /* basic reason counts */
	assert_true(xs_col_reason_ok(&f, XS_ISA_SVM, 0x72));
	assert_true(xs_col_reason_ok(&f, XS_ISA_HOST_EVENT, XS_HEV_CPUID));
	assert_false(xs_col_reason_ok(&f, XS_ISA_SVM, 0x7b));
	assert_false(xs_col_reason_ok(&f, XS_ISA_HOST_EVENT, XS_HEV_PIO));
	assert_false(xs_col_reason_ok(&f, XS_ISA_KVM, 2));
}

static void test_reasons_with_isa(void **state)
{
	(void)state;
	struct xs_col_filter f;
	char err[256];
	assert_int_equal(
		xs_col_parse_reasons(" svm:ioio , vmx:30,host:USERSPACE_EXIT,svm:0x80000010", &f, err, sizeof(err)), 0);
	assert_true(xs_col_reason_ok(&f, XS_ISA_SVM, 0x7b));
	assert_true(xs_col_reason_ok(&f, XS_ISA_VMX, 30));
	assert_true(xs_col_reason_ok(&f, XS_ISA_HOST_EVENT, XS_HEV_USERSPACE_EXIT));
	assert_true(xs_col_reason_ok(&f, XS_ISA_SVM, 0x80000010)); /* past the bitmap: kept exactly */
	assert_true(f.svm_other);
	assert_false(xs_col_reason_ok(&f, XS_ISA_SVM, 0x80000011));
	assert_false(xs_col_reason_ok(&f, XS_ISA_VMX, 10));
	struct xs_col_filter none = {0};
	assert_true(xs_col_reason_ok(&none, XS_ISA_SVM, 0x7b));
	assert_true(xs_col_reason_ok(NULL, XS_ISA_SVM, 0x7b));
}

static void test_reasons_errors(void **state)
{
	(void)state;
	struct xs_col_filter f;
	char err[256];
	static const char *const bad[] = {"",	     "nosuchreason", "30",	   "svm:",   "xyz:cpuid",
					  "vmx:200", "host:99",	     "cpuid,,hlt", "kvm:io", ":cpuid"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(xs_col_parse_reasons(bad[i], &f, err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
	assert_int_equal(xs_col_parse_reasons("30", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vmx:30"));
}

static void test_events(void **state)
{
	(void)state;
	uint32_t ev;
	char err[256], text[512];
	assert_int_equal(xs_col_parse_events("+emulate_insn", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, XS_TP_DEFAULT | XS_TP_BIT(XS_TP_EMULATE_INSN));
	assert_int_equal(xs_col_parse_events("kvm_pio,mmio", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, XS_TP_BIT(XS_TP_PIO) | XS_TP_BIT(XS_TP_MMIO));
	assert_int_equal(xs_col_parse_events("-page_fault,-entry", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, XS_TP_DEFAULT & ~(XS_TP_BIT(XS_TP_PAGE_FAULT) | XS_TP_BIT(XS_TP_ENTRY)));
	assert_int_equal(xs_col_parse_events("all,-exit", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, XS_TP_ALL & ~XS_TP_BIT(XS_TP_EXIT));
	xs_col_events_text(XS_TP_BIT(XS_TP_PIO) | XS_TP_BIT(XS_TP_EXIT), text, sizeof(text));
	assert_string_equal(text, "kvm_exit,kvm_pio");
	assert_int_equal(xs_col_parse_events("pio,bogus", &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(xs_col_parse_events("-all", &ev, err, sizeof(err)), -1);
	assert_int_equal(xs_col_parse_events("", &ev, err, sizeof(err)), -1);
	assert_string_equal(xs_col_tp_name(XS_TP_USERSPACE_EXIT), "kvm_userspace_exit");
	assert_null(xs_col_tp_name(XS_TP_COUNT));
}

/* ---- the perf backend's filter ---- */

union ev_buf {
	struct xs_ev_hdr h;
	struct xs_ev_pio pio;
	struct xs_ev_uexit uexit;
	struct xs_ev_exit exit;
	struct xs_ev_cpuid cpuid;
};

static union ev_buf ev(uint8_t type, uint32_t pid, uint32_t tid, uint32_t vcpu)
{
	union ev_buf b;
	memset(&b, 0, sizeof(b));
	b.h.type = type;
	b.h.pid = pid;
	b.h.tid = tid;
	b.h.vcpu = vcpu;
	return b;
}

static void test_prefilter_pid_vcpu(void **state)
{
	(void)state;
	struct xs_bpf_config c = {.tgid = 50, .vcpu_filter = 1, .vcpu = 2};
	struct xs_prefilter *p = xs_prefilter_new(&c);
	union ev_buf b = ev(XS_EV_CPUID, 50, 51, 2);
	assert_true(xs_prefilter_keep(p, &b.h));
	b.h.pid = 60;
	assert_false(xs_prefilter_keep(p, &b.h));
	b.h.pid = 50;
	b.h.vcpu = 1;
	assert_false(xs_prefilter_keep(p, &b.h));
	struct xs_prefilter_counters k;
	xs_prefilter_get_counters(p, &k);
	assert_int_equal(k.filtered, 1); /* another process is not counted: it was never ours */
	xs_prefilter_free(p);
}

static void test_prefilter_host_reason(void **state)
{
	(void)state;
	/* only PIO: the IN's userspace exit and completion follow the decision of the exit they belong to */
	struct xs_bpf_config c = {.reason_filter = 1, .host_reasons = 1u << XS_HEV_PIO, .track_exits = 1};
	struct xs_prefilter *p = xs_prefilter_new(&c);
	union ev_buf cpuid = ev(XS_EV_CPUID, 1, 2, 0), out = ev(XS_EV_PIO, 1, 2, 0), in = ev(XS_EV_PIO, 1, 2, 0);
	union ev_buf ux = ev(XS_EV_UEXIT, 1, 2, 0), hlt = ev(XS_EV_UEXIT, 1, 2, 0);
	out.pio.rw = 1;
	ux.uexit.reason = KVM_EXIT_IO;
	hlt.uexit.reason = KVM_EXIT_HLT;
	assert_false(xs_prefilter_keep(p, &cpuid.h));
	assert_true(xs_prefilter_keep(p, &out.h));
	assert_true(xs_prefilter_keep(p, &ux.h));   /* joins the OUT */
	assert_true(xs_prefilter_keep(p, &ux.h));   /* an IN's exit of its own: it becomes a PIO exit */
	assert_true(xs_prefilter_keep(p, &in.h));   /* its completion follows it */
	assert_false(xs_prefilter_keep(p, &hlt.h)); /* USERSPACE_EXIT: not selected */
	assert_false(xs_prefilter_keep(p, &cpuid.h));
	assert_true(xs_prefilter_keep(p, &in.h)); /* an IN with no userspace exit before it: a PIO exit */
	xs_prefilter_free(p);
}

static void test_prefilter_hw_sampling(void **state)
{
	(void)state;
	struct xs_bpf_config c = {.sample_n = 3, .track_exits = 1, .hw_mode = 1};
	struct xs_prefilter *p = xs_prefilter_new(&c);
	union ev_buf ex = ev(XS_EV_EXIT_TP, 1, 2, 0), pio = ev(XS_EV_PIO, 1, 2, 0), en = ev(XS_EV_ENTRY, 1, 2, 0);
	ex.exit.isa = XS_ISA_SVM;
	ex.exit.reason = 0x7b;
	int kept = 0;
	for (int i = 0; i < 9; i++) {
		bool k = xs_prefilter_keep(p, &ex.h);
		kept += k;
		/* the details and the entry share the exit's fate */
		assert_int_equal(xs_prefilter_keep(p, &pio.h), k);
		assert_int_equal(xs_prefilter_keep(p, &en.h), k);
	}
	assert_int_equal(kept, 3);
	struct xs_prefilter_counters k;
	xs_prefilter_get_counters(p, &k);
	assert_int_equal(k.sampled_out, 6);
	xs_prefilter_free(p);
}

/* ---- guest state ---- */

static void test_svm_attrib(void **state)
{
	(void)state;
	assert_int_equal(xs_col_svm_attrib_to_ar(0x29b), 0x209b); /* 64-bit code */
	assert_int_equal(xs_col_svm_attrib_to_ar(0xc93), 0xc093); /* 32-bit data, G D/B */
	assert_int_equal(xs_col_svm_attrib_to_ar(0), 0x10000);	  /* not present: unusable */
}

static void test_guest_state_vmx_and_svm(void **state)
{
	(void)state;
	struct xs_ev_vcpu_regs regs;
	memset(&regs, 0, sizeof(regs));
	for (int i = 0; i < 17; i++)
		regs.regs[i] = 0x1000 + (uint64_t)i;
	regs.regs_avail = 0xffff & ~(1u << XS_RSP); /* VMX: RSP and RIP read lazily */
	regs.regs_avail |= 1u << 19;		    /* CR3 cached */
	regs.cr3 = 0x5000;
	regs.cr0 = 0x33;
	regs.efer = 0x500;
	struct xs_guest_state gs;
	xs_col_guest_state(&gs, XS_ISA_VMX, &regs, NULL);
	assert_true(gs.valid & XS_GS_GPR(XS_RAX));
	assert_false(gs.valid & XS_GS_GPR(XS_RSP));
	assert_false(gs.valid & XS_GS_RIP);
	assert_true(gs.valid & XS_GS_CR3);
	assert_false(gs.valid & XS_GS_CR0);
	assert_int_equal(gs.cr3, 0x5000);
	assert_int_equal(gs.cr0, 0); /* not claimed, not filled */
	assert_int_equal(gs.gpr[XS_R15], 0x100f);
	/* SVM: the arch CRs are stale at kvm_exit; without the VMCB block they are not claimed */
	regs.regs_avail = 0x1ffff | (1u << 18) | (1u << 19) | (1u << 20);
	xs_col_guest_state(&gs, XS_ISA_SVM, &regs, NULL);
	assert_false(gs.valid & (XS_GS_CR0 | XS_GS_CR3 | XS_GS_CR4));
	assert_true(gs.valid & XS_GS_RIP);
	assert_int_equal(gs.rip, 0x1010);
	struct xs_ev_svm_save save;
	memset(&save, 0, sizeof(save));
	save.cr3 = 0x7000;
	save.rax = 0xaa;
	save.int_ctl = 0x3;
	save.seg[XS_VMCB_TR].selector = 0x28;
	save.seg[XS_VMCB_GDTR].base = 0xfff000;
	save.seg[XS_VMCB_GDTR].limit = 0x27;
	xs_col_guest_state(&gs, XS_ISA_SVM, &regs, &save);
	assert_int_equal(gs.cr3, 0x7000);
	assert_int_equal(gs.cr8, 3);
	assert_int_equal(gs.gpr[XS_RAX], 0xaa);
	assert_int_equal(gs.seg_sel[XS_SEG_TR], 0x28);
	assert_int_equal(gs.gdtr_base, 0xfff000);
	assert_int_equal(gs.gdtr_limit, 0x27);
	assert_true(gs.valid & XS_GS_SEG_AR);
	save.nested_ctl = 4; /* SEV-ES: the save area is not read */
	xs_col_guest_state(&gs, XS_ISA_SVM, &regs, &save);
	assert_false(gs.valid & XS_GS_CR3);
}

static void count_value(void *ctx, uint32_t tid, void *value)
{
	uint64_t *sum = ctx;
	assert_int_equal(*(uint32_t *)value, tid * 3);
	*sum += tid;
}

static void test_tidmap(void **state)
{
	(void)state;
	struct xs_tidmap *m = xs_tidmap_new(sizeof(uint32_t));
	bool created;
	for (uint32_t tid = 1; tid <= 1000; tid++) {
		uint32_t *v = xs_tidmap_get(m, tid * 7919, &created);
		assert_true(created);
		assert_int_equal(*v, 0);
		*v = tid * 7919 * 3;
	}
	assert_int_equal(xs_tidmap_count(m), 1000);
	uint32_t *v = xs_tidmap_get(m, 7919 * 5, &created);
	assert_false(created);
	assert_int_equal(*v, 7919 * 5 * 3);
	assert_null(xs_tidmap_find(m, 12345));
	uint64_t sum = 0;
	xs_tidmap_each(m, count_value, &sum);
	assert_true(sum == 7919ull * 1000 * 1001 / 2);
	xs_tidmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_bare_name_in_every_table),
		cmocka_unit_test(test_reasons_with_isa),
		cmocka_unit_test(test_reasons_errors),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_prefilter_pid_vcpu),
		cmocka_unit_test(test_prefilter_host_reason),
		cmocka_unit_test(test_prefilter_hw_sampling),
		cmocka_unit_test(test_svm_attrib),
		cmocka_unit_test(test_guest_state_vmx_and_svm),
		cmocka_unit_test(test_tidmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
