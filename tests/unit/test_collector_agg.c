// SPDX-License-Identifier: MIT
/*
 * Unit tests for aggregation mode's user-space side (collector/agg_read.h): summing a cell's per-CPU parts
 * (including a part wrapped below zero by a count that moved to another cell), the change between two reads,
 * the log2 buckets the BPF program uses, the aggregator's form of a cell, and key decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "collector/agg_read.h"
#include "common/agg.h"

static void test_lat_bucket_bounds(void **state)
{
	(void)state;
	assert_int_equal(xs_agg_lat_bucket(0), 0);
	assert_int_equal(xs_agg_lat_bucket(1), 1);
	assert_int_equal(xs_agg_lat_bucket(2), 2);
	assert_int_equal(xs_agg_lat_bucket(3), 2);
	assert_int_equal(xs_agg_lat_bucket(4), 3);
	assert_int_equal(xs_agg_lat_bucket(1023), 10);
	assert_int_equal(xs_agg_lat_bucket(1024), 11);
	assert_int_equal(xs_agg_lat_bucket(UINT64_MAX), XS_AGG_LAT_BUCKETS - 1);
	for (unsigned int b = 0; b + 1 < XS_AGG_LAT_BUCKETS; b++) {
		assert_int_equal(xs_agg_lat_bucket(xs_agg_lat_bucket_low(b)), b);
		assert_int_equal(xs_agg_lat_bucket(xs_agg_lat_bucket_high(b)), b);
		assert_int_equal(xs_agg_lat_bucket_high(b) + 1, xs_agg_lat_bucket_low(b + 1));
	}
	assert_true(xs_agg_lat_bucket_high(XS_AGG_LAT_BUCKETS - 1) == UINT64_MAX);
}

static void test_per_cpu_sum(void **state)
{
	(void)state;
	struct xs_agg_map_val per[3];
	memset(per, 0, sizeof(per));
	per[0].count = 5;
	per[0].lat_count = 2;
	per[0].lat_sum = 300;
	per[0].lat_max = 200;
	per[0].hist[7] = 1;
	per[0].hist[8] = 1;
	/* CPU 1 took one exit away from this cell (it moved to its port's cell) without ever adding one */
	per[1].count = (uint64_t)-1;
	per[2].count = 3;
	per[2].lat_count = 1;
	per[2].lat_sum = 1000;
	per[2].lat_max = 1000;
	per[2].hist[10] = 1;
	struct xs_agg_map_val sum;
	xs_agg_val_sum(per, 3, &sum);
	assert_int_equal(sum.count, 7);
	assert_int_equal(sum.lat_count, 3);
	assert_int_equal(sum.lat_sum, 1300);
	assert_int_equal(sum.lat_max, 1000);
	assert_int_equal(sum.hist[7], 1);
	assert_int_equal(sum.hist[8], 1);
	assert_int_equal(sum.hist[10], 1);
}

static void test_delta_between_reads(void **state)
{
	(void)state;
	struct xs_agg_map_val before = {.count = 10, .lat_count = 8, .lat_sum = 800, .lat_max = 150};
	struct xs_agg_map_val now = {.count = 25, .lat_count = 20, .lat_sum = 2000, .lat_max = 400};
	before.hist[7] = 8;
	now.hist[7] = 15;
	now.hist[9] = 5;
	struct xs_agg_map_val d;
	xs_agg_val_delta(&now, &before, &d);
	assert_int_equal(d.count, 15);
	assert_int_equal(d.lat_count, 12);
	assert_int_equal(d.lat_sum, 1200);
	assert_int_equal(d.lat_max, 400);
	assert_int_equal(d.hist[7], 7);
	assert_int_equal(d.hist[9], 5);
	assert_int_equal(d.hist[8], 0);
}

/* A cell in the aggregator's form gives back the same log2 histogram, mean and max; records agree with it. */
static void test_stats_round_trip(void **state)
{
	(void)state;
	static const uint64_t lats[] = {0, 1, 7, 8, 100, 127, 128, 5000, 65535, 65536, 1000000};
	struct xs_agg_map_val v = {0};
	struct xs_stats from_records = {0};
	for (size_t i = 0; i < sizeof(lats) / sizeof(lats[0]); i++) {
		v.count++;
		v.lat_count++;
		v.lat_sum += lats[i];
		if (lats[i] > v.lat_max)
			v.lat_max = lats[i];
		v.hist[xs_agg_lat_bucket(lats[i])]++;
		struct xs_exit_record r = {.flags = XS_F_LATENCY, .latency_ns = lats[i], .ts = 1000 + i};
		xs_stats_add(&from_records, &r);
	}
	struct xs_stats s;
	xs_agg_val_to_stats(&v, &s);
	assert_int_equal(s.count, v.count);
	assert_int_equal(s.lat_count, v.lat_count);
	assert_int_equal(s.lat_sum, v.lat_sum);
	assert_int_equal(s.lat_max, 1000000);
	assert_int_equal(s.lat_min, 0);
	uint64_t h1[XS_AGG_LAT_BUCKETS], h2[XS_AGG_LAT_BUCKETS];
	xs_stats_log2_hist(&s, h1);
	xs_stats_log2_hist(&from_records, h2);
	assert_memory_equal(h1, v.hist, sizeof(h1));
	assert_memory_equal(h1, h2, sizeof(h1)); /* the per-exit path's histogram in the same buckets */
	assert_true(xs_stats_lat_mean(&s) == xs_stats_lat_mean(&from_records));
}

static void test_key_decode(void **state)
{
	(void)state;
	struct xs_agg_map_key k = {.pid = 42, .vcpu = 1, .reason = 123, .isa = XS_ISA_SVM};
	struct xs_agg_key ak;
	char buf[64];
	xs_agg_key_of(&k, &ak);
	assert_int_equal(ak.pid, 42);
	assert_int_equal(ak.vcpu, 1);
	assert_int_equal(ak.reason, 123);
	assert_int_equal(ak.isa, XS_ISA_SVM);
	assert_string_equal(xs_agg_detail_text(&k, buf, sizeof(buf)), "");
	k.detail_kind = XS_AGG_D_PORT;
	k.detail = 0x3f8;
	assert_string_equal(xs_agg_detail_text(&k, buf, sizeof(buf)), "port 0x3f8");
	k.detail_kind = XS_AGG_D_MSR;
	k.detail = 0xc0000080;
	assert_string_equal(xs_agg_detail_text(&k, buf, sizeof(buf)), "msr 0xc0000080");
}

/* Deltas added at two refreshes: counts and latencies add up, rates land in the refresh's second. */
static void test_agg_add_stats(void **state)
{
	(void)state;
	struct xs_agg *a = xs_agg_new();
	struct xs_agg_key k = {.pid = 7, .vcpu = 0, .reason = 1, .isa = XS_ISA_HOST_EVENT};
	struct xs_agg_map_val v = {.count = 100};
	struct xs_stats s;
	xs_agg_val_to_stats(&v, &s);
	xs_agg_add_stats(a, &k, &s, 5000000000ull);
	struct xs_agg_map_val w = {.count = 0, .lat_count = 2, .lat_sum = 300, .lat_max = 200};
	w.hist[8] = 2; /* latencies of exits counted at the last read */
	xs_agg_val_to_stats(&w, &s);
	xs_agg_add_stats(a, &k, &s, 6000000000ull);
	v.count = 50;
	xs_agg_val_to_stats(&v, &s);
	xs_agg_add_stats(a, &k, &s, 6500000000ull);
	struct xs_agg_row row;
	xs_agg_total(a, NULL, &row);
	assert_int_equal(row.stats.count, 150);
	assert_int_equal(row.stats.lat_count, 2);
	assert_int_equal(row.stats.lat_sum, 300);
	assert_int_equal(xs_agg_count(a), 150);
	assert_int_equal(row.per_sec[XS_AGG_SECONDS - 1], 50);
	assert_int_equal(row.per_sec[XS_AGG_SECONDS - 2], 100);
	xs_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lat_bucket_bounds),   cmocka_unit_test(test_per_cpu_sum),
		cmocka_unit_test(test_delta_between_reads), cmocka_unit_test(test_stats_round_trip),
		cmocka_unit_test(test_key_decode),	    cmocka_unit_test(test_agg_add_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
