// SPDX-License-Identifier: MIT
/*
 * Unit tests for what the dashboard says: filters, number formats, sparklines, the header, columns, the detail
 * view, text snapshots, VM names from command lines, and the paced replay source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"
#include "common/util.h"
#include "common/xsr.h"
#include "decoder/decoder.h"
#include "tui/columns.h"
#include "tui/detail.h"
#include "tui/filter.h"
#include "tui/format.h"
#include "tui/header.h"
#include "tui/host.h"
#include "tui/queue.h"
#include "tui/replay.h"
#include "tui/text.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

/* ---- filters ---- */

static bool lookup(void *arg, const char *name, uint32_t *pid, char *err, size_t errlen)
{
	(void)arg;
	if (!strcmp(name, "web")) {
		*pid = 4242;
		return true;
	}
	snprintf(err, errlen, "filter: no VM called '%s'", name);
	return false;
}

static void test_filter_parse(void **state)
{
	(void)state;
	struct tui_filter f;
	char err[200];
	struct tui_filter_ctx ctx = {1u << XS_ISA_VMX, lookup, NULL};
	assert_true(tui_filter_parse("", &ctx, &f, err, sizeof(err)));
	assert_false(tui_filter_active(&f));
	assert_string_equal(f.text, "");
	assert_true(tui_filter_parse("pid=12 vcpu=3 reason=IO_INSTRUCTION", &ctx, &f, err, sizeof(err)));
	assert_true(f.agg.by_pid && f.agg.pid == 12);
	assert_true(f.agg.by_vcpu && f.agg.vcpu == 3);
	assert_true(f.agg.by_reason && f.agg.isa == XS_ISA_VMX && f.agg.reason == 30);
	assert_string_equal(f.text, "pid=12 vcpu=3 reason=vmx:IO_INSTRUCTION");
	/* A bare name is a reason; HLT exists in vmx, svm and kvm: the isa seen decides. */
	assert_true(tui_filter_parse("HLT", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.isa, XS_ISA_VMX);
	assert_reason(f.agg.isa, f.agg.reason, 12);
	ctx.isa_seen = 1u << XS_ISA_SVM;
	assert_true(tui_filter_parse("reason=hlt", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.isa, XS_ISA_SVM);
	assert_reason(f.agg.isa, f.agg.reason, 0x78);
	ctx.isa_seen = (1u << XS_ISA_SVM) | (1u << XS_ISA_VMX);
	assert_false(tui_filter_parse("reason=HLT", &ctx, &f, err, sizeof(err)));
	assert_non_null(strstr(err, "ambiguous"));
	assert_true(tui_filter_parse("reason=svm:HLT", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.isa, XS_ISA_SVM);
	assert_true(tui_filter_parse("reason=kvm:IO", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.isa, XS_ISA_KVM);
	assert_true(tui_filter_parse("reason=vmx:0x1e", &ctx, &f, err, sizeof(err)));
	assert_reason(f.agg.isa, f.agg.reason, 30);
	assert_string_equal(f.text, "reason=vmx:IO_INSTRUCTION");
	/* A VMX code with flag bits is not its basic reason's name: it stays a number (found by the fuzzer). */
	assert_true(tui_filter_parse("reason=vmx:131131", &ctx, &f, err, sizeof(err)));
	assert_reason(f.agg.isa, f.agg.reason, 0x2003b);
	assert_string_equal(f.text, "reason=vmx:0x2003b");
	/* VM by name and by pid. */
	assert_true(tui_filter_parse("vm=web", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.pid, 4242);
	assert_string_equal(f.text, "vm=web(pid 4242)");
	assert_true(tui_filter_parse("vm=99", &ctx, &f, err, sizeof(err)));
	assert_int_equal(f.agg.pid, 99);
	/* Bad input: one clear message each, the output untouched. */
	struct tui_filter before = f;
	static const char *const bad[] = {"vm=db",     "pid=x",	      "pid=",		"vcpu=-1",
					  "color=red", "reason=NOPE", "reason=arm:HLT", "pid=99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_false(tui_filter_parse(bad[i], &ctx, &f, err, sizeof(err)));
		assert_true(strlen(err) > 8);
		assert_null(strchr(err, '\n'));
		assert_memory_equal(&f, &before, sizeof(f));
	}
	char longtext[400];
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = 0;
	assert_false(tui_filter_parse(longtext, &ctx, &f, err, sizeof(err)));
	struct tui_filter_ctx none = {0, NULL, NULL};
	assert_false(tui_filter_parse("vm=web", &none, &f, err, sizeof(err)));
}

static void test_filter_match(void **state)
{
	(void)state;
	struct tui_filter f;
	char err[200];
	struct tui_filter_ctx ctx = {1u << XS_ISA_VMX, NULL, NULL};
	assert_true(tui_filter_parse("pid=5 reason=CPUID", &ctx, &f, err, sizeof(err)));
	struct xs_exit_record r;
	memset(&r, 0, sizeof(r));
	r.isa = XS_ISA_VMX;
	r.reason = 10;
	r.pid = 5;
	assert_true(tui_filter_match(&f, &r));
	r.pid = 6;
	assert_false(tui_filter_match(&f, &r));
	r.pid = 5;
	r.isa = XS_ISA_SVM;
	assert_false(tui_filter_match(&f, &r));
}

/* ---- formats ---- */

static void test_formats(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(tui_fmt_count(b, sizeof(b), 0), "0");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 999), "999");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 1000), "1.00k");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 9996), "10.0k");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 123456), "123k");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 999999), "1.00M");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 12345678), "12.3M");
	assert_string_equal(tui_fmt_count(b, sizeof(b), 5e9), "5.00G");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 850, 1), "850ns");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 1234, 1), "1.23us");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 45600, 1), "45.6us");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 999999, 1), "1.00ms");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 2.5e9, 1), "2.50s");
	assert_string_equal(tui_fmt_ns(b, sizeof(b), 1234, 0), "-");
	/* the vmx backend's TSC ticks: never a time */
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 850, 1, XS_TIME_TICKS), "850t");
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 6897, 1, XS_TIME_TICKS), "6.90kt");
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 1234567, 1, XS_TIME_TICKS), "1.23Mt");
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 6897, 1, XS_TIME_NS), "6.90us");
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 6897, 1, XS_TIME_MIXED), "mixed");
	assert_string_equal(tui_fmt_latency(b, sizeof(b), 6897, 0, XS_TIME_TICKS), "-");
	assert_string_equal(xs_fmt_latency(6897, true, b, sizeof(b)), "6.90kticks");
	assert_string_equal(xs_fmt_latency(850, true, b, sizeof(b)), "850ticks");
	assert_string_equal(xs_fmt_latency(6897, false, b, sizeof(b)), "6.90us");
	assert_string_equal(tui_fmt_elapsed(b, sizeof(b), 7), "0:07");
	assert_string_equal(tui_fmt_elapsed(b, sizeof(b), 754), "12:34");
	assert_string_equal(tui_fmt_elapsed(b, sizeof(b), 3723), "1:02:03");
	assert_string_equal(tui_fmt_share(b, sizeof(b), 1, 3), "33.3%");
	assert_string_equal(tui_fmt_share(b, sizeof(b), 1, 0), "-");
	assert_string_equal(tui_fmt_reason(b, sizeof(b), XS_ISA_VMX, 30), "vmx IO_INSTRUCTION");
	assert_string_equal(tui_fmt_reason(b, sizeof(b), XS_ISA_SVM, 0x7b), "svm IOIO");
	char small[20], big[64];
	assert_string_equal(tui_fmt_reason(small, sizeof(small), XS_ISA_VMX, 0x80000021), "vmx INVALID_STATE+0");
	assert_string_equal(tui_fmt_reason(big, sizeof(big), XS_ISA_VMX, 0x80000021), "vmx INVALID_STATE+0x80000000");
	assert_string_equal(tui_fmt_reason(big, sizeof(big), XS_ISA_VMX, 0xffff), "vmx 0xffff");
	assert_string_equal(tui_fmt_reason(big, sizeof(big), XS_ISA_HOST_EVENT, XS_HEV_PIO), "host PIO");
}

static void test_sparkline(void **state)
{
	(void)state;
	uint32_t per_sec[6] = {0, 1, 50, 100, 0, 7};
	unsigned char lv[8];
	tui_sparkline(per_sec, 6, 8, lv);
	static const unsigned char want[8] = {0, 0, 0, 1, 4, 8, 0, 1};
	assert_memory_equal(lv, want, 8);
	tui_sparkline(per_sec, 6, 3, lv); /* only the newest 3 seconds, scaled to their own maximum */
	static const unsigned char want3[3] = {8, 0, 1};
	assert_memory_equal(lv, want3, 3);
	uint32_t zero[4] = {0};
	tui_sparkline(zero, 4, 4, lv);
	for (int i = 0; i < 4; i++)
		assert_int_equal(lv[i], 0);
}

/* ---- header, columns, detail ---- */

static void test_header(void **state)
{
	(void)state;
	struct tui_header h;
	memset(&h, 0, sizeof(h));
	snprintf(h.source, sizeof(h.source), "replay x.xsr at 10x");
	snprintf(h.kernel, sizeof(h.kernel), "6.1.0");
	snprintf(h.cpu, sizeof(h.cpu), "AMD svm");
	tui_isas_text(1u << XS_ISA_SVM, h.isas, sizeof(h.isas));
	snprintf(h.state, sizeof(h.state), "replaying");
	h.rate_now = 512345;
	h.total = h.received = 12345678;
	h.dropped = 3;
	h.elapsed_s = 83;
	h.interval_s = 1;
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	char lines[3][TUI_HEADER_LINE];
	int x;
	tui_header_lines(&h, &v, 80, lines, &x);
	assert_int_equal(strlen(lines[0]), 80);
	assert_string_equal(lines[0] + x, "replaying");
	assert_non_null(strstr(lines[0], "kernel 6.1.0"));
	assert_non_null(strstr(lines[0], "AMD svm svm"));
	assert_string_equal(lines[1], "512k exits/s  total 12.3M  dropped 3  elapsed 1:23  refresh 1s");
	assert_string_equal(lines[2], "exit reasons  filter: none  sort: count high first");
	h.paused = true;
	h.total = 10;
	v.table = TUI_TABLE_VCPUS;
	v.sort = TUI_SORT_NAME;
	v.reverse = true;
	tui_header_lines(&h, &v, 120, lines, &x);
	assert_string_equal(lines[0] + x, "PAUSED");
	assert_non_null(strstr(lines[0], "exitscope top"));
	assert_non_null(strstr(lines[1], "total 10 (of 12.3M)"));
	assert_string_equal(lines[2], "per vCPU  filter: none  sort: name Z-A");
	char isas[48];
	tui_isas_text(0, isas, sizeof(isas));
	assert_string_equal(isas, "no exits yet");
	tui_isas_text((1u << XS_ISA_VMX) | (1u << XS_ISA_HOST_EVENT), isas, sizeof(isas));
	assert_string_equal(isas, "vmx+host events");
}

static void test_columns_fit(void **state)
{
	(void)state;
	struct tui_column cols[TUI_MAX_COLUMNS];
	for (int w = 60; w <= 250; w += 7) {
		for (int t = 0; t < 2; t++) {
			size_t n = tui_columns((enum tui_table)t, w, cols);
			int used = 0;
			for (size_t c = 0; c < n; c++)
				used += (c ? 1 : 0) + cols[c].width;
			assert_true(used <= w);
			assert_int_equal(cols[0].col, TUI_COL_LABEL);
			if (w >= 80)
				assert_int_equal(cols[n - 1].col, TUI_COL_SPARK);
		}
	}
	size_t n = tui_columns(TUI_TABLE_REASONS, 80, cols);
	bool has_mean = false, has_count = false;
	for (size_t c = 0; c < n; c++) {
		has_mean |= cols[c].col == TUI_COL_MEAN;
		has_count |= cols[c].col == TUI_COL_COUNT;
	}
	assert_true(has_mean && has_count);
}

static struct xs_exit_record io_exit(void)
{
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 30);
	r.source = XS_SRC_LAUNCHER;
	r.qualification = (0x3f8ull << 16) | (1u << 6); /* OUT dx? no: immediate, port 0x3f8, 1 byte */
	r.pid = 77;
	r.tid = 78;
	r.vcpu = 1;
	r.ts = 5000000000ull;
	r.flags = XS_F_LATENCY | XS_F_RIP | XS_F_RUN_TIMES | XS_F_GUEST_STATE;
	r.latency_ns = 1500;
	r.run_ns = 200;
	r.handler_ns = 300;
	r.guest_rip = 0x1000;
	xs_test_set_io(&r, 0x3f8, 1, XS_IO_OUT, 0x41);
	xs_test_set_guest_state(&r, XS_GS_GPRS | XS_GS_RIP | XS_GS_SEG_SEL);
	r.gs.gpr[XS_RAX] = 0xdead;
	r.gs.rip = 0x1000;
	r.gs.seg_sel[XS_SEG_CS] = 0x8;
	return r;
}

static bool has_line(const struct tui_line *l, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(l[i].text, needle))
			return true;
	return false;
}

static void test_detail_lines(void **state)
{
	(void)state;
	struct xs_exit_record r = io_exit();
	struct tui_line lines[TUI_DETAIL_MAX_LINES];
	size_t n = tui_detail_build(&r, 4000000000ull, "web", lines, TUI_DETAIL_MAX_LINES);
	assert_true(n > 15 && n <= TUI_DETAIL_MAX_LINES);
	assert_int_equal(lines[0].style, TUI_LINE_HEADING);
	assert_non_null(strstr(lines[0].text, "vmx IO_INSTRUCTION (30)"));
	assert_non_null(strstr(lines[0].text, xs_reason_description(XS_ISA_VMX, 30))); /* the decoder's words */
	assert_true(has_line(lines, n, "pid 77 (web)"));
	assert_true(has_line(lines, n, "time +1.000000000 s"));
	assert_true(has_line(lines, n, "port=0x3f8"));			  /* decoded qualification */
	assert_true(has_line(lines, n, "port=0x3f8 OUT size=1 count=1")); /* the detail union */
	assert_true(has_line(lines, n, "exit-to-entry 1.50us   in KVM_RUN 200ns   handler 300ns"));
	assert_true(has_line(lines, n, "RAX 000000000000dead"));
	assert_true(has_line(lines, n, "CR0                ?")); /* not read: said so */
	assert_true(has_line(lines, n, "CS   0x0008"));
	for (size_t i = 0; i < n; i++)
		assert_true(strlen(lines[i].text) <= TUI_DETAIL_WIDTH);
	/* Without guest state, the view says so; a short buffer is never overrun. */
	r.flags &= (uint16_t)~XS_F_GUEST_STATE;
	n = tui_detail_build(&r, 0, NULL, lines, TUI_DETAIL_MAX_LINES);
	assert_true(has_line(lines, n, "not captured"));
	assert_int_equal(tui_detail_build(&r, 0, NULL, lines, 3), 3);
	/* Every detail kind has a one-line summary. */
	for (unsigned int k = XS_D_IO; k < XS_D_COUNT; k++) {
		char s[256];
		r.detail_kind = (uint8_t)k;
		assert_true(xs_detail_summary(&r, s, sizeof(s)) > 0);
	}
	r.detail_kind = XS_D_IO;
	r.detail.io.rep = 1;
	char io[256];
	size_t n_io = xs_detail_summary(&r, io, sizeof(io));
	assert_int_equal(n_io, strlen(io));
	assert_non_null(strstr(io, "port=0x3f8 OUT size=1 count=1 value=0x"));
	assert_non_null(strstr(io, " rep")); /* every field, where record --print shows the brief ones */
	assert_int_equal(io[0], 'p');
	char cut[8];
	assert_int_equal(xs_detail_summary(&r, cut, sizeof(cut)), n_io); /* cut like snprintf */
	assert_string_equal(cut, "port=0x");
	r.detail_kind = XS_D_EXCEPTION;
	memset(&r.detail, 0, sizeof(r.detail));
	r.detail.exception.vector = 14;
	char pf[256];
	xs_detail_summary(&r, pf, sizeof(pf));
	assert_non_null(strstr(pf, "vector=14 #PF"));
	r.detail_kind = XS_D_NONE;
	char s[16];
	assert_int_equal(xs_detail_summary(&r, s, sizeof(s)), 0);
}

static void test_latest_line(void **state)
{
	(void)state;
	struct xs_exit_record r = io_exit();
	char line[512];
	tui_latest_line(&r, 4000000000ull, TUI_TIME_LATENCY, NULL, 80, line, sizeof(line));
	assert_non_null(strstr(line, "1.000000"));
	assert_non_null(strstr(line, "vmx IO_INSTRUCTION"));
	assert_non_null(strstr(line, "port=0x3f8"));
	tui_latest_line(&r, 4000000000ull, TUI_TIME_LATENCY, NULL, 150, line, sizeof(line));
	assert_non_null(strstr(line, "1.50us"));
	assert_non_null(strstr(line, "1000"));
	/* No qualification fields (VMX MSR write): the detail union speaks instead. */
	r.reason = 32;
	r.qualification = 0;
	r.detail_kind = XS_D_MSR;
	r.detail.msr.index = 0x6e0;
	r.detail.msr.is_write = 1;
	tui_latest_line(&r, 0, TUI_TIME_LATENCY, NULL, 80, line, sizeof(line));
	assert_non_null(strstr(line, "wrmsr index=0x6e0")); /* the detail table's words, as record --print */
}

/* ---- VM names ---- */

static void test_vm_names(void **state)
{
	(void)state;
	char name[48];
	static const char qemu[] = "qemu-system-x86_64\0-enable-kvm\0-name\0guest=web1,debug-threads=on\0-m\0512";
	assert_true(tui_cmdline_vm_name(qemu, sizeof(qemu), name, sizeof(name)));
	assert_string_equal(name, "web1");
	static const char qemu2[] = "qemu\0-name\0db\0";
	assert_true(tui_cmdline_vm_name(qemu2, sizeof(qemu2), name, sizeof(name)));
	assert_string_equal(name, "db");
	static const char fc[] = "firecracker\0--id\0vm7\0";
	assert_true(tui_cmdline_vm_name(fc, sizeof(fc), name, sizeof(name)));
	assert_string_equal(name, "vm7");
	static const char none[] = "bash\0-c\0true\0-name";
	assert_false(tui_cmdline_vm_name(none, sizeof(none), name, sizeof(name)));
	assert_string_equal(tui_vendor_short("AuthenticAMD"), "AMD");
	assert_string_equal(tui_vendor_short("GenuineIntel"), "Intel");
	assert_string_equal(tui_vendor_short("Zhaoxin"), "Zhaoxin");
	/* This process has no -name: its comm. */
	assert_true(tui_process_vm_name((uint32_t)getpid(), name, sizeof(name)));
	assert_true(strlen(name) > 0);
}

/* ---- replay pacing ---- */

struct fake {
	int n, i;
	uint64_t step_ns;
};

static enum tui_replay_item fake_next(void *ctx, struct xs_exit_record *rec, const char **key, const char **value,
				      char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct fake *f = ctx;
	if (f->i == 0) {
		f->i++;
		*key = "run.kernel";
		*value = "fake";
		return TUI_REPLAY_META;
	}
	if (f->i > f->n)
		return TUI_REPLAY_END;
	memset(rec, 0, sizeof(*rec));
	rec->version = XS_RECORD_VERSION;
	rec->isa = XS_ISA_VMX;
	rec->reason = 10;
	rec->seq = (uint64_t)f->i;
	rec->ts = 1000000000ull + (uint64_t)f->i * f->step_ns;
	rec->size = XS_RECORD_CORE_SIZE;
	f->i++;
	return TUI_REPLAY_RECORD;
}

static void fake_close(void *ctx)
{
	free(ctx);
}

/* Drain a queue until the source ends; returns the records seen, checking their order. */
static uint64_t drain_until_end(struct tui_queue *q, struct tui_source *s)
{
	uint64_t n = 0;
	for (;;) {
		bool ended = tui_source_state(s, NULL) != TUI_SOURCE_RUNNING;
		struct tui_queue_span span;
		while (tui_queue_acquire(q, &span)) {
			const struct xs_exit_record *r;
			while ((r = tui_queue_span_next(&span)))
				assert_int_equal(r->seq, ++n);
			tui_queue_release(q, &span);
		}
		if (ended)
			return n;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static void test_replay_paced(void **state)
{
	(void)state;
	/* 21 records 50 ms apart (1 s recorded) at speed 5: about 200 ms of wall time. */
	struct fake *f = calloc(1, sizeof(*f));
	f->n = 21;
	f->step_ns = 50000000ull;
	struct tui_replay_reader rd = {fake_next, fake_close, f};
	struct tui_source *s = tui_replay_new("fake", rd, 5.0);
	assert_true(s->lossless);
	struct tui_queue *q = tui_queue_new(0);
	struct xs_sink *sink = tui_queue_sink(q, true);
	char err[128];
	uint64_t t0 = xs_now_ns();
	assert_int_equal(s->ops->start(s, sink, err, sizeof(err)), 0);
	assert_int_equal(drain_until_end(q, s), 21);
	double took = (double)(xs_now_ns() - t0) / 1e9;
	assert_true(took > 0.15);
	assert_true(took < 2.0); /* generous: two noisy shared cores */
	const char *msg;
	assert_int_equal(tui_source_state(s, &msg), TUI_SOURCE_FINISHED);
	assert_string_equal(msg, "replay finished: 21 records");
	char v[16];
	assert_true(tui_queue_meta_get(q, "run.kernel", v, sizeof(v)));
	assert_string_equal(v, "fake");
	/* Once over, the replay's clock stays at the last record. */
	assert_int_equal(s->ops->clock(s), 1000000000ull + 21 * 50000000ull);
	s->ops->stop(s);
	s->ops->destroy(s);
	xs_sink_close(sink);
	tui_queue_free(q);
}

static void test_replay_pause_holds_clock(void **state)
{
	(void)state;
	struct fake *f = calloc(1, sizeof(*f));
	f->n = 1000;
	f->step_ns = 10000000ull; /* 10 s recorded at speed 1: it will not finish during the test */
	struct tui_replay_reader rd = {fake_next, fake_close, f};
	struct tui_source *s = tui_replay_new("fake", rd, 1.0);
	struct tui_queue *q = tui_queue_new(0);
	struct xs_sink *sink = tui_queue_sink(q, true);
	char err[128];
	assert_int_equal(s->ops->start(s, sink, err, sizeof(err)), 0);
	struct timespec ts = {0, 100000000};
	nanosleep(&ts, NULL);
	s->ops->pause(s, true);
	uint64_t c1 = s->ops->clock(s);
	nanosleep(&ts, NULL);
	uint64_t c2 = s->ops->clock(s);
	assert_true(c1 > 1000000000ull);
	assert_int_equal(c1, c2); /* paused: the recorded clock stands still */
	s->ops->pause(s, false);
	nanosleep(&ts, NULL);
	assert_true(s->ops->clock(s) > c2);
	tui_queue_shutdown(q);
	s->ops->stop(s);
	assert_int_not_equal(tui_source_state(s, NULL), TUI_SOURCE_RUNNING);
	s->ops->destroy(s);
	xs_sink_close(sink);
	tui_queue_free(q);
}

/* A record file replays every record and its metadata; a cut file says it was cut. */
static void test_replay_xsr(void **state)
{
	(void)state;
	char path[] = "/tmp/test_tui_replay_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char err[256];
	struct xs_sink *w = xsr_sink_open(path, err, sizeof(err));
	assert_non_null(w);
	xs_sink_meta(w, "run.guest", "io");
	struct tui_replay_reader rd;
	struct fake gen = {50, 1, 1000};
	for (int i = 0; i < 50; i++) {
		struct xs_exit_record r;
		const char *k, *v;
		assert_int_equal(fake_next(&gen, &r, &k, &v, err, sizeof(err)), TUI_REPLAY_RECORD);
		xs_sink_write(w, &r, 1);
	}
	w->dropped = 4; /* the recorder lost 4: the replay must say so */
	assert_int_equal(xs_sink_close(w), 0);
	assert_true(tui_replay_xsr_reader(path, &rd, err, sizeof(err)));
	struct tui_source *s = tui_replay_new("x", rd, 0);
	struct tui_queue *q = tui_queue_new(0);
	struct xs_sink *sink = tui_queue_sink(q, true);
	assert_int_equal(s->ops->start(s, sink, err, sizeof(err)), 0);
	assert_int_equal(drain_until_end(q, s), 50);
	assert_int_equal(tui_source_state(s, NULL), TUI_SOURCE_FINISHED);
	assert_int_equal(tui_queue_meta_sum(q, "counter.dropped."), 4);
	char v[16];
	assert_true(tui_queue_meta_get(q, "run.guest", v, sizeof(v)));
	assert_string_equal(v, "io");
	s->ops->stop(s);
	s->ops->destroy(s);
	xs_sink_close(sink);
	tui_queue_free(q);

	/* Cut the file short in the middle of its records chunk. */
	FILE *fp = fopen(path, "r+");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), 32 + 8 + 30 + 8 + 192 * 20), 0);
	fclose(fp);
	assert_true(tui_replay_xsr_reader(path, &rd, err, sizeof(err)));
	s = tui_replay_new("x", rd, 0);
	q = tui_queue_new(0);
	sink = tui_queue_sink(q, true);
	assert_int_equal(s->ops->start(s, sink, err, sizeof(err)), 0);
	drain_until_end(q, s);
	const char *msg;
	assert_int_equal(tui_source_state(s, &msg), TUI_SOURCE_FAILED);
	assert_non_null(strstr(msg, "truncated"));
	s->ops->stop(s);
	s->ops->destroy(s);
	xs_sink_close(sink);
	tui_queue_free(q);
	unlink(path);
	assert_false(tui_replay_xsr_reader(path, &rd, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
}

/* ---- text snapshots ---- */

static void test_text_snapshot(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	struct xs_exit_record r = io_exit();
	for (int i = 0; i < 1234; i++) {
		r.seq = (uint64_t)i;
		r.ts += 1000;
		tui_model_add(&m, &r);
	}
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_frame a = {0}, b = {0};
	tui_frame_build(&a, &m, &v, NULL, NULL);
	v.table = TUI_TABLE_VCPUS;
	tui_frame_build(&b, &m, &v, NULL, NULL);
	struct tui_header h;
	memset(&h, 0, sizeof(h));
	snprintf(h.source, sizeof(h.source), "test");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	tui_text_snapshot(out, 1, &h, &v, &a, &b);
	fclose(out);
	assert_non_null(strstr(text, "=== snapshot 1 ==="));
	assert_non_null(strstr(text, "EXIT REASONS"));
	assert_non_null(strstr(text, "vmx IO_INSTRUCTION"));
	assert_non_null(strstr(text, " 1234 ")); /* exact counts in snapshots */
	assert_non_null(strstr(text, "PER VCPU"));
	assert_non_null(strstr(text, "LATEST EXITS"));
	free(text);
	tui_frame_free(&a);
	tui_frame_free(&b);
	tui_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_parse),
		cmocka_unit_test(test_filter_match),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_columns_fit),
		cmocka_unit_test(test_detail_lines),
		cmocka_unit_test(test_latest_line),
		cmocka_unit_test(test_vm_names),
		cmocka_unit_test(test_replay_paced),
		cmocka_unit_test(test_replay_pause_holds_clock),
		cmocka_unit_test(test_replay_xsr),
		cmocka_unit_test(test_text_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
