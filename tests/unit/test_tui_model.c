// SPDX-License-Identifier: MIT
/* Unit tests for the dashboard's data side: the record queue, the model, frames (rollups, sorting, filters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/agg.h"
#include "common/sink.h"
#include "tui/columns.h"
#include "tui/filter.h"
#include "tui/frame.h"
#include "tui/model.h"
#include "tui/queue.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

#define SEC 1000000000ull

static struct xs_exit_record rec(uint8_t isa, uint32_t reason, uint32_t pid, uint32_t vcpu, uint64_t ts,
				 uint64_t latency)
{
	struct xs_exit_record r = xs_test_record(isa, reason);
	r.source = XS_SRC_SYNTHETIC;
	r.pid = pid;
	r.vcpu = vcpu;
	r.ts = ts;
	xs_test_set_latency(&r, latency);
	return r;
}

static struct xs_exit_record with_state(struct xs_exit_record r, uint64_t rax)
{
	xs_test_set_guest_state(&r, XS_GS_GPRS);
	r.gs.gpr[XS_RAX] = rax;
	return r;
}

/* ---- queue ---- */

static void test_queue_order_and_sizes(void **state)
{
	(void)state;
	struct tui_queue *q = tui_queue_new(0); /* the minimum: 64 full records */
	struct xs_sink *s = tui_queue_sink(q, false);
	struct xs_exit_record batch[3] = {rec(1, 30, 1, 0, 1, 0), with_state(rec(1, 12, 1, 1, 2, 0), 77),
					  rec(1, 10, 1, 2, 3, 0)};
	batch[0].size = 999; /* a producer's wrong size is corrected from the flags */
	assert_int_equal(xs_sink_write(s, batch, 3), 0);
	struct tui_queue_span span;
	assert_true(tui_queue_acquire(q, &span));
	const struct xs_exit_record *r = tui_queue_span_next(&span);
	assert_reason(r->isa, r->reason, 30);
	assert_int_equal(r->size, XS_RECORD_CORE_SIZE);
	r = tui_queue_span_next(&span);
	assert_reason(r->isa, r->reason, 12);
	assert_true(r->flags & XS_F_GUEST_STATE);
	assert_int_equal(r->gs.gpr[XS_RAX], 77);
	r = tui_queue_span_next(&span);
	assert_reason(r->isa, r->reason, 10);
	assert_null(tui_queue_span_next(&span));
	tui_queue_release(q, &span);
	assert_false(tui_queue_acquire(q, &span));
	xs_sink_close(s);
	tui_queue_free(q);
}

/* A full ring drops (and counts) what a live producer writes; the consumer still gets the rest in order,
 * across the ring's wrap-around. */
static void test_queue_full_drops_and_wraps(void **state)
{
	(void)state;
	struct tui_queue *q = tui_queue_new(0);
	struct tui_queue_counts c;
	tui_queue_counts(q, &c);
	size_t cap_records = c.cap_bytes / XS_RECORD_CORE_SIZE;
	struct xs_sink *s = tui_queue_sink(q, false);
	uint64_t seq = 0, got = 0, next_expected = 0;
	for (int round = 0; round < 20; round++) {
		/* Write more than fits, then read half of what is there. */
		for (size_t i = 0; i < cap_records + 5; i++) {
			struct xs_exit_record r = rec(1, 1, 1, 0, seq, 0);
			r.seq = seq++;
			xs_sink_write(s, &r, 1);
		}
		struct tui_queue_span span;
		assert_true(tui_queue_acquire(q, &span));
		const struct xs_exit_record *r;
		size_t n = 0;
		while (n < cap_records / 2 && (r = tui_queue_span_next(&span))) {
			assert_true(r->seq >= next_expected); /* order is kept; dropped ones are gaps */
			next_expected = r->seq + 1;
			n++;
			got++;
		}
		tui_queue_release(q, &span);
	}
	struct tui_queue_span span;
	while (tui_queue_acquire(q, &span)) {
		while (tui_queue_span_next(&span))
			got++;
		tui_queue_release(q, &span);
	}
	tui_queue_counts(q, &c);
	assert_true(c.dropped > 0);
	assert_int_equal(s->dropped, c.dropped);
	assert_int_equal(c.accepted, got);
	assert_int_equal(c.accepted + c.dropped, seq); /* nothing vanishes without being counted */
	xs_sink_close(s);
	tui_queue_free(q);
}

struct producer {
	struct xs_sink *sink;
	uint64_t n;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (uint64_t i = 0; i < p->n; i++) {
		struct xs_exit_record r = rec(1, 1, 1, 0, i, 0);
		r.seq = i;
		if (i % 7 == 0)
			r = with_state(r, i);
		r.seq = i;
		xs_sink_write(p->sink, &r, 1);
	}
	return NULL;
}

/* A lossless producer (a replay) waits for room: every record arrives, in order, none dropped. */
static void test_queue_lossless_waits(void **state)
{
	(void)state;
	struct tui_queue *q = tui_queue_new(0);
	struct producer p = {tui_queue_sink(q, true), 20000};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	uint64_t got = 0;
	while (got < p.n) {
		struct tui_queue_span span;
		if (!tui_queue_acquire(q, &span))
			continue;
		const struct xs_exit_record *r;
		while ((r = tui_queue_span_next(&span))) {
			assert_int_equal(r->seq, got);
			assert_int_equal(!!(r->flags & XS_F_GUEST_STATE), got % 7 == 0);
			if (got % 7 == 0)
				assert_int_equal(r->gs.gpr[XS_RAX], got);
			got++;
		}
		tui_queue_release(q, &span);
	}
	pthread_join(t, NULL);
	assert_int_equal(p.sink->dropped, 0);
	xs_sink_close(p.sink);
	tui_queue_free(q);
}

/* Shutting the queue down frees a lossless producer stuck on a full ring. */
static void test_queue_shutdown_unblocks(void **state)
{
	(void)state;
	struct tui_queue *q = tui_queue_new(0);
	struct producer p = {tui_queue_sink(q, true), 100000};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	tui_queue_shutdown(q);
	pthread_join(t, NULL);
	assert_true(p.sink->dropped > 0);
	xs_sink_close(p.sink);
	tui_queue_free(q);
}

static void test_queue_meta(void **state)
{
	(void)state;
	struct tui_queue *q = tui_queue_new(0);
	struct xs_sink *s = tui_queue_sink(q, false);
	uint64_t g0 = tui_queue_meta_generation(q);
	xs_sink_meta(s, "run.kernel", "6.1.0");
	xs_sink_meta(s, "counter.dropped.ring", "5");
	xs_sink_meta(s, "counter.dropped.sink", "7");
	xs_sink_meta(s, "counter.dropped.ring", "6"); /* replaces */
	xs_sink_meta(s, "counter.dropped.bogus", "x");
	assert_true(tui_queue_meta_generation(q) > g0);
	char v[16];
	assert_true(tui_queue_meta_get(q, "run.kernel", v, sizeof(v)));
	assert_string_equal(v, "6.1.0");
	assert_false(tui_queue_meta_get(q, "run.none", v, sizeof(v)));
	assert_int_equal(tui_queue_meta_sum(q, "counter.dropped."), 13);
	xs_sink_close(s);
	tui_queue_free(q);
}

/* ---- model ---- */

static void test_model_ingest_matches_agg(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	struct xs_agg *reference = xs_agg_new();
	struct tui_queue *q = tui_queue_new(4 << 20);
	struct xs_sink *s = tui_queue_sink(q, false);
	for (uint64_t i = 0; i < 5000; i++) {
		struct xs_exit_record r = rec(1, (uint32_t)(i % 5 == 0 ? 12 : 30), 100 + (uint32_t)(i % 2),
					      (uint32_t)(i % 3), SEC + i * 1000, 100 + i % 50);
		r.seq = i;
		if (i % 100 == 0)
			r = with_state(r, i);
		xs_agg_add(reference, &r);
		xs_sink_write(s, &r, 1);
	}
	struct tui_queue_span span;
	size_t n = 0;
	while (tui_queue_acquire(q, &span)) {
		n += tui_model_ingest(&m, &span);
		tui_queue_release(q, &span);
	}
	assert_int_equal(n, 5000);
	assert_int_equal(tui_model_count(&m), 5000);
	struct xs_agg_row a, b;
	xs_agg_total(m.agg, NULL, &a);
	xs_agg_total(reference, NULL, &b);
	assert_int_equal(a.stats.count, b.stats.count);
	assert_int_equal(a.stats.lat_sum, b.stats.lat_sum);
	assert_int_equal(a.stats.lat_max, b.stats.lat_max);
	/* The latest ring holds the newest TUI_LATEST records, newest first, with their guest state. */
	assert_int_equal(tui_model_latest_count(&m), TUI_LATEST);
	assert_int_equal(tui_model_latest(&m, 0)->seq, 4999);
	assert_int_equal(tui_model_latest(&m, TUI_LATEST - 1)->seq, 5000 - TUI_LATEST);
	assert_null(tui_model_latest(&m, TUI_LATEST));
	const struct xs_exit_record *st = tui_model_latest(&m, 4999 - 4900);
	assert_int_equal(st->seq, 4900);
	assert_true(st->flags & XS_F_GUEST_STATE);
	assert_int_equal(st->gs.gpr[XS_RAX], 4900);
	assert_int_equal(tui_model_latest(&m, 0)->gs.valid, 0); /* a record without state has none */
	/* The newest record of each reason. */
	assert_int_equal(tui_model_newest_of(&m, 1, 12)->seq, 4995);
	assert_int_equal(tui_model_newest_of(&m, 1, 30)->seq, 4999);
	assert_null(tui_model_newest_of(&m, 2, 30));
	assert_int_equal(m.isa_seen, 1u << XS_ISA_VMX);
	xs_sink_close(s);
	tui_queue_free(q);
	xs_agg_free(reference);
	tui_model_free(&m);
}

/* A rare reason's newest exit is kept even when the latest ring long forgot it. */
static void test_model_rare_reason_kept(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	struct xs_exit_record r = rec(2, 0x7f, 1, 0, SEC, 0);
	r.seq = 1;
	tui_model_add(&m, &r);
	for (uint64_t i = 2; i < 5000; i++) {
		struct xs_exit_record o = rec(2, 0x7b, 1, 0, SEC + i, 0);
		o.seq = i;
		tui_model_add(&m, &o);
	}
	assert_int_equal(tui_model_newest_of(&m, 2, 0x7f)->seq, 1);
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	v.filter.agg.by_reason = true;
	v.filter.agg.isa = 2;
	v.filter.agg.reason = 0x7f;
	struct tui_frame f = {0};
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_int_equal(f.nlatest, 1);
	assert_int_equal(f.latest[0].seq, 1);
	tui_frame_free(&f);
	tui_model_free(&m);
}

/* A paused dashboard's clone does not move while the original keeps counting. */
static void test_model_clone_is_frozen(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	struct xs_exit_record r = rec(1, 30, 1, 0, SEC, 10);
	tui_model_add(&m, &r);
	struct tui_model *c = tui_model_clone(&m);
	for (int i = 0; i < 10; i++)
		tui_model_add(&m, &r);
	assert_int_equal(tui_model_count(c), 1);
	assert_int_equal(tui_model_count(&m), 11);
	assert_int_equal(tui_model_latest_count(c), 1);
	tui_model_free(c);
	free(c);
	tui_model_free(&m);
}

/* ---- frames ---- */

static struct tui_model *sample_model(void)
{
	static struct tui_model m;
	tui_model_init(&m);
	/* pid 10: vCPU 0 makes 50 IO (latency 1000) and 10 HLT (latency 50000); vCPU 1 makes 30 CPUID (latency 200).
	 * pid 20: vCPU 0 makes 5 IO (latency 3000). Spread over 3 seconds. */
	uint64_t t = 100 * SEC;
	for (int i = 0; i < 50; i++) {
		struct xs_exit_record r = rec(1, 30, 10, 0, t + (uint64_t)i * 50000000ull, 1000);
		tui_model_add(&m, &r);
	}
	for (int i = 0; i < 10; i++) {
		struct xs_exit_record r = rec(1, 12, 10, 0, t + (uint64_t)i * 250000000ull, 50000);
		tui_model_add(&m, &r);
	}
	for (int i = 0; i < 30; i++) {
		struct xs_exit_record r = rec(1, 10, 10, 1, t + (uint64_t)i * 90000000ull, 200);
		tui_model_add(&m, &r);
	}
	for (int i = 0; i < 5; i++) {
		struct xs_exit_record r = rec(1, 30, 20, 0, t + (uint64_t)i * 500000000ull, 3000);
		tui_model_add(&m, &r);
	}
	return &m;
}

static const char *vm_name(void *arg, uint32_t pid)
{
	(void)arg;
	return pid == 10 ? "web" : NULL;
}

static void test_frame_reasons_sorted(void **state)
{
	(void)state;
	struct tui_model *m = sample_model();
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_frame f = {0};
	tui_frame_build(&f, m, &v, vm_name, NULL);
	assert_int_equal(f.nrows, 3);
	assert_int_equal(f.total.stats.count, 95);
	assert_int_equal(f.received, 95);
	/* by count: IO 55, CPUID 30, HLT 10 */
	assert_reason(f.rows[0].agg.key.isa, f.rows[0].agg.key.reason, 30);
	assert_int_equal(f.rows[0].agg.stats.count, 55);
	assert_string_equal(f.rows[0].label, "vmx IO_INSTRUCTION");
	assert_reason(f.rows[1].agg.key.isa, f.rows[1].agg.key.reason, 10);
	assert_reason(f.rows[2].agg.key.isa, f.rows[2].agg.key.reason, 12);
	/* by mean latency: HLT, IO (1181.8), CPUID */
	v.sort = TUI_SORT_MEAN;
	tui_frame_sort(&f, &v);
	assert_reason(f.rows[0].agg.key.isa, f.rows[0].agg.key.reason, 12);
	assert_reason(f.rows[1].agg.key.isa, f.rows[1].agg.key.reason, 30);
	assert_reason(f.rows[2].agg.key.isa, f.rows[2].agg.key.reason, 10);
	v.reverse = true;
	tui_frame_sort(&f, &v);
	assert_reason(f.rows[0].agg.key.isa, f.rows[0].agg.key.reason, 10);
	/* by max: HLT 50000, IO 3000, CPUID 200 */
	v.reverse = false;
	v.sort = TUI_SORT_MAX;
	tui_frame_sort(&f, &v);
	assert_int_equal(f.rows[1].agg.stats.lat_max, 3000);
	/* by name: CPUID, HLT, IO_INSTRUCTION */
	v.sort = TUI_SORT_NAME;
	tui_frame_sort(&f, &v);
	assert_string_equal(f.rows[0].label, "vmx CPUID");
	assert_string_equal(f.rows[2].label, "vmx IO_INSTRUCTION");
	struct xs_agg_key k = {.isa = 1, .reason = 12};
	assert_int_equal(tui_frame_find(&f, &k), 1);
	k.reason = 99;
	assert_int_equal(tui_frame_find(&f, &k), -1);
	tui_frame_free(&f);
	tui_model_free(m);
}

static void test_frame_vcpus_and_filter(void **state)
{
	(void)state;
	struct tui_model *m = sample_model();
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	v.table = TUI_TABLE_VCPUS;
	struct tui_frame f = {0};
	tui_frame_build(&f, m, &v, vm_name, NULL);
	assert_int_equal(f.nrows, 3);
	assert_int_equal(f.rows[0].agg.key.pid, 10);
	assert_int_equal(f.rows[0].agg.key.vcpu, 0);
	assert_int_equal(f.rows[0].agg.stats.count, 60);
	assert_string_equal(f.rows[0].label, "10 web");
	assert_reason(f.rows[0].top_isa, f.rows[0].top_reason, 30);
	assert_int_equal(f.rows[0].top_count, 50);
	assert_int_equal(f.rows[1].agg.key.vcpu, 1);
	assert_reason(f.rows[1].top_isa, f.rows[1].top_reason, 10);
	assert_string_equal(f.rows[2].label, "20");

	/* Filter pid 10 and reason IO: the vCPU table keeps one row, the latest exits only IO of pid 10. */
	v.filter.agg.by_pid = true;
	v.filter.agg.pid = 10;
	v.filter.agg.by_reason = true;
	v.filter.agg.isa = 1;
	v.filter.agg.reason = 30;
	tui_frame_build(&f, m, &v, vm_name, NULL);
	assert_int_equal(f.nrows, 1);
	assert_int_equal(f.total.stats.count, 50);
	assert_int_equal(f.received, 95);
	assert_int_equal(f.nlatest, 50);
	for (size_t i = 0; i < f.nlatest; i++) {
		assert_int_equal(f.latest[i].pid, 10);
		assert_reason(f.latest[i].isa, f.latest[i].reason, 30);
		if (i)
			assert_true(f.latest[i].ts <= f.latest[i - 1].ts);
	}
	tui_frame_free(&f);
	tui_model_free(m);
}

/* Rates are per second of recorded time and fall to 0 when the clock moves on with no exits. */
static void test_frame_rates_age(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	for (uint64_t s = 0; s < 3; s++)
		for (int i = 0; i < 100; i++) {
			struct xs_exit_record r = rec(1, 30, 1, 0, (10 + s) * SEC + (uint64_t)i * 1000000ull, 0);
			tui_model_add(&m, &r);
		}
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_frame f = {0};
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_true(f.total.rate > 99.0 && f.total.rate < 101.0);
	assert_int_equal(f.rows[0].agg.per_sec[XS_AGG_SECONDS - 2], 100);
	xs_agg_advance(m.agg, 20 * SEC);
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_true(f.total.rate == 0.0);
	assert_int_equal(f.total.stats.count, 300);
	tui_frame_free(&f);
	tui_model_free(&m);
}

/* A vmx-backend record: ts and latency in emulated TSC ticks. */
static struct xs_exit_record tick_rec(uint64_t ts, uint64_t latency)
{
	struct xs_exit_record r = rec(XS_ISA_VMX, 10 /* CPUID */, 7, 0, ts, latency);
	r.flags |= XS_F_TS_TSC;
	return r;
}

/*
 * TSC-stamped records (the vmx backend under Bochs) are no clock: 400 exits within 2.8M ticks are not
 * "143k exits/s". Replayed (no wall clock), their rate is unknown and shown as "-"; their latencies are ticks.
 */
static void test_frame_tsc_ticks_replayed(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	for (uint64_t i = 0; i < 400; i++) {
		struct xs_exit_record r = tick_rec(5000000000ull + i * 7000, 2500);
		tui_model_add(&m, &r);
	}
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_frame f = {0};
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_int_equal(f.total.stats.count, 400);
	assert_int_equal(xs_stats_time_unit(&f.total.stats), XS_TIME_TICKS);
	assert_true(f.total.rate < 0);
	assert_true(f.rows[0].agg.rate < 0);
	for (unsigned int i = 0; i < XS_AGG_SECONDS; i++)
		assert_int_equal(f.rows[0].agg.per_sec[i], 0);
	char buf[32];
	tui_cell(&f, &f.rows[0], TUI_COL_RATE, false, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	tui_cell(&f, &f.rows[0], TUI_COL_MEAN, false, buf, sizeof(buf));
	assert_string_equal(buf, "2.50kt");
	tui_cell(&f, &f.rows[0], TUI_COL_MAX, false, buf, sizeof(buf));
	assert_string_equal(buf, "2.50kt");
	tui_frame_free(&f);
	tui_model_free(&m);
}

/* Live, TSC-stamped records count in the wall-clock second they arrived in (xs_agg_arrival). */
static void test_frame_tsc_ticks_live_rate(void **state)
{
	(void)state;
	struct tui_model m;
	tui_model_init(&m);
	uint64_t tick = 1;
	for (uint64_t s = 0; s < 3; s++) {
		xs_agg_arrival(m.agg, (100 + s) * SEC + SEC / 2);
		for (int i = 0; i < 50 + 20 * (int)s; i++) {
			/* ticks far apart: a tick clock would see these spread over many "seconds" */
			struct xs_exit_record r = tick_rec(tick, 900);
			tick += 3 * SEC;
			tui_model_add(&m, &r);
		}
	}
	xs_agg_arrival(m.agg, 103 * SEC);
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_frame f = {0};
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_int_equal(f.total.stats.count, 50 + 70 + 90);
	assert_true(f.total.rate > 89.0 && f.total.rate < 91.0); /* second 102: 90 exits */
	assert_int_equal(f.total.per_sec[XS_AGG_SECONDS - 3], 70);
	char buf[32];
	tui_cell(&f, &f.rows[0], TUI_COL_MEAN, false, buf, sizeof(buf));
	assert_string_equal(buf, "900t");
	/* ns records keep their own clock beside: the KVM backend and the collector are unchanged */
	struct xs_exit_record r = rec(XS_ISA_VMX, 30, 1, 0, 104 * SEC + 5, 1500);
	tui_model_add(&m, &r);
	tui_frame_build(&f, &m, &v, NULL, NULL);
	assert_int_equal(xs_stats_time_unit(&f.total.stats), XS_TIME_MIXED);
	long io = -1;
	for (size_t i = 0; i < f.nrows; i++)
		if (f.rows[i].agg.key.reason == 30)
			io = (long)i;
	assert_true(io >= 0);
	assert_int_equal(xs_stats_time_unit(&f.rows[io].agg.stats), XS_TIME_NS);
	tui_cell(&f, &f.rows[io], TUI_COL_MEAN, false, buf, sizeof(buf));
	assert_string_equal(buf, "1.50us");
	tui_frame_free(&f);
	tui_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_order_and_sizes),
		cmocka_unit_test(test_queue_full_drops_and_wraps),
		cmocka_unit_test(test_queue_lossless_waits),
		cmocka_unit_test(test_queue_shutdown_unblocks),
		cmocka_unit_test(test_queue_meta),
		cmocka_unit_test(test_model_ingest_matches_agg),
		cmocka_unit_test(test_model_rare_reason_kept),
		cmocka_unit_test(test_model_clone_is_frozen),
		cmocka_unit_test(test_frame_reasons_sorted),
		cmocka_unit_test(test_frame_vcpus_and_filter),
		cmocka_unit_test(test_frame_rates_age),
		cmocka_unit_test(test_frame_tsc_ticks_replayed),
		cmocka_unit_test(test_frame_tsc_ticks_live_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
