// SPDX-License-Identifier: MIT
/*
 * Unit tests for the collector's joiner: synthetic per-vCPU event sequences, as the BPF program and the perf
 * backend deliver them on a host where kvm_exit fires (hardware mode) and on one where it never does (host
 * mode, this project's PVM host), in and out of order across threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "collector/event_parse.h"
#include "collector/joiner.h"
#include "tests/helpers/assert_reason.h"

#define MAX_OUT 64

struct out {
	struct xs_exit_record recs[MAX_OUT];
	size_t n;
};

static void collect(void *ctx, const struct xs_exit_record *r)
{
	struct out *o = ctx;
	assert_true(o->n < MAX_OUT);
	o->recs[o->n++] = *r;
}

/* Events are built in 8-byte aligned storage, as the ring hands them out. */
union ev_buf {
	struct xs_ev_hdr h;
	uint64_t align;
	unsigned char bytes[XS_EV_MAX_SIZE];
};

static uint64_t now = 1000000;

static void hdr(union ev_buf *b, uint8_t type, size_t size, uint32_t tid, uint32_t vcpu)
{
	memset(b, 0, sizeof(*b));
	b->h.type = type;
	b->h.size = (uint16_t)size;
	b->h.cpu = 1;
	b->h.pid = 100;
	b->h.tid = tid;
	b->h.ts = now += 1000;
	b->h.vcpu = vcpu;
}

static void feed(struct xs_joiner *j, union ev_buf *b)
{
	assert_null(xs_ev_check(b, b->h.size));
	xs_joiner_feed(j, &b->h);
}

static void pio(struct xs_joiner *j, uint32_t tid, int out, uint16_t port, uint32_t val)
{
	union ev_buf b;
	hdr(&b, XS_EV_PIO, sizeof(struct xs_ev_pio), tid, 0);
	struct xs_ev_pio *e = (void *)&b;
	e->rw = out;
	e->port = port;
	e->size = 1;
	e->count = 1;
	e->val = val;
	feed(j, &b);
}

static void mmio(struct xs_joiner *j, uint32_t tid, uint32_t type, uint64_t gpa, uint64_t val)
{
	union ev_buf b;
	hdr(&b, XS_EV_MMIO, sizeof(struct xs_ev_mmio), tid, 0);
	struct xs_ev_mmio *e = (void *)&b;
	e->type = type;
	e->len = 4;
	e->gpa = gpa;
	e->val = val;
	feed(j, &b);
}

static void cpuid(struct xs_joiner *j, uint32_t tid, uint32_t leaf)
{
	union ev_buf b;
	hdr(&b, XS_EV_CPUID, sizeof(struct xs_ev_cpuid), tid, 0);
	struct xs_ev_cpuid *e = (void *)&b;
	e->function = leaf;
	e->rax = 0x11;
	e->rdx = 0x44;
	feed(j, &b);
}

/* kvm_userspace_exit with the head of struct kvm_run as the program copies it. */
static void uexit(struct xs_joiner *j, uint32_t tid, const struct kvm_run *run)
{
	union ev_buf b;
	hdr(&b, XS_EV_UEXIT, sizeof(struct xs_ev_uexit), tid, 0);
	struct xs_ev_uexit *e = (void *)&b;
	e->reason = run->exit_reason;
	e->have_run = 1;
	memcpy(e->run, run, XS_EV_RUN_HEAD);
	feed(j, &b);
}

static void run_answer(struct xs_joiner *j, uint32_t tid, const struct kvm_run *run)
{
	union ev_buf b;
	hdr(&b, XS_EV_RUN, sizeof(struct xs_ev_run), tid, 0);
	memcpy(((struct xs_ev_run *)&b)->run, run, XS_EV_RUN_HEAD);
	feed(j, &b);
}

static void exit_ev(struct xs_joiner *j, uint8_t type, uint32_t tid, uint32_t reason, uint64_t info1, uint64_t info2,
		    bool with_regs)
{
	union ev_buf b;
	size_t size = type == XS_EV_EXIT && with_regs ? XS_EV_EXIT_FULL_SIZE : sizeof(struct xs_ev_exit);
	hdr(&b, type, size, tid, 3);
	struct xs_ev_exit *e = (void *)&b;
	e->isa = XS_ISA_SVM;
	e->reason = reason;
	e->info1 = info1;
	e->info2 = info2;
	e->rip = 0x8123;
	e->fields = XS_EVX_ALL_INFO;
	if (with_regs) {
		e->fields |= XS_EVX_REGS | XS_EVX_SVM_SAVE;
		struct xs_ev_vcpu_regs *regs = (void *)(e + 1);
		regs->regs_avail = 0x1ffff;
		for (int i = 0; i < 17; i++)
			regs->regs[i] = 0x100 + (uint64_t)i;
		regs->regs[16] = 0x8123;
		struct xs_ev_svm_save *save = (void *)(regs + 1);
		save->rip = 0x8123;
		save->rax = 0x41;
		save->rsp = 0x7000;
		save->cr0 = 0x80050033;
		save->seg[XS_VMCB_CS].selector = 0x8;
		save->seg[XS_VMCB_CS].attrib = 0x29b; /* long-mode code: type b, S, P, L */
	}
	feed(j, &b);
}

static void entry(struct xs_joiner *j, uint32_t tid)
{
	union ev_buf b;
	hdr(&b, XS_EV_ENTRY, sizeof(struct xs_ev_entry), tid, 3);
	feed(j, &b);
}

static struct xs_joiner *host_joiner(struct out *o)
{
	memset(o, 0, sizeof(*o));
	struct xs_joiner_config c = {.hw_mode = false, .source = XS_SRC_BPF};
	return xs_joiner_new(&c, collect, o);
}

static struct xs_joiner *hw_joiner(struct out *o, bool merge, bool sampling)
{
	memset(o, 0, sizeof(*o));
	struct xs_joiner_config c = {
		.hw_mode = true, .merge_halves = merge, .sampling = sampling, .source = XS_SRC_BPF};
	return xs_joiner_new(&c, collect, o);
}

static struct kvm_run run_io(uint16_t port, int in)
{
	struct kvm_run r;
	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_IO;
	r.io.port = port;
	r.io.size = 1;
	r.io.count = 1;
	r.io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	r.io.data_offset = 4096;
	return r;
}

/* ---- host mode ---- */

static void test_host_out_joins_userspace_exit(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r = run_io(0x3f8, 0);
	pio(j, 7, 1, 0x3f8, 0x41);
	uexit(j, 7, &r);
	assert_int_equal(o.n, 0); /* open until the next event of the thread */
	xs_joiner_flush(j);
	assert_int_equal(o.n, 1);
	const struct xs_exit_record *x = &o.recs[0];
	assert_int_equal(x->isa, XS_ISA_HOST_EVENT);
	assert_reason(x->isa, x->reason, XS_HEV_PIO);
	assert_true(x->flags & XS_F_USERSPACE);
	assert_int_equal(x->qualification, KVM_EXIT_IO);
	assert_int_equal(x->detail_kind, XS_D_IO);
	assert_int_equal(x->detail.io.port, 0x3f8);
	assert_int_equal(x->detail.io.direction, XS_IO_OUT);
	assert_int_equal(x->detail.io.value, 0x41);
	assert_int_equal(x->source, XS_SRC_BPF);
	assert_int_equal(x->size, XS_RECORD_CORE_SIZE);
	assert_int_equal(x->tid, 7);
	assert_int_equal(x->pid, 100);
	xs_joiner_free(j);
}

static void test_host_in_completed_by_kvm_pio(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r = run_io(0x3fd, 1);
	uexit(j, 7, &r);	   /* the IN's userspace exit comes first */
	pio(j, 7, 0, 0x3fd, 0x60); /* then KVM takes the VMM's data */
	assert_int_equal(o.n, 1);  /* complete: emitted at once */
	const struct xs_exit_record *x = &o.recs[0];
	assert_reason(x->isa, x->reason, XS_HEV_PIO);
	assert_true(x->flags & XS_F_USERSPACE);
	assert_int_equal(x->qualification, KVM_EXIT_IO);
	assert_int_equal(x->detail.io.direction, XS_IO_IN);
	assert_int_equal(x->detail.io.port, 0x3fd);
	assert_int_equal(x->detail.io.value, 0x60);
	xs_joiner_free(j);
}

static void test_host_in_other_port_is_not_a_completion(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r = run_io(0x3fd, 1);
	uexit(j, 7, &r);
	pio(j, 7, 0, 0x71, 0x60); /* an in-kernel IN of another port */
	xs_joiner_flush(j);
	assert_int_equal(o.n, 2);
	assert_reason(o.recs[0].isa, o.recs[0].reason, XS_HEV_USERSPACE_EXIT);
	assert_reason(o.recs[1].isa, o.recs[1].reason, XS_HEV_PIO);
	assert_false(o.recs[1].flags & XS_F_USERSPACE);
	xs_joiner_free(j);
}

static void test_host_mmio_read_completed(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r;
	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_MMIO;
	r.mmio.phys_addr = 0xa0004;
	r.mmio.len = 4;
	mmio(j, 7, XS_EV_MMIO_UNSATISFIED_READ, 0xa0004, 0);
	uexit(j, 7, &r);
	mmio(j, 7, XS_EV_MMIO_READ, 0xa0004, 0xdeadbeef);
	assert_int_equal(o.n, 1);
	const struct xs_exit_record *x = &o.recs[0];
	assert_reason(x->isa, x->reason, XS_HEV_MMIO);
	assert_int_equal(x->detail.mmio.value, 0xdeadbeef);
	assert_int_equal(x->detail.mmio.is_write, 0);
	assert_int_equal(x->guest_phys, 0xa0004);
	assert_true(x->flags & XS_F_GUEST_PHYS);
	assert_true(x->flags & XS_F_USERSPACE);
	xs_joiner_free(j);
}

static void test_host_msr_filter_exit_answer_at_next_run(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r;
	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_X86_RDMSR;
	r.msr.index = 0x174;
	r.msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	uexit(j, 7, &r);
	r.msr.data = 0x1234; /* what the VMM answered */
	run_answer(j, 7, &r);
	assert_int_equal(o.n, 1);
	const struct xs_exit_record *x = &o.recs[0];
	assert_reason(x->isa, x->reason, XS_HEV_USERSPACE_EXIT);
	assert_int_equal(x->qualification, KVM_EXIT_X86_RDMSR);
	assert_int_equal(x->detail_kind, XS_D_MSR);
	assert_int_equal(x->detail.msr.index, 0x174);
	assert_int_equal(x->detail.msr.value, 0x1234);
	assert_int_equal(x->detail.msr.kvm_reason, KVM_MSR_EXIT_REASON_FILTER);
	assert_true(x->flags & XS_F_USERSPACE);
	xs_joiner_free(j);
}

static void test_host_in_kernel_access_does_not_take_the_next_exit(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	/* an OUT handled in the kernel (an ioeventfd, say), then an IN that goes to user space */
	struct kvm_run in = run_io(0x3fd, 1);
	pio(j, 7, 1, 0xcf8, 0x80000000);
	uexit(j, 7, &in);
	pio(j, 7, 0, 0x3fd, 0x60);
	/* an MSR read in the kernel (kvm_msr), then an MSR-filter exit (which never fires kvm_msr) */
	union ev_buf b;
	hdr(&b, XS_EV_MSR, sizeof(struct xs_ev_msr), 7, 0);
	((struct xs_ev_msr *)&b)->ecx = 0x175;
	feed(j, &b);
	struct kvm_run wr;
	memset(&wr, 0, sizeof(wr));
	wr.exit_reason = KVM_EXIT_X86_WRMSR;
	wr.msr.index = 0x174;
	wr.msr.data = 1;
	uexit(j, 7, &wr);
	run_answer(j, 7, &wr);
	xs_joiner_flush(j);
	assert_int_equal(o.n, 4);
	assert_int_equal(o.recs[0].detail.io.port, 0xcf8);
	assert_false(o.recs[0].flags & XS_F_USERSPACE);
	assert_int_equal(o.recs[1].detail.io.port, 0x3fd);
	assert_true(o.recs[1].flags & XS_F_USERSPACE);
	assert_reason(o.recs[2].isa, o.recs[2].reason, XS_HEV_MSR);
	assert_false(o.recs[2].flags & XS_F_USERSPACE);
	assert_reason(o.recs[3].isa, o.recs[3].reason, XS_HEV_USERSPACE_EXIT);
	assert_int_equal(o.recs[3].detail.msr.index, 0x174);
	assert_int_equal(o.recs[3].detail.msr.is_write, 1);
	assert_int_equal(o.recs[3].detail.msr.value, 1);
	xs_joiner_free(j);
}

static void test_host_in_kernel_exit_then_hlt(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run r;
	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_HLT;
	cpuid(j, 7, 0xd);
	uexit(j, 7, &r); /* a CPUID is not what a HLT exit is about */
	xs_joiner_flush(j);
	assert_int_equal(o.n, 2);
	assert_reason(o.recs[0].isa, o.recs[0].reason, XS_HEV_CPUID);
	assert_false(o.recs[0].flags & XS_F_USERSPACE);
	assert_int_equal(o.recs[0].detail.cpuid.leaf, 0xd);
	assert_int_equal(o.recs[0].detail.cpuid.eax, 0x11);
	assert_reason(o.recs[1].isa, o.recs[1].reason, XS_HEV_USERSPACE_EXIT);
	assert_int_equal(o.recs[1].qualification, KVM_EXIT_HLT);
	assert_int_equal(o.recs[1].detail_kind, XS_D_NONE);
	assert_true(o.recs[0].seq < o.recs[1].seq);
	xs_joiner_free(j);
}

static void test_host_threads_are_independent(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	struct kvm_run in = run_io(0x60, 1), out = run_io(0x80, 0);
	uexit(j, 7, &in);      /* thread 7: IN waiting for its data */
	pio(j, 8, 1, 0x80, 1); /* thread 8: an OUT */
	uexit(j, 8, &out);
	pio(j, 7, 0, 0x60, 0x5a); /* thread 7's data */
	xs_joiner_flush(j);
	assert_int_equal(o.n, 2);
	for (size_t i = 0; i < o.n; i++) {
		assert_reason(o.recs[i].isa, o.recs[i].reason, XS_HEV_PIO);
		assert_true(o.recs[i].flags & XS_F_USERSPACE);
		assert_int_equal(o.recs[i].detail.io.port, o.recs[i].tid == 7 ? 0x60 : 0x80);
	}
	xs_joiner_free(j);
}

static void test_host_idle_flush(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	cpuid(j, 7, 1);
	xs_joiner_flush_idle(j, now + 10, 1000);
	assert_int_equal(o.n, 0); /* not idle long enough */
	xs_joiner_flush_idle(j, now + 5000, 1000);
	assert_int_equal(o.n, 1);
	struct kvm_run r = run_io(0x60, 1);
	uexit(j, 7, &r); /* waits for the IN data: stays */
	xs_joiner_flush_idle(j, now + 1000000, 1000);
	assert_int_equal(o.n, 1);
	xs_joiner_free(j);
}

/* ---- hardware mode ---- */

static void test_hw_exit_details_entry(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = hw_joiner(&o, false, false);
	struct kvm_run r = run_io(0x3f8, 0);
	exit_ev(j, XS_EV_EXIT, 9, 0x7b, 0x3f80010, 0x8125, true);
	uint64_t t_exit = now;
	pio(j, 9, 1, 0x3f8, 0x41);
	uexit(j, 9, &r);
	entry(j, 9);
	assert_int_equal(o.n, 1);
	const struct xs_exit_record *x = &o.recs[0];
	assert_int_equal(x->isa, XS_ISA_SVM);
	assert_reason(x->isa, x->reason, 0x7b);
	assert_int_equal(x->qualification, 0x3f80010);
	assert_int_equal(x->info2, 0x8125);
	assert_int_equal(x->vcpu, 3);
	assert_true(x->flags & XS_F_LATENCY);
	assert_int_equal(x->latency_ns, now - t_exit);
	assert_true(x->flags & XS_F_USERSPACE);
	assert_int_equal(x->qualification, 0x3f80010); /* not replaced by the KVM exit reason */
	assert_int_equal(x->detail_kind, XS_D_IO);
	assert_int_equal(x->detail.io.value, 0x41);
	assert_true(x->flags & XS_F_GUEST_STATE);
	assert_int_equal(x->size, XS_RECORD_FULL_SIZE);
	assert_true(x->flags & XS_F_RIP);
	assert_int_equal(x->guest_rip, 0x8123);
	assert_int_equal(x->gs.rip, 0x8123);
	assert_int_equal(x->gs.gpr[XS_RAX], 0x41); /* from the VMCB */
	assert_int_equal(x->gs.gpr[XS_RCX], 0x101);
	assert_int_equal(x->gs.seg_sel[XS_SEG_CS], 8);
	assert_true(x->gs.valid & XS_GS_CR0);
	xs_joiner_free(j);
}

static void test_hw_npf_mmio_read(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = hw_joiner(&o, false, false);
	struct kvm_run r;
	memset(&r, 0, sizeof(r));
	r.exit_reason = KVM_EXIT_MMIO;
	exit_ev(j, XS_EV_EXIT, 9, 0x400, 0x4, 0xa0004, false);
	mmio(j, 9, XS_EV_MMIO_UNSATISFIED_READ, 0xa0004, 0);
	uexit(j, 9, &r);
	mmio(j, 9, XS_EV_MMIO_READ, 0xa0004, 0x77);
	entry(j, 9);
	assert_int_equal(o.n, 1);
	const struct xs_exit_record *x = &o.recs[0];
	assert_reason(x->isa, x->reason, 0x400);
	assert_true(x->flags & XS_F_GUEST_PHYS);
	assert_int_equal(x->guest_phys, 0xa0004);
	assert_int_equal(x->detail_kind, XS_D_MMIO);
	assert_int_equal(x->detail.mmio.value, 0x77);
	xs_joiner_free(j);
}

static void test_hw_unjoined_detail(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = hw_joiner(&o, false, false);
	pio(j, 9, 1, 0x80, 0); /* its kvm_exit came before the collector attached */
	entry(j, 9);	       /* no exit to close */
	exit_ev(j, XS_EV_EXIT, 9, 0x72, 0, 0, false);
	entry(j, 9);
	assert_int_equal(o.n, 2);
	assert_true(o.recs[0].flags & XS_F_UNJOINED);
	assert_int_equal(o.recs[0].isa, XS_ISA_HOST_EVENT);
	assert_reason(o.recs[0].isa, o.recs[0].reason, XS_HEV_PIO);
	assert_reason(o.recs[1].isa, o.recs[1].reason, 0x72);
	struct xs_joiner_stats st;
	xs_joiner_get_stats(j, &st);
	assert_int_equal(st.unjoined, 1);
	assert_int_equal(st.orphan_entries, 1);
	assert_int_equal(st.records, 2);
	xs_joiner_free(j);
}

static void test_hw_halves_merge_either_order(void **state)
{
	(void)state;
	for (int order = 0; order < 2; order++) {
		struct out o;
		struct xs_joiner *j = hw_joiner(&o, true, false);
		uint8_t first = order ? XS_EV_EXIT_TP : XS_EV_EXIT, second = order ? XS_EV_EXIT : XS_EV_EXIT_TP;
		exit_ev(j, first, 9, 0x7c, 1, 0, first == XS_EV_EXIT);
		exit_ev(j, second, 9, 0x7c, 1, 0, second == XS_EV_EXIT);
		entry(j, 9);
		assert_int_equal(o.n, 1);
		assert_reason(o.recs[0].isa, o.recs[0].reason, 0x7c);
		assert_true(o.recs[0].flags & XS_F_GUEST_STATE);
		assert_true(o.recs[0].flags & XS_F_LATENCY);
		struct xs_joiner_stats st;
		xs_joiner_get_stats(j, &st);
		assert_int_equal(st.unpaired_halves, 0);
		xs_joiner_free(j);
	}
}

static void test_hw_halves_not_adjacent_stay_apart(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = hw_joiner(&o, true, false);
	exit_ev(j, XS_EV_EXIT_TP, 9, 0x7b, 0, 0, false);
	pio(j, 9, 1, 0x80, 0);
	exit_ev(j, XS_EV_EXIT, 9, 0x72, 0, 0, true); /* a different exit: its classic half was lost */
	entry(j, 9);
	assert_int_equal(o.n, 2);
	struct xs_joiner_stats st;
	xs_joiner_get_stats(j, &st);
	assert_int_equal(st.unpaired_halves, 2);
	xs_joiner_free(j);
}

static void test_hw_sampled_out_half_dropped(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = hw_joiner(&o, true, true);
	exit_ev(j, XS_EV_EXIT, 9, 0x7b, 0, 0, true); /* the classic half sampled this exit out */
	exit_ev(j, XS_EV_EXIT, 9, 0x72, 0, 0, true);
	exit_ev(j, XS_EV_EXIT_TP, 9, 0x72, 0, 0, false);
	entry(j, 9);
	assert_int_equal(o.n, 1);
	assert_reason(o.recs[0].isa, o.recs[0].reason, 0x72);
	assert_true(o.recs[0].flags & XS_F_SAMPLED);
	struct xs_joiner_stats st;
	xs_joiner_get_stats(j, &st);
	assert_int_equal(st.sampled_halves, 1);
	xs_joiner_free(j);
}

static void test_final_reason_filter(void **state)
{
	(void)state;
	struct out o;
	memset(&o, 0, sizeof(o));
	struct xs_col_filter f;
	char err[128];
	assert_int_equal(xs_col_parse_reasons("svm:cpuid", &f, err, sizeof(err)), 0);
	struct xs_joiner_config c = {.hw_mode = true, .source = XS_SRC_PERF, .filter = &f};
	struct xs_joiner *j = xs_joiner_new(&c, collect, &o);
	exit_ev(j, XS_EV_EXIT_TP, 9, 0x7b, 0, 0, false);
	entry(j, 9);
	exit_ev(j, XS_EV_EXIT_TP, 9, 0x72, 0, 0, false);
	entry(j, 9);
	assert_int_equal(o.n, 1);
	assert_reason(o.recs[0].isa, o.recs[0].reason, 0x72);
	assert_int_equal(o.recs[0].source, XS_SRC_PERF);
	assert_int_equal(o.recs[0].seq, 0);
	struct xs_joiner_stats st;
	xs_joiner_get_stats(j, &st);
	assert_int_equal(st.filtered, 1);
	xs_joiner_free(j);
}

static void test_vcpu_learned_later(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	union ev_buf b;
	hdr(&b, XS_EV_CPUID, sizeof(struct xs_ev_cpuid), 7, XS_EV_VCPU_UNKNOWN);
	feed(j, &b);
	hdr(&b, XS_EV_CPUID, sizeof(struct xs_ev_cpuid), 7, 5);
	feed(j, &b);
	xs_joiner_flush(j);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.recs[0].vcpu, 5); /* filled in while the record was still open */
	assert_int_equal(o.recs[1].vcpu, 5);
	xs_joiner_free(j);
}

static void test_many_threads(void **state)
{
	(void)state;
	struct out o;
	struct xs_joiner *j = host_joiner(&o);
	/* more threads than the table's first size: it grows and keeps every thread's open record */
	for (uint32_t tid = 1; tid <= 40; tid++)
		cpuid(j, tid, tid);
	xs_joiner_flush(j);
	assert_int_equal(o.n, 40);
	uint64_t seen = 0;
	for (size_t i = 0; i < o.n; i++) {
		assert_int_equal(o.recs[i].detail.cpuid.leaf, o.recs[i].tid);
		seen |= 1ull << o.recs[i].tid;
	}
	assert_true(seen == ((1ull << 41) - 2));
	xs_joiner_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_out_joins_userspace_exit),
		cmocka_unit_test(test_host_in_completed_by_kvm_pio),
		cmocka_unit_test(test_host_in_other_port_is_not_a_completion),
		cmocka_unit_test(test_host_mmio_read_completed),
		cmocka_unit_test(test_host_msr_filter_exit_answer_at_next_run),
		cmocka_unit_test(test_host_in_kernel_access_does_not_take_the_next_exit),
		cmocka_unit_test(test_host_in_kernel_exit_then_hlt),
		cmocka_unit_test(test_host_threads_are_independent),
		cmocka_unit_test(test_host_idle_flush),
		cmocka_unit_test(test_hw_exit_details_entry),
		cmocka_unit_test(test_hw_npf_mmio_read),
		cmocka_unit_test(test_hw_unjoined_detail),
		cmocka_unit_test(test_hw_halves_merge_either_order),
		cmocka_unit_test(test_hw_halves_not_adjacent_stay_apart),
		cmocka_unit_test(test_hw_sampled_out_half_dropped),
		cmocka_unit_test(test_final_reason_filter),
		cmocka_unit_test(test_vcpu_learned_later),
		cmocka_unit_test(test_many_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
