// SPDX-License-Identifier: MIT
/* Unit tests for common/: number parsing, record files, sinks, aggregation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/agg.h"
#include "common/sink.h"
#include "common/text.h"
#include "common/util.h"
#include "common/xsr.h"
#include "tests/helpers/records.h"

static void test_parse_u64(void **state)
{
	(void)state;
	/* Durations are bounded: 1e300 s once overflowed the conversion to ns. */
	double secs = 0;
	assert_true(xs_parse_seconds("2.5", &secs));
	assert_true(secs == 2.5);
	assert_true(xs_parse_seconds("1e9", &secs));
	assert_false(xs_parse_seconds("1e300", &secs));
	assert_false(xs_parse_seconds("1.1e9", &secs));
	assert_false(xs_parse_seconds("inf", &secs));
	uint64_t v = 0;
	assert_true(xs_parse_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(xs_parse_u64("42", &v));
	assert_int_equal(v, 42);
	assert_true(xs_parse_u64("0x1F", &v));
	assert_int_equal(v, 31);
	assert_true(xs_parse_u64("0b101", &v));
	assert_int_equal(v, 5);
	assert_true(xs_parse_u64("0o17", &v));
	assert_int_equal(v, 15);
	assert_true(xs_parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_false(xs_parse_u64("18446744073709551616", &v));
	assert_false(xs_parse_u64("", &v));
	assert_false(xs_parse_u64("-1", &v));
	assert_false(xs_parse_u64("12abc", &v));
	assert_false(xs_parse_u64("0x", &v));
	assert_false(xs_parse_u64(" 1", &v));
	assert_false(xs_parse_u64("0x-1", &v));
	assert_int_equal(v, 7);
	assert_true(xs_parse_range("10", 1, 10, &v));
	assert_false(xs_parse_range("11", 1, 10, &v));
	double d;
	assert_true(xs_parse_seconds("2.5", &d));
	assert_true(d == 2.5);
	assert_false(xs_parse_seconds("-1", &d));
	assert_false(xs_parse_seconds("nan", &d));
	assert_false(xs_parse_seconds("1s", &d));
}

static struct xs_exit_record make_record(uint64_t seq, int with_state)
{
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 30);
	r.source = XS_SRC_SYNTHETIC;
	r.vcpu = (uint32_t)(seq % 3);
	r.seq = seq;
	r.ts = 1000000000ull + seq * 1000;
	r.qualification = 0x3f80008 + seq;
	xs_test_set_latency(&r, 100 + seq);
	xs_test_set_rip(&r, 0x1000 + seq);
	r.detail_kind = XS_D_IO;
	r.detail.io.port = 0x3f8;
	if (with_state) {
		xs_test_set_guest_state(&r, XS_GS_GPRS | XS_GS_RIP);
		r.gs.gpr[XS_RAX] = seq * 7;
		r.gs.rip = r.guest_rip;
	}
	r.size = (uint16_t)xs_record_wire_size(&r);
	return r;
}

static char *temp_path(void)
{
	char *p = xs_strdup("/tmp/xs-test-XXXXXX");
	int fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

static void test_xsr_round_trip(void **state)
{
	(void)state;
	char err[256];
	char *path = temp_path();
	struct xs_sink *s = xsr_sink_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(xs_sink_meta(s, "run.guest", "io"), 0);
	for (uint64_t i = 0; i < 5000; i++) {
		struct xs_exit_record r = make_record(i, (int)(i % 2));
		assert_int_equal(xs_sink_write(s, &r, 1), 0);
	}
	assert_int_equal(xs_sink_metaf(s, "counter.dropped", "%d", 0), 0);
	assert_int_equal(xs_sink_close(s), 0);

	struct xsr_reader *rd = xsr_open(path, err, sizeof(err));
	assert_non_null(rd);
	struct xsr_item it;
	uint64_t n = 0;
	int metas = 0, ends = 0;
	while (xsr_next(rd, &it) == 1) {
		if (it.kind == XSR_ITEM_RECORD) {
			struct xs_exit_record want = make_record(n, (int)(n % 2));
			assert_memory_equal(&it.rec, &want, sizeof(want));
			n++;
		} else if (it.kind == XSR_ITEM_META) {
			metas++;
			if (metas == 1) {
				assert_string_equal(it.key, "run.guest");
				assert_string_equal(it.value, "io");
			}
		} else {
			ends++;
			assert_int_equal(it.end_records, 5000);
			assert_int_equal(it.end_dropped, 0);
		}
	}
	assert_null(xsr_error(rd));
	assert_int_equal(n, 5000);
	assert_int_equal(metas, 2);
	assert_int_equal(ends, 1);
	assert_true(xsr_complete(rd));
	xsr_close(rd);
	unlink(path);
	free(path);
}

static void test_xsr_truncated(void **state)
{
	(void)state;
	char err[256];
	char *path = temp_path();
	struct xs_sink *s = xsr_sink_open(path, err, sizeof(err));
	for (uint64_t i = 0; i < 10; i++) {
		struct xs_exit_record r = make_record(i, 0);
		xs_sink_write(s, &r, 1);
		xs_sink_flush(s); /* one chunk per record */
	}
	xs_sink_close(s);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fclose(f);
	/* Cut into the middle of the 8th record chunk: 7 whole chunks survive. */
	long cut = 32 + 7 * (8 + 192) + 100;
	assert_true(cut < len);
	assert_int_equal(truncate(path, cut), 0);
	struct xsr_reader *rd = xsr_open(path, err, sizeof(err));
	assert_non_null(rd);
	struct xsr_item it;
	int n = 0, rc;
	while ((rc = xsr_next(rd, &it)) == 1)
		n++;
	assert_int_equal(rc, -1);
	assert_int_equal(n, 7);
	assert_non_null(strstr(xsr_error(rd), "truncated"));
	assert_false(xsr_complete(rd));
	xsr_close(rd);
	unlink(path);
	free(path);
}

/* A file that shrinks while it is read: an error naming that, never SIGBUS (the reader once mapped it). */
static void test_xsr_shrinks_while_read(void **state)
{
	(void)state;
	char err[256];
	char *path = temp_path();
	struct xs_sink *s = xsr_sink_open(path, err, sizeof(err));
	for (uint64_t i = 0; i < 100; i++) {
		struct xs_exit_record r = make_record(i, 0);
		xs_sink_write(s, &r, 1);
		xs_sink_flush(s); /* one chunk per record */
	}
	xs_sink_close(s);
	struct xsr_reader *rd = xsr_open(path, err, sizeof(err));
	assert_non_null(rd);
	struct xsr_item it;
	assert_int_equal(xsr_next(rd, &it), 1);
	/* To a page boundary inside the 21st chunk: a mapping would fault (SIGBUS) on the next page. */
	assert_int_equal(truncate(path, 4096), 0);
	int n = 1, rc;
	while ((rc = xsr_next(rd, &it)) == 1)
		n++;
	assert_int_equal(rc, -1);
	assert_int_equal(n, 20);
	assert_non_null(strstr(xsr_error(rd), "the file shrank while it was read"));
	struct xsr_verdict v;
	assert_true(xsr_verdict(rd, &v));
	assert_false(v.lost_known);
	xsr_close(rd);
	unlink(path);
	free(path);
}

/* Damage inside a chunk: the records lost are counted from the END chunk, or said to be unknown without it. */
static void test_xsr_lost_counts(void **state)
{
	(void)state;
	char err[256];
	char *path = temp_path();
	struct xs_sink *s = xsr_sink_open(path, err, sizeof(err));
	for (uint64_t i = 0; i < 22; i++) {
		struct xs_exit_record r = make_record(i, (int)(i % 2)); /* 192- and 576-byte records */
		xs_sink_write(s, &r, 1);
	}
	xs_sink_close(s);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	/* Clear the guest-state flag of the 2nd record (a 576-byte one): its size no longer matches. */
	struct xs_exit_record probe;
	assert_int_equal(fseek(f, 32 + 8 + 192, SEEK_SET), 0);
	assert_int_equal(fread(&probe, XS_RECORD_CORE_SIZE, 1, f), 1);
	probe.flags &= ~XS_F_GUEST_STATE;
	assert_int_equal(fseek(f, 32 + 8 + 192, SEEK_SET), 0);
	assert_int_equal(fwrite(&probe, XS_RECORD_CORE_SIZE, 1, f), 1);
	fclose(f);
	struct xsr_reader *rd = xsr_open(path, err, sizeof(err));
	struct xsr_item it;
	int n = 0;
	while (xsr_next(rd, &it) == 1)
		n += it.kind == XSR_ITEM_RECORD;
	assert_int_equal(n, 1);
	struct xsr_verdict v;
	assert_true(xsr_verdict(rd, &v));
	assert_true(v.lost_known);
	assert_int_equal(v.lost, 21); /* not the lost bytes over the core size (which gave 66) */
	assert_non_null(strstr(v.message, "21 records lost"));
	xsr_close(rd);

	/* The same without its END chunk (16 bytes + chunk header): the count is unknown, and says so. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 24), 0);
	rd = xsr_open(path, err, sizeof(err));
	while (xsr_next(rd, &it) == 1)
		;
	assert_true(xsr_verdict(rd, &v));
	assert_false(v.lost_known);
	assert_non_null(strstr(v.message, "unknown number of records"));
	xsr_close(rd);
	unlink(path);
	free(path);
}

/* A damaged header field is named; two files end to end are called concatenated. */
static void test_xsr_messages(void **state)
{
	(void)state;
	char err[256];
	char *path = temp_path();
	struct xs_sink *s = xsr_sink_open(path, err, sizeof(err));
	struct xs_exit_record r = make_record(1, 0);
	xs_sink_write(s, &r, 1);
	xs_sink_close(s);
	FILE *f = fopen(path, "rb");
	unsigned char file[4096];
	size_t len = fread(file, 1, sizeof(file), f);
	fclose(f);
	unsigned char bad[4096];
	memcpy(bad, file, len);
	bad[12] = 33; /* header size */
	assert_null(xsr_open_mem(bad, len, err, sizeof(err)));
	assert_non_null(strstr(err, "corrupt header: header size 33, not 32"));
	unsigned char twice[8192];
	memcpy(twice, file, len);
	memcpy(twice + len, file, len);
	struct xsr_reader *rd = xsr_open_mem(twice, 2 * len, err, sizeof(err));
	struct xsr_item it;
	while (xsr_next(rd, &it) == 1)
		;
	assert_non_null(strstr(xsr_error(rd), "files were concatenated"));
	xsr_close(rd);
	unlink(path);
	free(path);
}

/* Outside text: no control character reaches a terminal raw, JSON stays valid UTF-8. */
static void test_text_safe(void **state)
{
	(void)state;
	assert_int_equal(xs_utf8_char_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(xs_utf8_char_len((const unsigned char *)"\xc0\xaf", 2), 0);	     /* overlong */
	assert_int_equal(xs_utf8_char_len((const unsigned char *)"\xed\xa0\x80", 3), 0);     /* surrogate */
	assert_int_equal(xs_utf8_char_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(xs_utf8_char_len((const unsigned char *)"\xe2\x82", 2), 0);	     /* cut short */
	char buf[128];
	assert_string_equal(xs_text_safe("a\x1b[2Jb\x07\xc2\x9b"
					 "c\xff\xc3\xa9",
					 buf, sizeof(buf)),
			    "a\\x1b[2Jb\\x07\\xc2\\x9bc\\xff\xc3\xa9");
	assert_string_equal(xs_text_safe("abc\x1b", buf, 6), "abc"); /* an escape that does not fit is left out */
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	xs_json_fputs(f, "q\"\\\n\x01\xc2\x85\xff\xc3\xa9");
	fclose(f);
	assert_string_equal(json, "\"q\\\"\\\\\\n\\u0001\\u0085\\ufffd\xc3\xa9\"");
	free(json);
}

static void test_xsr_rejects(void **state)
{
	(void)state;
	char err[256];
	assert_null(xsr_open_mem("hello", 5, err, sizeof(err)));
	assert_non_null(strstr(err, "not an exitscope record file"));
	unsigned char buf[32] = "XSRECORD";
	buf[8] = 9;
	assert_null(xsr_open_mem(buf, sizeof(buf), err, sizeof(err)));
	assert_non_null(strstr(err, "format version 9"));
	assert_null(xsr_open("/nonexistent/x.xsr", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.xsr"));

	struct xs_exit_record r = make_record(1, 0);
	assert_null(xs_record_check(&r, XS_RECORD_CORE_SIZE));
	r.isa = 99;
	assert_string_equal(xs_record_check(&r, XS_RECORD_CORE_SIZE), "unknown isa");
	r = make_record(1, 1);
	assert_string_equal(xs_record_check(&r, XS_RECORD_CORE_SIZE), "record cut short");
	r.size = XS_RECORD_CORE_SIZE;
	assert_non_null(strstr(xs_record_check(&r, sizeof(r)), "size"));
}

static void test_hist(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 100000; v += 7) {
		unsigned int b = xs_hist_bucket(v);
		assert_true(b < XS_HIST_BUCKETS);
		assert_true(xs_hist_bucket_low(b) <= v);
		assert_true(xs_hist_bucket_high(b) >= v);
	}
	assert_true(xs_hist_bucket(UINT64_MAX) == XS_HIST_BUCKETS - 1);
	for (unsigned int b = 0; b + 1 < XS_HIST_BUCKETS; b++)
		assert_true(xs_hist_bucket_high(b) + 1 == xs_hist_bucket_low(b + 1));
}

static void test_agg(void **state)
{
	(void)state;
	struct xs_agg *a = xs_agg_new();
	/* 2 s of records: reason 30 on vCPUs 0..2, reason 10 every 10th; latency 1..1000 ns. */
	for (uint64_t i = 0; i < 3000; i++) {
		struct xs_exit_record r = make_record(i, 0);
		r.ts = 5 * 1000000000ull + i * 666667; /* 3000 records over ~2 s */
		r.latency_ns = (i % 1000) + 1;
		if (i % 10 == 0)
			r.reason = 10;
		xs_agg_add(a, &r);
	}
	assert_int_equal(xs_agg_count(a), 3000);
	struct xs_agg_row total;
	xs_agg_total(a, NULL, &total);
	assert_int_equal(total.stats.count, 3000);
	assert_int_equal(total.stats.lat_min, 1);
	assert_int_equal(total.stats.lat_max, 1000);
	uint64_t p50 = xs_stats_lat_percentile(&total.stats, 50);
	assert_true(p50 >= 440 && p50 <= 560);
	uint64_t p99 = xs_stats_lat_percentile(&total.stats, 99);
	assert_true(p99 >= 930 && p99 <= 1000);

	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(a, NULL, XS_AGG_BY_REASON, &rows);
	assert_int_equal(n, 2);
	uint64_t c10 = rows[0].key.reason == 10 ? rows[0].stats.count : rows[1].stats.count;
	assert_int_equal(c10, 300);
	free(rows);

	struct xs_agg_filter f = {.by_vcpu = true, .vcpu = 1};
	n = xs_agg_rollup(a, &f, XS_AGG_BY_VCPU, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].stats.count, 1000);
	free(rows);

	/* Per-second counts: seconds 5, 6 and 7 hold the 3000 records. */
	xs_agg_total(a, NULL, &total);
	uint64_t sum = 0;
	for (int i = 0; i < XS_AGG_SECONDS; i++)
		sum += total.per_sec[i];
	assert_int_equal(sum, 3000);
	assert_true(total.rate > 1000 && total.rate < 2000);
	xs_agg_free(a);
}

static void test_agg_many_groups(void **state)
{
	(void)state;
	/* 300 vCPUs x 3 reasons in 2 VMs: the rollup must find every group once, whatever the hashing. */
	struct xs_agg *a = xs_agg_new();
	for (uint32_t pid = 1; pid <= 2; pid++)
		for (uint32_t v = 0; v < 300; v++)
			for (uint32_t k = 0; k < 3; k++) {
				struct xs_exit_record r = make_record(v, 0);
				r.pid = pid;
				r.vcpu = v;
				r.reason = 10 + k;
				for (uint32_t rep = 0; rep <= v % 4; rep++)
					xs_agg_add(a, &r);
			}
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(a, NULL, XS_AGG_BY_VCPU, &rows);
	assert_int_equal(n, 600);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rows[i].stats.count, 3 * (rows[i].key.vcpu % 4 + 1));
	free(rows);
	n = xs_agg_rollup(a, NULL, XS_AGG_BY_REASON, &rows);
	assert_int_equal(n, 3);
	free(rows);
	n = xs_agg_rollup(a, NULL, XS_AGG_BY_PID, &rows);
	assert_int_equal(n, 2);
	free(rows);
	xs_agg_free(a);
}

static int count_writes;
static int counting_write(struct xs_sink *s, const struct xs_exit_record *r, size_t n)
{
	(void)r;
	s->written += n;
	count_writes += (int)n;
	return 0;
}
static int counting_close(struct xs_sink *s)
{
	free(s);
	return 0;
}
static const struct xs_sink_ops counting_ops = {counting_write, NULL, NULL, counting_close};

static void test_tee_and_locked(void **state)
{
	(void)state;
	struct xs_sink *a = xs_calloc(1, sizeof(*a)), *b = xs_calloc(1, sizeof(*b));
	a->ops = b->ops = &counting_ops;
	struct xs_sink *kids[] = {a, b};
	struct xs_sink *t = xs_sink_locked(xs_sink_tee(kids, 2));
	struct xs_exit_record r[3] = {make_record(0, 0), make_record(1, 0), make_record(2, 0)};
	count_writes = 0;
	assert_int_equal(xs_sink_write(t, r, 3), 0);
	assert_int_equal(count_writes, 6);
	assert_int_equal(t->written, 3);
	assert_int_equal(xs_sink_meta(t, "k", "v"), 0);
	assert_int_equal(xs_sink_close(t), 0);
}

/* A process's command line, arguments joined by spaces: this process's own, a cut one, a gone one. */
static void test_process_cmdline(void **state)
{
	(void)state;
	char buf[4096], small[8];
	assert_true(xs_process_cmdline((uint32_t)getpid(), buf, sizeof(buf)));
	assert_non_null(strstr(buf, "test_common"));
	assert_null(strchr(buf, '\n'));
	assert_true(xs_process_cmdline((uint32_t)getpid(), small, sizeof(small)));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_false(xs_process_cmdline((uint32_t)getpid(), buf, 0));
	assert_false(xs_process_cmdline(0x7ffffff0u, buf, sizeof(buf))); /* beyond pid_max: no such process */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_xsr_round_trip),
		cmocka_unit_test(test_xsr_truncated),
		cmocka_unit_test(test_xsr_rejects),
		cmocka_unit_test(test_xsr_shrinks_while_read),
		cmocka_unit_test(test_xsr_lost_counts),
		cmocka_unit_test(test_xsr_messages),
		cmocka_unit_test(test_text_safe),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_agg),
		cmocka_unit_test(test_tee_and_locked),
		cmocka_unit_test(test_agg_many_groups),
		cmocka_unit_test(test_process_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
