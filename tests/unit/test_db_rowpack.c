// SPDX-License-Identifier: MIT
/* Unit tests for db/rowpack.c (record <-> shape + row + extras) and the stored latency histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/agg.h"
#include "db/aggstore.h"
#include "db/rowpack.h"
#include "decoder/detail_fields.h"
#include "tests/helpers/records.h"
#include "tests/helpers/prng.h"

static struct xs_prng rng = {0x243f6a8885a308d3ull};
static uint64_t rnd(void)
{
	return xs_prng_next(&rng);
}

/* A record with every field the detail kind allows set to random values, flags on or off at random. */
static void random_record(struct xs_exit_record *r, unsigned int kind, bool tidy)
{
	memset(r, 0, sizeof(*r));
	r->version = XS_RECORD_VERSION;
	r->isa = (uint8_t)(1 + rnd() % 4);
	r->source = (uint8_t)(rnd() % XS_SRC_COUNT);
	r->flags = (uint16_t)(rnd() & 0xfffe); /* no guest state: rowpack does not carry it */
	r->reason = (uint32_t)rnd();
	r->cpu = (uint32_t)rnd();
	r->intr_info = (uint32_t)rnd();
	r->qualification = rnd();
	r->info2 = rnd();
	r->error_code = (uint32_t)rnd();
	r->insn_len = (uint32_t)rnd();
	r->insn_info = (uint32_t)rnd();
	r->idt_vectoring_info = (uint32_t)rnd();
	r->idt_vectoring_error = (uint32_t)rnd();
	/* Fields whose flag is clear are zero (docs/record-format.md): only those with flags carry values. */
	r->guest_rip = (r->flags & XS_F_RIP) ? rnd() : 0;
	r->guest_phys = (r->flags & XS_F_GUEST_PHYS) ? rnd() : 0;
	r->guest_linear = (r->flags & XS_F_GUEST_LINEAR) ? rnd() : 0;
	r->latency_ns = (r->flags & XS_F_LATENCY) ? rnd() : 0;
	if (r->flags & XS_F_RUN_TIMES) {
		r->run_ns = rnd();
		r->handler_ns = rnd();
	}
	r->detail_kind = (uint8_t)kind;
	if (tidy) {
		/* What producers write: the union's members, reserved bytes zero. */
		struct xs_detail_parts p = {true, true, true, true, rnd(), rnd(), rnd(), rnd()};
		xs_detail_join(kind, &p, &r->detail);
	} else {
		for (size_t i = 0; i < sizeof(r->detail); i++)
			r->detail.raw[i] = (uint8_t)rnd();
	}
	r->size = (uint16_t)xs_record_wire_size(r);
}

static void check_round_trip(const struct xs_exit_record *r, bool inline_qual)
{
	struct xs_shape shape;
	struct xs_row row;
	struct xs_row_extra extra;
	struct xs_exit_record back;
	xs_row_pack(r, inline_qual, &shape, &row, &extra);
	xs_row_unpack(&shape, &row, &extra, &back);
	/* The segment carries these. */
	back.vcpu = r->vcpu;
	back.pid = r->pid;
	back.tid = r->tid;
	back.ts = r->ts;
	back.seq = r->seq;
	assert_memory_equal(&back, r, XS_RECORD_CORE_SIZE);
	assert_int_equal(shape.flags & XS_ROW_IMPLIED_FLAGS, 0);
	if (inline_qual)
		assert_int_equal(shape.has & XS_SHAPE_QUAL, 0);
}

static void test_round_trip_every_kind(void **state)
{
	(void)state;
	for (unsigned int kind = 0; kind < XS_D_COUNT; kind++) {
		for (int i = 0; i < 2000; i++) {
			struct xs_exit_record r;
			random_record(&r, kind, i % 2 == 0);
			check_round_trip(&r, i % 3 == 0);
		}
	}
}

static void test_tidy_details_need_no_blob(void **state)
{
	(void)state;
	/* Kinds whose members all fit key/attr/value/address never cost a blob. */
	static const unsigned int exact[] = {XS_D_NONE,	 XS_D_IO,    XS_D_MMIO,	     XS_D_MSR,	      XS_D_CR,
					     XS_D_CPUID, XS_D_DEBUG, XS_D_EXCEPTION, XS_D_PAGE_FAULT, XS_D_FAIL_ENTRY};
	for (size_t k = 0; k < sizeof(exact) / sizeof(exact[0]); k++) {
		struct xs_exit_record r;
		random_record(&r, exact[k], true);
		struct xs_shape shape;
		struct xs_row row;
		struct xs_row_extra extra;
		xs_row_pack(&r, false, &shape, &row, &extra);
		assert_int_equal(extra.blob_len, 0);
	}
	/* A hypercall's arguments only fit the blob; so do bytes in reserved fields. */
	struct xs_exit_record r;
	random_record(&r, XS_D_HYPERCALL, true);
	r.detail.hypercall.args[2] = 7;
	struct xs_shape shape;
	struct xs_row row;
	struct xs_row_extra extra;
	xs_row_pack(&r, false, &shape, &row, &extra);
	assert_true(extra.blob_len > 0);
	random_record(&r, XS_D_IO, true);
	r.detail.io.reserved[5] = 1;
	xs_row_pack(&r, false, &shape, &row, &extra);
	/* The blob keeps the union up to its last non-zero byte. */
	assert_int_equal(extra.blob_len, offsetof(struct xs_detail_io, reserved) + 6);
}

static void test_io_parts(void **state)
{
	(void)state;
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 30);
	r.flags = XS_F_LATENCY | XS_F_RIP | XS_F_USERSPACE;
	r.latency_ns = 4000;
	r.guest_rip = 0xffffffff81000010ull;
	r.qualification = 0x3f80000;
	r.detail_kind = XS_D_IO;
	r.detail.io.port = 0x3f8;
	r.detail.io.size = 1;
	r.detail.io.direction = XS_IO_OUT;
	r.detail.io.count = 1;
	r.detail.io.value = 0x41;
	struct xs_shape shape;
	struct xs_row row;
	struct xs_row_extra extra;
	xs_row_pack(&r, false, &shape, &row, &extra);
	assert_int_equal(shape.detail_key, 0x3f8);
	assert_int_equal(shape.detail_attr, 1 | (1ull << 32));
	assert_int_equal(shape.flags, XS_F_USERSPACE);
	assert_int_equal(shape.qual, 0x3f80000);
	assert_int_equal(row.val, 0x41);
	assert_true(row.has & XS_ROW_VAL);
	assert_false(row.has & XS_ROW_ADDR);
	assert_false(row.has & XS_ROW_QUAL);
	assert_int_equal(row.lat, 4000);
	/* Two exits that differ only in per-exit values share a shape. */
	struct xs_shape shape2;
	r.latency_ns = 9;
	r.guest_rip = 5;
	r.detail.io.value = 0x42;
	xs_row_pack(&r, false, &shape2, &row, &extra);
	assert_memory_equal(&shape, &shape2, sizeof(shape));
	assert_true(xs_shape_hash(&shape) == xs_shape_hash(&shape2));
}

static void test_flag_clear_drops_stray_values(void **state)
{
	(void)state;
	/* A value whose flag is clear is "not known": it is not stored and comes back as zero. */
	struct xs_exit_record back, r = xs_test_record(XS_ISA_SVM, 0);
	r.latency_ns = 123;
	r.guest_rip = 456;
	struct xs_shape shape;
	struct xs_row row;
	struct xs_row_extra extra;
	xs_row_pack(&r, false, &shape, &row, &extra);
	assert_false(row.has & (XS_ROW_LAT | XS_ROW_RIP));
	xs_row_unpack(&shape, &row, &extra, &back);
	assert_int_equal(back.latency_ns, 0);
	assert_int_equal(back.guest_rip, 0);
}

static void test_histogram_blob(void **state)
{
	(void)state;
	struct xs_stats s, back;
	memset(&s, 0, sizeof(s));
	struct xs_exit_record r;
	memset(&r, 0, sizeof(r));
	r.flags = XS_F_LATENCY;
	for (int i = 0; i < 10000; i++) {
		r.latency_ns = rnd() % (i % 7 ? 100000 : 1ull << 50);
		xs_stats_add(&s, &r);
	}
	uint8_t blob[XS_HIST_BLOB_MAX];
	size_t n = xs_hist_encode(&s, blob, sizeof(blob));
	assert_true(n > 0 && n < sizeof(blob));
	memset(&back, 0, sizeof(back));
	assert_true(xs_hist_decode(blob, n, &back));
	assert_memory_equal(back.lat_hist, s.lat_hist, sizeof(s.lat_hist));
	/* Damage: a cut varint, a bucket past the end. */
	assert_false(xs_hist_decode(blob, n - 1, &back));
	uint8_t bad[] = {0xff, 0x7f, 1}; /* gap 16383 */
	assert_false(xs_hist_decode(bad, sizeof(bad), &back));
	uint8_t cut[] = {3, 0x80};
	assert_false(xs_hist_decode(cut, sizeof(cut), &back));
	assert_true(xs_hist_decode(NULL, 0, &back));
}

static void test_dimension_keys(void **state)
{
	(void)state;
	struct xs_exit_record r;
	memset(&r, 0, sizeof(r));
	uint64_t k1, k2;
	r.detail_kind = XS_D_MMIO;
	r.detail.mmio.gpa = 0xfee000b0;
	r.flags = XS_F_GUEST_PHYS;
	r.guest_phys = 0x1000;
	assert_true(xs_dim_key(XS_DIM_GPA, &r, &k1, &k2));
	assert_int_equal(k1, 0xfee000b0); /* the MMIO detail's address wins */
	assert_false(xs_dim_key(XS_DIM_PORT, &r, &k1, &k2));
	r.detail_kind = XS_D_NONE;
	assert_true(xs_dim_key(XS_DIM_GPA, &r, &k1, &k2));
	assert_int_equal(k1, 0x1000);
	r.flags = 0;
	assert_false(xs_dim_key(XS_DIM_GPA, &r, &k1, &k2));
	enum xs_agg_dim d;
	assert_true(xs_dim_from_name("msr", &d));
	assert_int_equal(d, XS_DIM_MSR);
	assert_false(xs_dim_from_name("ports", &d));
}

/*
 * Driven by the decoder's detail table: every scalar field of every kind survives split + join with all its
 * bits set to a random pattern, and each kind has a row in the table. The arrays (hypercall arguments, the
 * internal / system-event data, the emulated instruction bytes) live in the row's blob, not in its parts.
 */
static void test_detail_table_round_trip(void **state)
{
	(void)state;
	bool seen[XS_D_COUNT] = {false};
	for (unsigned int i = 0; i < xs_detail_nfields; i++) {
		const struct xs_detail_field *f = &xs_detail_fields[i];
		assert_true(f->kind > XS_D_NONE && f->kind < XS_D_COUNT);
		assert_true((size_t)f->offset + (size_t)f->width * f->count <= sizeof(union xs_detail));
		seen[f->kind] = true;
		if (f->count != 1)
			continue;
		for (int round = 0; round < 64; round++) {
			union xs_detail d, back;
			memset(&d, 0, sizeof(d));
			uint64_t v = rnd(), mask = f->width == 8 ? ~0ull : (1ull << (8 * f->width)) - 1;
			xs_detail_set(&d, f, 0, v);
			struct xs_detail_parts p;
			xs_detail_split(f->kind, &d, &p);
			xs_detail_join(f->kind, &p, &back);
			if (xs_detail_get(&back, f, 0) != (v & mask))
				fail_msg("detail kind %u field %s: 0x%llx came back as 0x%llx", f->kind, f->name,
					 (unsigned long long)(v & mask),
					 (unsigned long long)xs_detail_get(&back, f, 0));
		}
	}
	for (unsigned int k = XS_D_NONE + 1; k < XS_D_COUNT; k++)
		if (!seen[k])
			fail_msg("detail kind %u has no fields in decoder/detail_fields.c", k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_kind),
		cmocka_unit_test(test_detail_table_round_trip),
		cmocka_unit_test(test_tidy_details_need_no_blob),
		cmocka_unit_test(test_io_parts),
		cmocka_unit_test(test_flag_clear_drops_stray_values),
		cmocka_unit_test(test_histogram_blob),
		cmocka_unit_test(test_dimension_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
