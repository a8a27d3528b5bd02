// SPDX-License-Identifier: MIT
/* kmod-vmx core: the exit-record ring (single producer, single consumer, drop counter, damage checks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kmod-vmx/core/ring.h"
#include "tests/helpers/records.h"

static struct xs_exit_record rec(uint64_t seq, bool full)
{
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 0);
	if (full)
		xs_test_set_guest_state(&r, 0);
	r.seq = seq;
	r.gs.rip = full ? 0x1000 + seq : 0;
	return r;
}

static void *ring_mem(size_t bytes)
{
	void *m = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
	assert_non_null(m);
	memset(m, 0xa5, bytes); /* init must not rely on zeroed memory */
	return m;
}

static void test_layout_and_init(void **state)
{
	(void)state;
	struct kvmx_err err;
	size_t bytes = kvmx_ring_bytes(8) + 100;
	void *m = ring_mem(bytes);
	struct kvmx_ring_header *r = kvmx_ring_init(m, bytes, &err);

	assert_non_null(r);
	assert_int_equal(r->nslots, 8);
	assert_int_equal(r->magic, KVMX_RING_MAGIC);
	assert_int_equal(r->head, 0);
	assert_int_equal(r->dropped, 0);
	assert_int_equal(kvmx_ring_pending(r), 0);
	assert_null(kvmx_ring_init(m, kvmx_ring_bytes(1), &err));
	assert_non_null(strstr(err.msg, "fewer than 2"));
	free(m);
}

static void test_fifo_and_drops(void **state)
{
	(void)state;
	struct kvmx_err err;
	size_t bytes = kvmx_ring_bytes(4);
	void *m = ring_mem(bytes);
	struct kvmx_ring_header *r = kvmx_ring_init(m, bytes, &err);
	struct xs_exit_record out;
	uint64_t bad = 0;

	for (uint64_t i = 0; i < 6; i++) {
		struct xs_exit_record x = rec(i, i % 2 == 0);
		assert_int_equal(kvmx_ring_push(r, &x), i < 4);
	}
	assert_int_equal(r->dropped, 2);
	assert_int_equal(kvmx_ring_pending(r), 4);
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), 1);
		assert_int_equal(out.seq, i);
		assert_int_equal(out.gs.rip, i % 2 == 0 ? 0x1000 + i : 0); /* core records come back without gs */
	}
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), 0);
	/* Wrap-around keeps order. */
	for (uint64_t i = 10; i < 13; i++) {
		struct xs_exit_record x = rec(i, true);
		assert_true(kvmx_ring_push(r, &x));
		assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), 1);
		assert_int_equal(out.seq, i);
	}
	assert_int_equal(bad, 0);
	free(m);
}

static void test_consumer_checks(void **state)
{
	(void)state;
	struct kvmx_err err;
	size_t bytes = kvmx_ring_bytes(4);
	void *m = ring_mem(bytes);
	struct kvmx_ring_header *r = kvmx_ring_init(m, bytes, &err);
	struct xs_exit_record out, x = rec(1, false);
	uint64_t bad = 0;

	/* A malformed record is skipped and counted. */
	x.size = 100;
	assert_true(kvmx_ring_push(r, &x));
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), -2);
	assert_int_equal(bad, 1);
	/* A head too far ahead is damage: nothing is consumed. */
	r->head = r->tail + 5;
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), -1);
	assert_non_null(strstr(err.msg, "ahead of tail"));
	r->head = r->tail;
	/* More slots than the memory holds. */
	r->nslots = 8;
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), -1);
	r->nslots = 3;
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), -1);
	r->nslots = 4;
	r->magic = 0;
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, &bad, &err), -1);
	assert_int_equal(kvmx_ring_pop(r, 100, &out, &bad, &err), -1);
	free(m);
}

/*
 * The Linux module maps the header writable into user space: whatever a consumer writes over nslots, head,
 * dropped or tail, the producer's own copy keeps every write inside the slots and counts what it drops.
 */
static void test_producer_ignores_scribbled_header(void **state)
{
	(void)state;
	struct kvmx_err err;
	size_t bytes = kvmx_ring_bytes(4);
	uint8_t *m = ring_mem(bytes + 4096);
	struct kvmx_ring_header *r = kvmx_ring_init(m, bytes, &err);
	struct kvmx_ring_producer p;
	struct xs_exit_record x = rec(0, true), out;

	assert_non_null(r);
	memset(m + bytes, 0x5a, 4096); /* a guard area past the slots */
	kvmx_ring_producer_init(&p, r);
	r->nslots = 0x7fffffff;
	r->head = 1000000;
	r->dropped = 0;
	assert_true(kvmx_ring_produce(&p, &x)); /* slot 0 of 4, head 1 again */
	assert_int_equal(r->head, 1);
	r->tail = 12345; /* ahead of head: the difference wraps: dropped, not written */
	assert_false(kvmx_ring_produce(&p, &x));
	assert_int_equal(r->dropped, 1);
	r->tail = 0;
	for (int i = 0; i < 3; i++)
		assert_true(kvmx_ring_produce(&p, &x));
	assert_false(kvmx_ring_produce(&p, &x)); /* four unconsumed: full */
	assert_int_equal(p.dropped, 2);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(m[bytes + i], 0x5a);
	r->nslots = 4;
	assert_int_equal(kvmx_ring_pop(r, bytes, &out, NULL, &err), 1);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_init),
		cmocka_unit_test(test_fifo_and_drops),
		cmocka_unit_test(test_consumer_checks),
		cmocka_unit_test(test_producer_ignores_scribbled_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
