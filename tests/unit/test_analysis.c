// SPDX-License-Identifier: MIT
/* Unit tests for analysis/: symbol tables, CPL, per-symbol aggregation, histograms, export formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/cpl.h"
#include "analysis/export.h"
#include "analysis/histogram.h"
#include "analysis/symagg.h"
#include "analysis/symtab.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

#define assert_sym(t, addr, want)                                                                                    \
	do {                                                                                                         \
		char buf_[128];                                                                                      \
		const char *got_ = xs_symtab_format((t), true, (addr), buf_, sizeof(buf_));                          \
		if (strcmp(got_, (want)))                                                                            \
			fail_msg("address 0x%llx: wanted '%s', got '%s'", (unsigned long long)(addr), (want), got_); \
	} while (0)

static struct xs_symtab *parse_text(const char *text, uint64_t offset, char *err, size_t errlen)
{
	return xs_symtab_parse(text, strlen(text), "test.map", offset, err, errlen);
}

static void test_system_map(void **state)
{
	(void)state;
	char err[256] = "";
	struct xs_symtab *t = parse_text("ffffffff81000000 T _stext\n"
					 "ffffffff81000000 T startup_64\n" /* alias: one name per address */
					 "ffffffff81000100 t do_idle\n"
					 "ffffffff81000180 D some_data\n" /* data: not a code symbol */
					 "ffffffff81000200 W weak_fn\n",
					 0, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(xs_symtab_count(t), 3);
	assert_sym(t, 0xffffffff81000000ull, "_stext");
	assert_sym(t, 0xffffffff810000ffull, "_stext+0xff");
	assert_sym(t, 0xffffffff810001f0ull, "do_idle+0xf0");
	assert_sym(t, 0xffffffff81000200ull, "weak_fn");
	/* the last sizeless symbol covers its own address only: nothing past it is guessed */
	assert_sym(t, 0xffffffff81000201ull, "0xffffffff81000201 (no symbol)");
	assert_sym(t, 0xffffffff80ffffffull, "0xffffffff80ffffff (no symbol)");
	char buf[64];
	assert_string_equal(xs_symtab_format(t, false, 0, buf, sizeof(buf)), "(no RIP)");
	assert_string_equal(xs_symtab_format(NULL, true, 0x10, buf, sizeof(buf)), "0x10 (no symbol)");
	xs_symtab_free(t);
}

static void test_kaslr_offset_and_kallsyms(void **state)
{
	(void)state;
	char err[256] = "";
	struct xs_symtab *t = parse_text("ffffffff81000000 T a\nffffffff81000010 T b\n", 0x1e000000, err, sizeof(err));
	assert_non_null(t);
	assert_sym(t, 0xffffffff9f000004ull, "a+0x4");
	xs_symtab_free(t);
	t = parse_text("ffffffffc0a00000 t vmx_vcpu_run\t[kvm_intel]\nffffffffc0a00100 t other\t[kvm_intel]\n", 0, err,
		       sizeof(err));
	assert_non_null(t);
	assert_sym(t, 0xffffffffc0a00008ull, "vmx_vcpu_run [kvm_intel]+0x8");
	xs_symtab_free(t);
}

static void test_bad_maps(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"", "empty: no symbols"},
		{"\n\n", "empty: no symbols"},
		{"0000000000000000 T a\n0000000000000000 t b\n", "every address is 0"},
		{"ffffffff81000000 D data_only\n", "no text symbols"},
		{"hello world\n", "test.map:1: not a System.map"},
		{"ffffffff81000000 T ok\nffffffff81000010 TT bad\n", "test.map:2:"},
		{"12345678901234567 T toolong\n", "test.map:1:"},
		{"ffffffff81000000 T name with space\n", "test.map:1:"},
		{"ffffffff81000000 T a\tnot-a-module\n", "test.map:1:"},
		{"\x01\x02\x03", "neither an ELF file"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		struct xs_symtab *t = parse_text(cases[i].text, 0, err, sizeof(err));
		if (t || !strstr(err, cases[i].want))
			fail_msg("case %zu: wanted an error with '%s', got %s '%s'", i, cases[i].want,
				 t ? "a table" : "", err);
	}
}

static void test_elf(void **state)
{
	(void)state;
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char path[512], err[256] = "";
	snprintf(path, sizeof(path), "%s/guests/mixed_64.elf", build);
	FILE *f = fopen(path, "rb");
	if (!f)
		skip(); /* the built-in guests are built before unit tests run: only a partial build lacks it */
	fclose(f);
	struct xs_symtab *t = xs_symtab_load(path, 0, err, sizeof(err));
	assert_non_null(t);
	/* mixed_64.elf: _start 0x8000 ... isr_common 0x90a0, guest_main 0x90c9, message 0x9144 (code labels) */
	uint32_t gm = xs_symtab_find(t, 0x90c9);
	assert_int_not_equal(gm, XS_SYM_NONE);
	assert_string_equal(xs_symtab_at(t, gm)->name, "guest_main");
	assert_sym(t, 0x90a1, "isr_common+0x1");
	assert_sym(t, 0x7fff, "0x7fff (no symbol)");
	xs_symtab_free(t);
	/* a cut-off copy is refused, not half-read */
	f = fopen(path, "rb");
	assert_non_null(f);
	char head[200];
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_null(xs_symtab_parse(head, sizeof(head), "cut.elf", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "cut.elf: truncated ELF file"));
}

static void test_from_list(void **state)
{
	(void)state;
	const char *names[] = {"second", "first"};
	uint64_t addrs[] = {0x8100, 0x8000};
	struct xs_symtab *t = xs_symtab_from_list(names, addrs, 2, 0x8200);
	assert_sym(t, 0x80ff, "first+0xff");
	assert_sym(t, 0x81ff, "second+0xff");
	assert_sym(t, 0x8200, "0x8200 (no symbol)");
	xs_symtab_free(t);
}

static struct xs_exit_record rec(uint8_t isa, uint32_t reason, uint64_t rip, int cpl, uint64_t lat)
{
	struct xs_exit_record r = xs_test_record(isa, reason);
	r.pid = 100;
	r.ts = 1000000;
	xs_test_set_rip(&r, rip);
	xs_test_set_latency(&r, lat);
	if (cpl >= 0) {
		xs_test_set_guest_state(&r, XS_GS_CR0 | XS_GS_SEG_AR | XS_GS_SEG_SEL);
		r.gs.cr0 = 1;
		r.gs.seg_ar[XS_SEG_SS] = 0x93u | (unsigned)cpl << 5;
		r.gs.seg_sel[XS_SEG_CS] = (uint16_t)cpl;
	}
	return r;
}

static void test_cpl(void **state)
{
	(void)state;
	struct xs_exit_record r = rec(XS_ISA_VMX, 30, 0x10, 3, 0);
	assert_int_equal(xs_guest_cpl(&r), 3);
	r.gs.cr0 = 0; /* real mode */
	assert_int_equal(xs_guest_cpl(&r), 0);
	r.gs.cr0 = 1;
	r.gs.seg_ar[XS_SEG_SS] = 1u << 16; /* unusable SS (64-bit): the CS selector's RPL */
	r.gs.seg_sel[XS_SEG_CS] = 0x33;
	assert_int_equal(xs_guest_cpl(&r), 3);
	r = rec(XS_ISA_VMX, 30, 0x10, -1, 0);
	assert_int_equal(xs_guest_cpl(&r), -1);
}

static void test_symagg(void **state)
{
	(void)state;
	const char *names[] = {"kernel_fn", "user_fn"};
	uint64_t addrs[] = {0x1000, 0x2000};
	struct xs_symtab *t = xs_symtab_from_list(names, addrs, 2, 0x3000);
	struct xs_symagg *a = xs_symagg_new(true);
	for (int i = 0; i < 5; i++) {
		struct xs_exit_record r = rec(XS_ISA_VMX, 30, 0x1010, 0, 100);
		xs_symagg_add(a, t, &r);
	}
	for (int i = 0; i < 3; i++) {
		struct xs_exit_record r = rec(XS_ISA_VMX, 30, 0x2010, 3, 200);
		xs_symagg_add(a, t, &r);
	}
	struct xs_exit_record r = rec(XS_ISA_VMX, 12, 0x5000, -1, 0); /* HLT outside every symbol */
	xs_symagg_add(a, t, &r);
	r = rec(XS_ISA_VMX, 12, 0, -1, 0); /* no RIP */
	xs_symagg_add(a, t, &r);
	struct xs_symreport rep;
	xs_symagg_report(a, &rep);
	assert_int_equal(rep.exits, 10);
	assert_int_equal(rep.nrows, 4);
	assert_string_equal(xs_symrow_label(&rep.rows[0]), "kernel_fn");
	assert_int_equal(rep.rows[0].stats.count, 5);
	assert_int_equal(rep.rows[0].priv.user, 0);
	assert_string_equal(xs_symrow_label(&rep.rows[1]), "user_fn");
	assert_int_equal(rep.rows[1].priv.user, 3);
	assert_string_equal(xs_symrow_label(&rep.rows[2]), "(no symbol)");
	assert_string_equal(xs_symrow_label(&rep.rows[3]), "(no RIP)");
	/* per reason: IO_INSTRUCTION (30) 8 exits, 3 at CPL 3; HLT 2 exits, CPL unknown */
	assert_int_equal(rep.nreasons, 2);
	assert_reason(rep.reasons[0].isa, rep.reasons[0].reason, 30);
	assert_int_equal(rep.reasons[0].priv.known, 8);
	assert_int_equal(rep.reasons[0].priv.user, 3);
	assert_int_equal(rep.reasons[1].priv.known, 0);
	xs_symreport_free(&rep);
	xs_symagg_free(a);
	xs_symtab_free(t);
}

static void test_histogram(void **state)
{
	(void)state;
	struct xs_stats s;
	memset(&s, 0, sizeof(s));
	uint64_t lats[] = {100, 150, 300, 1000, 1000, 1000, 70000};
	for (size_t i = 0; i < sizeof(lats) / sizeof(lats[0]); i++) {
		struct xs_exit_record r = rec(XS_ISA_VMX, 30, 0, -1, lats[i]);
		xs_stats_add(&s, &r);
	}
	struct xs_hist_bin bins[XS_HIST_LOG2_BINS];
	size_t n = xs_hist_log2(&s, bins);
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += bins[i].count;
		assert_true(bins[i].lo <= bins[i].hi);
		if (i)
			assert_int_equal(bins[i].lo, bins[i - 1].hi + 1);
	}
	assert_int_equal(sum, 7);
	assert_int_equal(bins[0].lo, 64); /* 100 lies in [64, 127] */
	assert_int_equal(bins[n - 1].lo, 65536);
	struct xs_hist_summary h;
	xs_hist_summarize(&s, &h);
	assert_true(h.p50 <= h.p90 && h.p90 <= h.p99 && h.p99 <= h.p999 && h.p999 <= h.max);
	assert_int_equal(h.max, 70000);
	assert_true(h.p50 >= 875 && h.p50 <= 1000); /* the median exit took 1000 ns: 12.5% buckets */
}

static char *export_to_string(enum xs_export_format fmt, bool weight_latency, const struct xs_symtab *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct xs_exporter *x = xs_exporter_new(out, fmt, weight_latency);
	for (int i = 0; i < 4; i++) {
		struct xs_exit_record r = rec(XS_ISA_VMX, 30, i < 3 ? 0x1010 : 0x9999, 0, 100 * (i + 1));
		r.ts = 1000000000ull + (uint64_t)i * 700000000ull; /* spans three counter windows */
		xs_exporter_add(x, &r, 1, "run 1", t);
	}
	xs_exporter_finish(x);
	assert_int_equal(xs_exporter_count(x), 4);
	xs_exporter_free(x);
	fclose(out);
	return buf;
}

static void test_export_folded(void **state)
{
	(void)state;
	const char *names[] = {"fn;with;semicolons"};
	uint64_t addrs[] = {0x1000};
	struct xs_symtab *t = xs_symtab_from_list(names, addrs, 1, 0x2000);
	char *s = export_to_string(XS_EXPORT_FOLDED, false, t);
	assert_string_equal(s, "run 1 pid 100;vcpu 0;vmx IO_INSTRUCTION;[no symbol] 1\n"
			       "run 1 pid 100;vcpu 0;vmx IO_INSTRUCTION;fn:with:semicolons 3\n");
	free(s);
	s = export_to_string(XS_EXPORT_FOLDED, true, t);
	assert_string_equal(s, "run 1 pid 100;vcpu 0;vmx IO_INSTRUCTION;[no symbol] 400\n"
			       "run 1 pid 100;vcpu 0;vmx IO_INSTRUCTION;fn:with:semicolons 600\n");
	free(s);
	s = export_to_string(XS_EXPORT_TRACE, false, t);
	assert_non_null(strstr(s, "\"traceEvents\""));
	assert_non_null(strstr(s, "\"symbol\":\"fn;with;semicolons+0x10\""));
	assert_non_null(strstr(s, "\"symbol\":\"0x9999 (no symbol)\""));
	/* counters: windows at 1.0 s (2 exits), 2.0 s (1), 3.0 s (1) */
	assert_non_null(strstr(s, "\"ts\":1000000.000,\"args\":{\"IO_INSTRUCTION\":2}"));
	assert_non_null(strstr(s, "\"ts\":3000000.000,\"args\":{\"IO_INSTRUCTION\":1}"));
	assert_string_equal(s + strlen(s) - 4, "\n]}\n");
	free(s);
	xs_symtab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_map),    cmocka_unit_test(test_kaslr_offset_and_kallsyms),
		cmocka_unit_test(test_bad_maps),      cmocka_unit_test(test_elf),
		cmocka_unit_test(test_from_list),     cmocka_unit_test(test_cpl),
		cmocka_unit_test(test_symagg),	      cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_export_folded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
