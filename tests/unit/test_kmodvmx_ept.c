// SPDX-License-Identifier: MIT
/* kmod-vmx core: building and walking extended page tables against a fake platform. */
#include "kmodvmx_fake.h"

#include "kmod-vmx/core/ept.h"

struct env {
	struct fake_platform f;
	struct kvmx_platform p;
	struct kvmx_caps caps;
	struct kvmx_ept e;
	struct kvmx_err err;
};

static struct env *setup(const char *model)
{
	struct env *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	fake_init(&v->f, &v->p, model_named(model));
	assert_int_equal(kvmx_caps_read(&v->p, &v->caps, &v->err), 0);
	assert_int_equal(kvmx_ept_init(&v->e, &v->p, &v->caps, &v->err), 0);
	return v;
}

static void teardown(struct env *v)
{
	kvmx_ept_destroy(&v->e);
	assert_int_equal(v->f.live_pages, 0); /* every table page went back */
	fake_release(&v->f);
	free(v);
}

static void expect(struct env *v, uint64_t gpa, uint64_t hpa, uint64_t perms)
{
	uint64_t got_hpa = 0, got_perms = 0;

	if (!kvmx_ept_translate(&v->e, gpa, &got_hpa, &got_perms))
		fail_msg("gpa 0x%llx not mapped", (unsigned long long)gpa);
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_perms, perms);
}

static void test_large_pages_and_walk(void **state)
{
	(void)state;
	struct env *v = setup("corei7_haswell_4770");

	assert_true(v->e.large_2m);
	assert_int_equal(kvmx_ept_map(&v->e, 0, 0x10000000, 32ull << 20, EPT_RWX, EPT_MT_WB, &v->err), 0);
	/* PML4 + PDPT + PD: 16 x 2 MiB leaves need no page tables. */
	assert_int_equal(v->e.pages, 3);
	expect(v, 0, 0x10000000, EPT_RWX);
	expect(v, 0x1234567, 0x11234567, EPT_RWX);
	uint64_t hpa, perms;
	assert_false(kvmx_ept_translate(&v->e, 32ull << 20, &hpa, &perms));
	/* The EPT pointer: PML4 address, 4-level walk (3 << 3), write-back (6). */
	assert_int_equal(kvmx_ept_pointer(&v->e), v->e.pml4_phys | 0x1e);
	teardown(v);
}

static void test_split_and_remap(void **state)
{
	(void)state;
	struct env *v = setup("corei7_haswell_4770");

	assert_int_equal(kvmx_ept_map(&v->e, 0, 0, 4ull << 20, EPT_RWX, EPT_MT_WB, &v->err), 0);
	/* Read-only 4 KiB inside the first 2 MiB leaf: split into a page table, neighbours keep RWX. */
	assert_int_equal(kvmx_ept_map(&v->e, 0x5000, 0x5000, 0x1000, EPT_R, EPT_MT_WB, &v->err), 0);
	assert_int_equal(v->e.pages, 4);
	expect(v, 0x5123, 0x5123, EPT_R);
	expect(v, 0x4fff, 0x4fff, EPT_RWX);
	expect(v, 0x6000, 0x6000, EPT_RWX);
	expect(v, 0x200000, 0x200000, EPT_RWX);
	/* Unmap one page. */
	assert_int_equal(kvmx_ept_map(&v->e, 0x6000, 0, 0x1000, 0, EPT_MT_WB, &v->err), 0);
	uint64_t hpa, perms;
	assert_false(kvmx_ept_translate(&v->e, 0x6000, &hpa, &perms));
	/* A 2 MiB mapping over the split range rewrites the table's leaves instead of leaking it. */
	assert_int_equal(kvmx_ept_map(&v->e, 0, 0x40000000, 2ull << 20, EPT_R | EPT_X, EPT_MT_UC, &v->err), 0);
	expect(v, 0x6000, 0x40006000, EPT_R | EPT_X);
	teardown(v);
}

static void test_no_large_pages(void **state)
{
	(void)state;
	struct env *v = setup("corei7_haswell_4770");

	kvmx_ept_destroy(&v->e);
	v->caps.ept_vpid &= ~EPT_CAP_2M;
	assert_int_equal(kvmx_ept_init(&v->e, &v->p, &v->caps, &v->err), 0);
	assert_false(v->e.large_2m);
	assert_int_equal(kvmx_ept_map(&v->e, 0, 0, 2ull << 20, EPT_RWX, EPT_MT_WB, &v->err), 0);
	assert_int_equal(v->e.pages, 4); /* PML4, PDPT, PD, one page table */
	expect(v, 0x1ff000, 0x1ff000, EPT_RWX);
	teardown(v);
}

static void test_refusals(void **state)
{
	(void)state;
	struct env *v = setup("corei7_haswell_4770");

	assert_int_equal(kvmx_ept_map(&v->e, 0x1000, 0x1000, 0x1000, EPT_W, EPT_MT_WB, &v->err), -1);
	assert_non_null(strstr(v->err.msg, "misconfiguration"));
	assert_int_equal(kvmx_ept_map(&v->e, 0x1001, 0x1000, 0x1000, EPT_R, EPT_MT_WB, &v->err), -1);
	assert_non_null(strstr(v->err.msg, "not 4 KiB aligned"));
	assert_int_equal(kvmx_ept_map(&v->e, 0, 0, 0x1000, EPT_R, 1, &v->err), -1);
	assert_non_null(strstr(v->err.msg, "memory type"));
	assert_int_equal(kvmx_ept_map(&v->e, 1ull << 48, 0, 0x1000, EPT_R, EPT_MT_WB, &v->err), -1);
	assert_non_null(strstr(v->err.msg, "48-bit"));
	/* Out of memory is an error, not a crash. */
	v->f.alloc_limit = v->f.live_pages;
	assert_int_equal(kvmx_ept_map(&v->e, 0x80000000, 0, 0x1000, EPT_R, EPT_MT_WB, &v->err), -1);
	assert_non_null(strstr(v->err.msg, "out of memory"));
	v->f.alloc_limit = 0;
	/* A model without EPT capabilities cannot build one. */
	struct env w;
	fake_init(&w.f, &w.p, model_named("core2_penryn_t9600"));
	assert_int_equal(kvmx_caps_read(&w.p, &w.caps, &w.err), 0);
	assert_int_equal(kvmx_ept_init(&w.e, &w.p, &w.caps, &w.err), -1);
	fake_release(&w.f);
	teardown(v);
}

static void test_raw_leaf(void **state)
{
	(void)state;
	struct env *v = setup("corei7_haswell_4770");

	assert_int_equal(kvmx_ept_set_raw_leaf(&v->e, 0x3001000, 0x3001000 | EPT_W, &v->err), 0);
	uint64_t hpa, perms;
	assert_true(kvmx_ept_translate(&v->e, 0x3001000, &hpa, &perms));
	assert_int_equal(perms, EPT_W);
	teardown(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_pages_and_walk),
		cmocka_unit_test(test_split_and_remap),
		cmocka_unit_test(test_no_large_pages),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_raw_leaf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
