// SPDX-License-Identifier: MIT
/*
 * Unit tests for building exit records from kvm_run (launcher/record_fill.c) and for reading KVM binary
 * statistics (launcher/kvmstat.c), with fabricated kvm_run pages and a fabricated statistics file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/xsr.h"
#include "launcher/kvmstat.h"
#include "launcher/record_fill.h"
#include "tests/helpers/assert_reason.h"

#define RUN_SIZE 8192

static struct kvm_run *new_run(void)
{
	struct kvm_run *run = aligned_alloc(4096, RUN_SIZE);
	memset(run, 0, RUN_SIZE);
	return run;
}

static const struct xs_fill_ctx ctx_full = {100, 101, 3, XS_GS_FULL};
static const struct xs_fill_ctx ctx_off = {100, 101, 3, XS_GS_OFF};

static void check_valid(const struct xs_exit_record *r)
{
	const char *why = xs_record_check(r, xs_record_wire_size(r));
	if (why)
		fail_msg("record rejected: %s", why);
}

static void test_io_out_and_in(void **state)
{
	(void)state;
	struct kvm_run *run = new_run();
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 2;
	run->io.port = 0x512;
	run->io.count = 1;
	run->io.data_offset = 4096;
	uint8_t *data = (uint8_t *)run + 4096;
	data[0] = 0x34;
	data[1] = 0x12;
	run->s.regs.regs.rip = 0x9010;
	struct xs_exit_record r;
	xs_fill_begin(&r, run, KVM_EXIT_IO, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_IO);
	check_valid(&r);
	assert_int_equal(r.isa, XS_ISA_KVM);
	assert_int_equal(r.source, XS_SRC_LAUNCHER);
	assert_reason(r.isa, r.reason, KVM_EXIT_IO);
	assert_int_equal(r.vcpu, 3);
	assert_int_equal(r.pid, 100);
	assert_int_equal(r.tid, 101);
	assert_int_equal(r.size, XS_RECORD_CORE_SIZE);
	assert_false(r.flags & (XS_F_GUEST_STATE | XS_F_RIP));
	assert_true(r.flags & XS_F_RUN_TIMES);
	assert_true(r.flags & XS_F_USERSPACE);
	assert_int_equal(r.detail_kind, XS_D_IO);
	assert_int_equal(r.detail.io.port, 0x512);
	assert_int_equal(r.detail.io.size, 2);
	assert_int_equal(r.detail.io.direction, XS_IO_OUT);
	assert_int_equal(r.detail.io.value, 0x1234);
	assert_int_equal(r.detail.io.count, 1);
	assert_false(r.detail.io.string);

	run->io.direction = KVM_EXIT_IO_IN;
	run->io.count = 4;
	xs_fill_begin(&r, run, KVM_EXIT_IO, &ctx_full);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_IO);
	check_valid(&r);
	assert_int_equal(r.detail.io.direction, XS_IO_IN);
	assert_true(r.detail.io.string && r.detail.io.rep);
	assert_int_equal(r.guest_rip, 0x9010);
	assert_true(r.flags & XS_F_RIP);

	/* a data offset outside the mapping is not read */
	run->io.data_offset = RUN_SIZE - 1;
	xs_fill_begin(&r, run, KVM_EXIT_IO, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_IO);
	assert_int_equal(r.detail.io.value, 0);
	free(run);
}

static void test_mmio_msr_debug(void **state)
{
	(void)state;
	struct kvm_run *run = new_run();
	struct xs_exit_record r;
	run->mmio.phys_addr = 0xa0008;
	run->mmio.len = 4;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0xff, 4);
	xs_fill_begin(&r, run, KVM_EXIT_MMIO, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_MMIO);
	check_valid(&r);
	assert_int_equal(r.detail_kind, XS_D_MMIO);
	assert_int_equal(r.detail.mmio.gpa, 0xa0008);
	assert_int_equal(r.detail.mmio.value, 0xffffffff);
	assert_int_equal(r.detail.mmio.len, 4);
	assert_true(r.flags & XS_F_GUEST_PHYS);
	assert_int_equal(r.guest_phys, 0xa0008);

	memset(run, 0, RUN_SIZE);
	run->msr.index = 0x174;
	run->msr.data = 0x55;
	run->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	run->msr.error = 1;
	xs_fill_begin(&r, run, KVM_EXIT_X86_WRMSR, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_X86_WRMSR);
	check_valid(&r);
	assert_int_equal(r.detail_kind, XS_D_MSR);
	assert_int_equal(r.detail.msr.index, 0x174);
	assert_true(r.detail.msr.is_write);
	assert_true(r.detail.msr.failed);
	assert_int_equal(r.detail.msr.kvm_reason, KVM_MSR_EXIT_REASON_FILTER);
	assert_int_equal(r.detail.msr.value, 0x55);

	memset(run, 0, RUN_SIZE);
	run->debug.arch.exception = 1;
	run->debug.arch.pc = 0x90d9;
	run->debug.arch.dr6 = 0xffff4ff0;
	run->debug.arch.dr7 = 0x401;
	xs_fill_begin(&r, run, KVM_EXIT_DEBUG, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_DEBUG);
	check_valid(&r);
	assert_int_equal(r.detail.debug.exception, 1);
	assert_int_equal(r.detail.debug.pc, 0x90d9);
	assert_int_equal(r.guest_rip, 0x90d9); /* from the debug exit when no guest state */
	assert_true(r.flags & XS_F_RIP);
	xs_fill_begin(&r, run, KVM_EXIT_DEBUG, &ctx_full);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_DEBUG);
	assert_true(r.gs.valid & XS_GS_DR6);
	assert_int_equal(r.gs.dr7, 0x401);

	memset(run, 0, RUN_SIZE);
	run->cr8 = 5;
	xs_fill_begin(&r, run, KVM_EXIT_SET_TPR, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_SET_TPR);
	assert_int_equal(r.detail_kind, XS_D_CR);
	assert_int_equal(r.detail.cr.cr, 8);
	assert_int_equal(r.detail.cr.value, 5);
	free(run);
}

static void test_errors_and_events(void **state)
{
	(void)state;
	struct kvm_run *run = new_run();
	struct xs_exit_record r;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 9;
	for (int i = 0; i < 9; i++)
		run->internal.data[i] = 0x100u + (unsigned int)i;
	xs_fill_begin(&r, run, KVM_EXIT_INTERNAL_ERROR, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_INTERNAL_ERROR);
	check_valid(&r);
	assert_int_equal(r.detail_kind, XS_D_INTERNAL);
	assert_int_equal(r.detail.internal.ndata, 9);
	assert_int_equal(r.detail.internal.data[5], 0x105); /* 6 kept */

	memset(run, 0, RUN_SIZE);
	run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	run->fail_entry.cpu = 1;
	xs_fill_begin(&r, run, KVM_EXIT_FAIL_ENTRY, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_FAIL_ENTRY);
	assert_int_equal(r.detail_kind, XS_D_FAIL_ENTRY);
	assert_int_equal(r.detail.fail_entry.hardware_entry_failure_reason, 0x80000021);

	memset(run, 0, RUN_SIZE);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	run->system_event.ndata = 1;
	run->system_event.data[0] = 7;
	xs_fill_begin(&r, run, KVM_EXIT_SYSTEM_EVENT, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_SYSTEM_EVENT);
	assert_int_equal(r.detail.system_event.type, KVM_SYSTEM_EVENT_RESET);
	assert_int_equal(r.detail.system_event.data[0], 7);

	memset(run, 0, RUN_SIZE);
	run->hypercall.nr = 12;
	run->hypercall.args[3] = 4;
	run->hypercall.longmode = 1;
	xs_fill_begin(&r, run, KVM_EXIT_HYPERCALL, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_HYPERCALL);
	assert_int_equal(r.detail.hypercall.nr, 12);
	assert_int_equal(r.detail.hypercall.args[3], 4);

	xs_fill_begin(&r, run, KVM_EXIT_HLT, &ctx_off);
	xs_fill_detail(&r, run, RUN_SIZE, KVM_EXIT_HLT);
	assert_int_equal(r.detail_kind, XS_D_NONE);
	check_valid(&r);
	free(run);
}

static void test_guest_state(void **state)
{
	(void)state;
	struct kvm_run *run = new_run();
	struct kvm_regs *g = &run->s.regs.regs;
	g->rax = 1, g->rcx = 2, g->rdx = 3, g->rbx = 4, g->rsp = 5, g->rbp = 6, g->rsi = 7, g->rdi = 8;
	g->r8 = 9, g->r15 = 16, g->rip = 0xabc, g->rflags = 0x202;
	struct kvm_sregs *s = &run->s.regs.sregs;
	s->cr0 = 0x80000031, s->cr3 = 0x90000, s->cr4 = 0x20, s->cr8 = 2, s->efer = 0x500;
	s->cs = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = 8, .type = 0xb, .present = 1, .s = 1, .l = 1, .g = 1};
	s->ldt = (struct kvm_segment){.type = 2, .unusable = 1};
	s->tr = (struct kvm_segment){.base = 0x1800, .limit = 0x67, .selector = 0x18, .type = 11, .present = 1};
	s->gdt.base = 0x1000, s->gdt.limit = 0x7ff;
	s->idt.limit = 0xfff;
	struct xs_guest_state gs;
	xs_fill_guest_state(&gs, &run->s.regs, XS_GS_REGS);
	assert_int_equal(gs.valid, XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS);
	assert_int_equal(gs.gpr[XS_RAX], 1);
	assert_int_equal(gs.gpr[XS_RCX], 2);
	assert_int_equal(gs.gpr[XS_RDX], 3);
	assert_int_equal(gs.gpr[XS_RBX], 4);
	assert_int_equal(gs.gpr[XS_RSP], 5);
	assert_int_equal(gs.gpr[XS_RDI], 8);
	assert_int_equal(gs.gpr[XS_R8], 9);
	assert_int_equal(gs.gpr[XS_R15], 16);
	assert_int_equal(gs.cr0, 0); /* not captured with regs only */
	xs_fill_guest_state(&gs, &run->s.regs, XS_GS_FULL);
	assert_true(gs.valid & XS_GS_CR3);
	assert_false(gs.valid & (XS_GS_DR6 | XS_GS_DR7)); /* sync regs carry no debug registers */
	assert_int_equal(gs.cr3, 0x90000);
	assert_int_equal(gs.efer, 0x500);
	assert_int_equal(gs.seg_sel[XS_SEG_CS], 8);
	assert_int_equal(gs.seg_ar[XS_SEG_CS], 0xa09b);
	assert_int_equal(gs.seg_ar[XS_SEG_LDTR], 0x10002);
	assert_int_equal(gs.seg_ar[XS_SEG_TR], 0x8b);
	assert_int_equal(gs.seg_base[XS_SEG_TR], 0x1800);
	assert_int_equal(gs.gdtr_limit, 0x7ff);
	assert_int_equal(gs.idtr_limit, 0xfff);
	struct xs_exit_record r;
	xs_fill_begin(&r, run, KVM_EXIT_HLT, &ctx_full);
	assert_int_equal(r.size, XS_RECORD_FULL_SIZE);
	assert_true(r.flags & XS_F_GUEST_STATE);
	check_valid(&r);
	free(run);
}

/* ---- KVM binary statistics from a fabricated statistics file ---- */

static int stats_file(const char *const *names, const uint16_t *sizes, const uint64_t *values, unsigned int n)
{
	int fd = memfd_create("kvmstats", 0);
	assert_true(fd >= 0);
	const uint32_t name_size = 48;
	size_t desc_size = sizeof(struct kvm_stats_desc) + name_size;
	struct kvm_stats_header h = {.name_size = name_size, .num_desc = n, .id_offset = sizeof(h)};
	h.desc_offset = sizeof(h) + 64;
	h.data_offset = h.desc_offset + (uint32_t)(desc_size * n);
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	uint32_t off = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t d[256] = {0};
		struct kvm_stats_desc desc = {.size = sizes[i], .offset = off};
		memcpy(d, &desc, sizeof(desc));
		strncpy((char *)d + sizeof(desc), names[i], name_size);
		assert_int_equal(pwrite(fd, d, desc_size, h.desc_offset + i * desc_size), (ssize_t)desc_size);
		for (uint16_t k = 0; k < sizes[i]; k++)
			assert_int_equal(pwrite(fd, &values[i], 8, h.data_offset + off + 8u * k), 8);
		off += 8u * sizes[i];
	}
	return fd;
}

static void test_kvmstat(void **state)
{
	(void)state;
	const char *names[] = {"exits", "halt_wait_hist", "io_exits"};
	const uint16_t sizes[] = {1, 32, 1};
	const uint64_t values[] = {1234, 9, 77};
	int fd = stats_file(names, sizes, values, 3);
	struct xs_kvmstat s;
	char err[128];
	assert_int_equal(xs_kvmstat_parse(&s, fd, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2); /* the histogram is skipped */
	assert_int_equal(xs_kvmstat_find(&s, "exits"), 0);
	assert_int_equal(xs_kvmstat_find(&s, "io_exits"), 1);
	assert_int_equal(xs_kvmstat_find(&s, "halt_wait_hist"), -1);
	uint64_t v[2];
	assert_int_equal(xs_kvmstat_read(&s, v), 0);
	assert_int_equal(v[0], 1234);
	assert_int_equal(v[1], 77);
	xs_kvmstat_close(&s);

	/* an implausible header is refused */
	int bad = memfd_create("bad", 0);
	struct kvm_stats_header h = {.name_size = 0, .num_desc = 1};
	assert_int_equal(pwrite(bad, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(xs_kvmstat_parse(&s, bad, err, sizeof(err)), -1);
	xs_kvmstat_close(&s);
	int empty = memfd_create("empty", 0);
	assert_int_equal(xs_kvmstat_parse(&s, empty, err, sizeof(err)), -1);
	xs_kvmstat_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_out_and_in),	  cmocka_unit_test(test_mmio_msr_debug),
		cmocka_unit_test(test_errors_and_events), cmocka_unit_test(test_guest_state),
		cmocka_unit_test(test_kvmstat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
