// SPDX-License-Identifier: MIT
/* Unit tests for common/rundiff: run comparison on constructed runs, and its statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rundiff.h"
#include "tests/helpers/prng.h"

#define KVM_IO 2
#define KVM_MMIO 6
#define KVM_HLT 5

/* A deterministic noise source, so the tests are repeatable. */
static struct xs_prng rng = {12345};
static uint64_t next_rand(void)
{
	return xs_prng_next(&rng);
}

static void add_exits(struct xs_rundiff_side *s, uint32_t reason, uint16_t port, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct xs_exit_record r = {.isa = XS_ISA_KVM, .reason = reason, .flags = XS_F_LATENCY};
		r.latency_ns = 1000 + next_rand() % 500;
		if (reason == KVM_IO) {
			r.detail_kind = XS_D_IO;
			r.detail.io.port = port;
		}
		xs_rundiff_side_add(s, &r);
	}
}

/* runs of 1000 iterations: ~2 IO per iteration on 0x3f8, ~1 MMIO, io_factor scales the IO exits */
static void make_side(struct xs_rundiff_side *s, size_t runs, double io_factor)
{
	xs_rundiff_side_init(s, "constructed");
	for (size_t i = 0; i < runs; i++) {
		assert_int_equal(xs_rundiff_side_begin_run(s, (int64_t)i + 1, 1000), 0);
		unsigned int noise_io = next_rand() % 41, noise_mmio = next_rand() % 21;
		add_exits(s, KVM_IO, 0x3f8, (unsigned int)((2000 + noise_io - 20) * io_factor));
		add_exits(s, KVM_MMIO, 0, 1000 + noise_mmio - 10);
	}
}

static const struct xs_rundiff_row *find_row(const struct xs_rundiff *d, enum xs_rundiff_dim dim, uint64_t k1,
					     uint64_t k2)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i].dim == dim && d->rows[i].k1 == k1 && d->rows[i].k2 == k2)
			return &d->rows[i];
	return NULL;
}

static void test_identical_runs_nothing_significant(void **state)
{
	(void)state;
	/* many pairs of noisy, identically distributed sides: at most the 5% a 95% interval allows */
	unsigned int flagged = 0, rows = 0;
	for (int trial = 0; trial < 40; trial++) {
		struct xs_rundiff_side a, b;
		make_side(&a, 5, 1.0);
		make_side(&b, 5, 1.0);
		struct xs_rundiff d;
		xs_rundiff_build(&a, &b, &d);
		assert_int_equal(d.nrows, 3); /* IO, MMIO, port 0x3f8 */
		assert_true(d.per_iteration);
		for (size_t i = 0; i < d.nrows; i++) {
			rows++;
			enum xs_rundiff_verdict v = d.rows[i].test.verdict;
			assert_true(v == XS_RDV_NOT_SIGNIFICANT || v == XS_RDV_MORE || v == XS_RDV_FEWER);
			assert_string_equal(d.rows[i].test.method, "welch");
			flagged += v != XS_RDV_NOT_SIGNIFICANT;
		}
		xs_rundiff_free(&d);
		xs_rundiff_side_free(&a);
		xs_rundiff_side_free(&b);
	}
	printf("identical sides: %u of %u rows flagged\n", flagged, rows);
	assert_true(flagged <= rows / 10);

	/* the same side against itself: exact zero difference, nothing significant */
	struct xs_rundiff_side a;
	make_side(&a, 4, 1.0);
	struct xs_rundiff d;
	xs_rundiff_build(&a, &a, &d);
	assert_int_equal(d.significant, 0);
	for (size_t i = 0; i < d.nrows; i++)
		assert_true(d.rows[i].test.delta == 0);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&a);
}

static void test_doubled_reason_flagged(void **state)
{
	(void)state;
	struct xs_rundiff_side a, b;
	make_side(&a, 5, 1.0);
	make_side(&b, 5, 2.0);
	struct xs_rundiff d;
	xs_rundiff_build(&a, &b, &d);
	const struct xs_rundiff_row *io = find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_IO);
	const struct xs_rundiff_row *port = find_row(&d, XS_RD_PORT, 0x3f8, 0);
	const struct xs_rundiff_row *mmio = find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_MMIO);
	assert_non_null(io);
	assert_non_null(port);
	assert_non_null(mmio);
	assert_int_equal(io->test.verdict, XS_RDV_MORE);
	assert_int_equal(port->test.verdict, XS_RDV_MORE);
	assert_true(io->test.mean_a > 1.9 && io->test.mean_a < 2.1);
	assert_true(io->test.mean_b > 3.9 && io->test.mean_b < 4.1);
	assert_true(io->test.ci_lo > 1.8 && io->test.ci_hi < 2.2);
	assert_int_not_equal(mmio->test.verdict, XS_RDV_MORE);
	assert_int_not_equal(mmio->test.verdict, XS_RDV_FEWER);
	assert_int_equal(d.total.test.verdict, XS_RDV_MORE);
	/* rows sorted by the size of the change within their dimension: IO first */
	assert_int_equal(d.rows[0].dim, XS_RD_REASON);
	assert_int_equal(d.rows[0].k2, KVM_IO);
	xs_rundiff_free(&d);
	/* the other way round: fewer */
	xs_rundiff_build(&b, &a, &d);
	assert_int_equal(find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_IO)->test.verdict, XS_RDV_FEWER);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&a);
	xs_rundiff_side_free(&b);
}

static void test_single_runs_cannot_tell(void **state)
{
	(void)state;
	struct xs_rundiff_side a, b;
	make_side(&a, 1, 1.0);
	make_side(&b, 1, 2.0);
	struct xs_rundiff d;
	xs_rundiff_build(&a, &b, &d);
	assert_int_equal(find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_IO)->test.verdict, XS_RDV_CANNOT_TELL);
	assert_true(isnan(find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_IO)->test.ci_lo));
	assert_int_equal(d.significant, 0);
	xs_rundiff_free(&d);
	/* one run each, equal counts: the same */
	xs_rundiff_build(&a, &a, &d);
	for (size_t i = 0; i < d.nrows; i++)
		assert_int_equal(d.rows[i].test.verdict, XS_RDV_SAME);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&a);
	xs_rundiff_side_free(&b);
}

static void test_new_and_gone_keys(void **state)
{
	(void)state;
	/* deterministic repeats (no spread): a reason that appears is exactly significant */
	struct xs_rundiff_side a, b;
	xs_rundiff_side_init(&a, "a");
	xs_rundiff_side_init(&b, "b");
	for (int i = 0; i < 3; i++) {
		xs_rundiff_side_begin_run(&a, i + 1, 100);
		add_exits(&a, KVM_IO, 0x80, 100);
		xs_rundiff_side_begin_run(&b, i + 4, 100);
		add_exits(&b, KVM_IO, 0x80, 100);
		add_exits(&b, KVM_HLT, 0, 50);
	}
	struct xs_rundiff d;
	xs_rundiff_build(&a, &b, &d);
	const struct xs_rundiff_row *hlt = find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_HLT);
	assert_non_null(hlt);
	assert_int_equal(hlt->count_a, 0);
	assert_int_equal(hlt->count_b, 150);
	assert_int_equal(hlt->test.verdict, XS_RDV_MORE);
	assert_string_equal(hlt->test.method, "exact");
	assert_true(hlt->test.mean_b == 0.5);
	assert_int_equal(find_row(&d, XS_RD_PORT, 0x80, 0)->test.verdict, XS_RDV_SAME);
	assert_int_equal(d.significant, 1); /* HLT (the total is not a row) */
	assert_int_equal(d.total.test.verdict, XS_RDV_MORE);
	xs_rundiff_free(&d);
	xs_rundiff_build(&b, &a, &d);
	hlt = find_row(&d, XS_RD_REASON, XS_ISA_KVM, KVM_HLT);
	assert_int_equal(hlt->count_b, 0);
	assert_int_equal(hlt->test.verdict, XS_RDV_FEWER);
	assert_int_equal(hlt->max_b, 0);
	assert_true(hlt->max_a >= 1000);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&a);
	xs_rundiff_side_free(&b);
}

static void test_keys_and_stats(void **state)
{
	(void)state;
	uint64_t k1, k2;
	struct xs_exit_record r = {.isa = XS_ISA_VMX, .reason = 28, .detail_kind = XS_D_CR};
	r.detail.cr.cr = 4;
	r.detail.cr.is_write = 1;
	assert_true(xs_rundiff_key(XS_RD_CR, &r, &k1, &k2));
	assert_true(k1 == 4 && k2 == 1);
	assert_false(xs_rundiff_key(XS_RD_PORT, &r, &k1, &k2));
	r = (struct xs_exit_record){.isa = XS_ISA_VMX, .reason = 0, .flags = XS_F_INTR_INFO, .intr_info = 0x80000b0e};
	assert_true(xs_rundiff_key(XS_RD_VECTOR, &r, &k1, &k2));
	assert_int_equal(k1, 14);
	r.intr_info = 0x0e; /* not valid */
	assert_false(xs_rundiff_key(XS_RD_VECTOR, &r, &k1, &k2));
	assert_true(fabs(xs_rundiff_t975(1) - 12.706) < 1e-9);
	assert_true(fabs(xs_rundiff_t975(4.7) - 2.776) < 1e-9);
	assert_true(fabs(xs_rundiff_t975(1e9) - 1.96) < 1e-9);
	/* prediction interval: 4 repeats around 10 against one run at 10.1 (inside) and at 20 (outside) */
	double a[] = {9.9, 10.1, 10.0, 10.0}, b1[] = {10.1}, b2[] = {20};
	struct xs_rundiff_test t;
	xs_rundiff_test(a, 4, b1, 1, &t);
	assert_string_equal(t.method, "prediction");
	assert_int_equal(t.verdict, XS_RDV_NOT_SIGNIFICANT);
	xs_rundiff_test(a, 4, b2, 1, &t);
	assert_int_equal(t.verdict, XS_RDV_MORE);
	/* no runs at all on a side */
	xs_rundiff_test(a, 4, b2, 0, &t);
	assert_int_equal(t.verdict, XS_RDV_CANNOT_TELL);
	/* more runs than a side holds are refused */
	struct xs_rundiff_side s;
	xs_rundiff_side_init(&s, "x");
	for (int i = 0; i < XS_RUNDIFF_MAX_RUNS; i++)
		assert_int_equal(xs_rundiff_side_begin_run(&s, i, 1), 0);
	assert_int_equal(xs_rundiff_side_begin_run(&s, 999, 1), -1);
	xs_rundiff_side_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_runs_nothing_significant),
		cmocka_unit_test(test_doubled_reason_flagged),
		cmocka_unit_test(test_single_runs_cannot_tell),
		cmocka_unit_test(test_new_and_gone_keys),
		cmocka_unit_test(test_keys_and_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
