// SPDX-License-Identifier: MIT
/* Unit tests for fleet/: the HTTP request parser, ClickHouse reply parsing, the metrics text and its
 * cardinality bound, the ClickHouse table statement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/clickhouse.h"
#include "fleet/clickhouse_reply.h"
#include "fleet/http_request.h"
#include "fleet/metrics.h"
#include "fleet/ship.h"
#include "tests/helpers/records.h"

static enum xs_http_parse parse(const char *s, struct xs_http_request *r)
{
	return xs_http_parse_request(s, strlen(s), r);
}

static void test_http_request(void **state)
{
	(void)state;
	struct xs_http_request r;
	const char *scrape = "GET /metrics?x=1 HTTP/1.1\r\nHost: a:1\r\nAccept: */*\r\n\r\nBODY";
	assert_int_equal(parse(scrape, &r), XS_HTTP_OK);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(r.minor, 1);
	assert_int_equal(r.head_len, strlen(scrape) - 4);
	assert_int_equal(parse("HEAD / HTTP/1.0\n\n", &r), XS_HTTP_OK); /* bare LF line ends */
	assert_string_equal(r.method, "HEAD");
	assert_int_equal(parse("\r\nGET / HTTP/1.1\r\n\r\n", &r), XS_HTTP_OK); /* a leading empty line */
	/* Incomplete heads wait for more. */
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n", &r), XS_HTTP_INCOMPLETE);
	assert_int_equal(parse("GET /met", &r), XS_HTTP_INCOMPLETE);
	assert_int_equal(parse("", &r), XS_HTTP_INCOMPLETE);
	/* Malformed. */
	assert_int_equal(parse("GET\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET  / HTTP/1.1\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET metrics HTTP/1.1\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("G(T / HTTP/1.1\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nNoColon\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.10\r\n\r\n", &r), XS_HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n", &r), XS_HTTP_VERSION);
	/* A target longer than the path buffer is flagged, not truncated. */
	char lng[600] = "GET /";
	memset(lng + 5, 'a', 400);
	strcpy(lng + 405, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(lng, &r), XS_HTTP_OK);
	assert_true(r.uri_too_long);
	/* A head that never ends within the limit. */
	char *big = malloc(XS_HTTP_HEAD_MAX + 100);
	strcpy(big, "GET / HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'x', XS_HTTP_HEAD_MAX);
	big[XS_HTTP_HEAD_MAX + 50] = 0;
	assert_int_equal(parse(big, &r), XS_HTTP_TOO_LARGE);
	free(big);
}

static void test_clickhouse_error_line(void **state)
{
	(void)state;
	char line[200];
	const char *e = "Code: 60, e.displayText() = DB::Exception: Table exitscope.x doesn't exist., e.what() = "
			"DB::Exception\n";
	assert_int_equal(xs_ch_error_line(e, strlen(e), line, sizeof(line)), 60);
	assert_string_equal(line, "error 60: Table exitscope.x doesn't exist.");
	const char *parse_err =
		"Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: x\n"
		"\nRow 1:\nColumn 0, name: day\n, e.what() = DB::Exception\n";
	assert_int_equal(xs_ch_error_line(parse_err, strlen(parse_err), line, sizeof(line)), 27);
	assert_string_equal(line, "error 27: Cannot parse input: expected \\t before: x");
	const char *html = "<html>\r\n<body>Not Found</body>";
	assert_int_equal(xs_ch_error_line(html, strlen(html), line, sizeof(line)), -1);
	assert_string_equal(line, "<html>");
	assert_int_equal(xs_ch_error_line("", 0, line, sizeof(line)), -1);
	assert_string_equal(line, "(empty reply)");
	const char bin[] = {'\x01', 'a', '\xff', 'b'};
	xs_ch_error_line(bin, sizeof(bin), line, sizeof(line));
	assert_string_equal(line, "?a?b");
	/* Output bounded by its buffer. */
	char small[8];
	xs_ch_error_line(e, strlen(e), small, sizeof(small));
	assert_int_equal(strlen(small), 7);
}

static void test_clickhouse_tsv(void **state)
{
	(void)state;
	const char *body = "day\tDate\nhost\tString\nesc\ta\\tb\\\\c\\n\n42\t18446744073709551615";
	size_t len = strlen(body);
	char f[32];
	uint64_t v;
	assert_int_equal(xs_ch_tsv_rows(body, len), 4);
	assert_true(xs_ch_tsv_field(body, len, 1, 0, f, sizeof(f)));
	assert_string_equal(f, "host");
	assert_true(xs_ch_tsv_field(body, len, 2, 1, f, sizeof(f)));
	assert_string_equal(f, "a\tb\\c\n");
	assert_false(xs_ch_tsv_field(body, len, 1, 2, f, sizeof(f))); /* no third field */
	assert_false(xs_ch_tsv_field(body, len, 9, 0, f, sizeof(f))); /* no such row */
	assert_true(xs_ch_tsv_u64(body, len, 3, 0, &v));
	assert_int_equal(v, 42);
	assert_true(xs_ch_tsv_u64(body, len, 3, 1, &v));
	assert_true(v == UINT64_MAX);
	assert_false(xs_ch_tsv_u64(body, len, 0, 0, &v)); /* "day" */
	assert_false(xs_ch_tsv_u64("0x10\n", 5, 0, 0, &v));
	assert_false(xs_ch_tsv_u64("010\n", 4, 0, 0, &v));
	assert_false(xs_ch_tsv_u64("\n", 1, 0, 0, &v));
	assert_false(xs_ch_tsv_field("abcdef", 6, 0, 0, f, 4)); /* does not fit */
	assert_int_equal(xs_ch_tsv_rows("", 0), 0);
}

static void test_clickhouse_quote_and_url(void **state)
{
	(void)state;
	char buf[32] = "x = ";
	assert_true(xs_ch_quote(buf, sizeof(buf), "it's a\\b"));
	assert_string_equal(buf, "x = 'it\\'s a\\\\b'");
	char tiny[6] = "";
	assert_false(xs_ch_quote(tiny, sizeof(tiny), "abcdef"));
	char err[256];
	struct xs_ch *c = xs_ch_open("http://127.0.0.1:8123", err, sizeof(err));
	assert_non_null(c);
	xs_ch_close(c);
	assert_null(xs_ch_open("ftp://127.0.0.1/", err, sizeof(err)));
	assert_non_null(strstr(err, "http://"));
	assert_null(xs_ch_open("not a url", err, sizeof(err)));
	assert_null(xs_ch_open("http://h:1/?query=SELECT%201", err, sizeof(err)));
	assert_null(xs_ch_open("http://h:1/#x", err, sizeof(err)));
}

static void test_create_sql(void **state)
{
	(void)state;
	char sql[4096];
	xs_ship_create_sql(sql, sizeof(sql), "exitscope.exits");
	assert_non_null(strstr(sql, "CREATE TABLE IF NOT EXISTS exitscope.exits (day Date, time DateTime('UTC')"));
	assert_non_null(strstr(sql, "ENGINE = MergeTree PARTITION BY day ORDER BY (host, isa, reason, time, exit_id)"));
}

static struct xs_exit_record rec(uint32_t pid, uint32_t vcpu, uint32_t reason, uint64_t lat)
{
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, reason);
	r.pid = pid;
	r.vcpu = vcpu;
	r.ts = 1000;
	xs_test_set_latency(&r, lat);
	return r;
}

static char *render(struct xs_metrics *m)
{
	static char *text; /* static: open_memstream keeps its address until fclose */
	static size_t len;
	text = NULL;
	FILE *f = open_memstream(&text, &len);
	xs_metrics_render(m, f);
	fclose(f);
	return text;
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static const char *name_of(void *arg, uint32_t pid)
{
	(void)arg;
	return pid == 7 ? "we\"b\\1" : NULL;
}

static void test_metrics_text(void **state)
{
	(void)state;
	struct xs_metrics *m = xs_metrics_new(2, 1, name_of, NULL);
	struct xs_sink *s = xs_metrics_sink(m);
	struct xs_exit_record r[6] = {rec(7, 0, 10, 300),   rec(7, 0, 10, 300), rec(7, 1, 10, 0),
				      rec(8, 0, 12, 70000), rec(9, 0, 10, 0),	rec(9, 3, 30, 0)};
	/* pid 7: 3 exits, pid 9: 2, pid 8: 1 -> pid 8 folds into "other" with max_vms 2. */
	assert_int_equal(xs_sink_write(s, r, 6), 0);
	char *t = render(m);
	/* Label values escaped; vCPU 1 of pid 7 beyond --max-vcpus 1 folds into vcpu="other". */
	assert_non_null(strstr(
		t, "exitscope_exits_total{pid=\"7\",vm=\"we\\\"b\\\\1\",vcpu=\"0\",isa=\"vmx\",reason=\"CPUID\"} 2\n"));
	assert_non_null(strstr(t, "exitscope_exits_total{pid=\"7\",vm=\"we\\\"b\\\\1\",vcpu=\"other\",isa=\"vmx\","
				  "reason=\"CPUID\"} 1\n"));
	assert_non_null(strstr(
		t, "exitscope_exits_total{pid=\"other\",vm=\"other\",vcpu=\"other\",isa=\"vmx\",reason=\"HLT\"} 1\n"));
	assert_non_null(strstr(t, "exitscope_vms{kind=\"folded\"} 1\n"));
	assert_non_null(strstr(t, "exitscope_records_total 6\n"));
	/* The CPUID histogram: 2 exits of 300 ns, in the bucket up to 511 ns and every one above. */
	assert_non_null(
		strstr(t, "exitscope_exit_latency_seconds_bucket{isa=\"vmx\",reason=\"CPUID\",le=\"2.55e-07\"} 0\n"));
	assert_non_null(
		strstr(t, "exitscope_exit_latency_seconds_bucket{isa=\"vmx\",reason=\"CPUID\",le=\"5.11e-07\"} 2\n"));
	assert_non_null(
		strstr(t, "exitscope_exit_latency_seconds_bucket{isa=\"vmx\",reason=\"CPUID\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(t, "exitscope_exit_latency_seconds_count{isa=\"vmx\",reason=\"CPUID\"} 2\n"));
	assert_non_null(strstr(t, "exitscope_exit_latency_seconds_sum{isa=\"vmx\",reason=\"CPUID\"} 0.000000600\n"));
	/* Losses: the totals until per-CPU figures come, then per CPU. */
	assert_non_null(strstr(t, "exitscope_ring_full_total{cpu=\"all\"} 0\n"));
	free(t);
	xs_sink_meta(s, "counter.dropped.ring.per_cpu", "1:5,3:7,bogus,other:2,5000:1");
	t = render(m);
	assert_non_null(strstr(t, "exitscope_ring_full_total{cpu=\"1\"} 5\n"));
	assert_non_null(strstr(t, "exitscope_ring_full_total{cpu=\"3\"} 7\n"));
	assert_non_null(strstr(t, "exitscope_ring_full_total{cpu=\"other\"} 3\n"));
	assert_null(strstr(t, "{cpu=\"all\"}"));
	free(t);
	xs_sink_close(s);
	xs_metrics_free(m);
}

/* However many VMs and vCPUs, the exit series stay within (max_vms + 1) x (max_vcpus + 1) x reasons, and the
 * folded series keep every exit. */
static void test_metrics_bound(void **state)
{
	(void)state;
	struct xs_metrics *m = xs_metrics_new(5, 4, NULL, NULL);
	struct xs_sink *s = xs_metrics_sink(m);
	uint64_t total = 0;
	for (uint32_t pid = 1; pid <= 300; pid++)
		for (uint32_t vcpu = 0; vcpu < 16; vcpu++)
			for (uint32_t reason = 10; reason < 13; reason++) {
				struct xs_exit_record r = rec(pid, vcpu, reason, 0);
				for (uint32_t k = 0; k < pid % 3 + 1; k++, total++)
					xs_sink_write(s, &r, 1);
			}
	char *t = render(m);
	size_t series = count_lines(t, "exitscope_exits_total{");
	assert_true(series <= (5 + 1) * (4 + 1) * 3);
	uint64_t sum = 0;
	for (const char *p = strstr(t, "exitscope_exits_total{"); p; p = strstr(p + 1, "exitscope_exits_total{"))
		sum += strtoull(strchr(p, '}') + 2, NULL, 10);
	assert_int_equal(sum, total);
	assert_non_null(strstr(t, "exitscope_vms{kind=\"seen\"} 300\n"));
	assert_non_null(strstr(t, "exitscope_vms{kind=\"folded\"} 295\n"));
	free(t);
	xs_metrics_free(m);
}

/* Slots are sticky: a VM folded into "other" stays there when it becomes the busiest, so "other" never goes
 * down; a VM with its own series keeps it. */
static void test_metrics_sticky(void **state)
{
	(void)state;
	struct xs_metrics *m = xs_metrics_new(1, 1, NULL, NULL);
	struct xs_sink *s = xs_metrics_sink(m);
	struct xs_exit_record a = rec(100, 0, 10, 0), b = rec(200, 0, 10, 0), b1 = rec(200, 1, 10, 0);
	xs_sink_write(s, &a, 1);
	xs_sink_write(s, &a, 1);
	xs_sink_write(s, &b, 1);
	char *t = render(m);
	assert_non_null(
		strstr(t, "exitscope_exits_total{pid=\"100\",vm=\"\",vcpu=\"0\",isa=\"vmx\",reason=\"CPUID\"} 2\n"));
	assert_non_null(strstr(
		t,
		"exitscope_exits_total{pid=\"other\",vm=\"other\",vcpu=\"other\",isa=\"vmx\",reason=\"CPUID\"} 1\n"));
	free(t);
	for (int i = 0; i < 10; i++) /* pid 200 becomes the busiest VM, and its vCPU 1 the busiest vCPU */
		xs_sink_write(s, &b1, 1);
	t = render(m);
	assert_non_null(
		strstr(t, "exitscope_exits_total{pid=\"100\",vm=\"\",vcpu=\"0\",isa=\"vmx\",reason=\"CPUID\"} 2\n"));
	assert_non_null(strstr(
		t,
		"exitscope_exits_total{pid=\"other\",vm=\"other\",vcpu=\"other\",isa=\"vmx\",reason=\"CPUID\"} 11\n"));
	assert_null(strstr(t, "pid=\"200\""));
	free(t);
	xs_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_request),   cmocka_unit_test(test_clickhouse_error_line),
		cmocka_unit_test(test_clickhouse_tsv), cmocka_unit_test(test_clickhouse_quote_and_url),
		cmocka_unit_test(test_create_sql),     cmocka_unit_test(test_metrics_text),
		cmocka_unit_test(test_metrics_bound),  cmocka_unit_test(test_metrics_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
