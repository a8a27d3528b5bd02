// SPDX-License-Identifier: MIT
/* The reason tables' own invariants: order, density, unique well-formed names, name <-> code round trips. */
#include <ctype.h>

#include "decoder/detail_fields.h"
#include "decoder/strings.h"
#include "tests/helpers/assert_reason.h"
#include "tests/unit/decoder_test_util.h"

static void check_table(unsigned int isa)
{
	const struct xs_reason_info *t;
	size_t n = xs_reason_table(isa, &t);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (isa == XS_ISA_VMX)
			assert_int_equal(t[i].code, i); /* dense: lookups index it */
		else if (i)
			assert_true(t[i].code > t[i - 1].code); /* sorted: lookups bisect it */
		assert_non_null(t[i].description);
		assert_true(strlen(t[i].description) > 0);
		if (!t[i].name) {
			assert_string_equal(t[i].description, "reserved");
			continue;
		}
		for (const char *p = t[i].name; *p; p++)
			if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
				fail_msg("%s: bad character in name", t[i].name);
		for (size_t j = 0; j < i; j++)
			if (t[j].name && !strcmp(t[j].name, t[i].name))
				fail_msg("%s appears twice", t[i].name);
		/* Every name parses back to its code, in any case and with the uapi prefix. */
		uint32_t code = ~0u;
		assert_true(xs_reason_parse(isa, t[i].name, &code));
		assert_int_equal(code, t[i].code);
		char lower[64];
		size_t k = 0;
		for (; t[i].name[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)tolower((unsigned char)t[i].name[k]);
		lower[k] = 0;
		assert_true(xs_reason_parse(isa, lower, &code));
		assert_int_equal(code, t[i].code);
		assert_string_equal(xs_reason_name(isa, t[i].code), t[i].name);
	}
}

static void test_tables(void **state)
{
	(void)state;
	check_table(XS_ISA_VMX);
	check_table(XS_ISA_SVM);
	check_table(XS_ISA_KVM);
	check_table(XS_ISA_HOST_EVENT);
	const struct xs_reason_info *t;
	assert_int_equal(xs_reason_table(XS_ISA_UNKNOWN, &t), 0);
	assert_int_equal(xs_reason_table(99, &t), 0);
}

static void test_vmx_table_contents(void **state)
{
	(void)state;
	const struct xs_reason_info *t;
	size_t n = xs_reason_table(XS_ISA_VMX, &t);
	/* SDM appendix C: 0 through 85, with 35, 38, 42, 71, 82 and 83 not used. */
	assert_int_equal(n, 86);
	static const unsigned int reserved[] = {35, 38, 42, 71, 82, 83};
	unsigned int nreserved = 0;
	for (size_t i = 0; i < n; i++)
		nreserved += !t[i].name;
	assert_int_equal(nreserved, sizeof(reserved) / sizeof(reserved[0]));
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		assert_null(t[reserved[i]].name);
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 76), "SEAMCALL");
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 77), "TDCALL");
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 78), "RDMSRLIST");
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 81), "UWRMSR");
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 84), "MSR_READ_IMM");
	/* Flag bits do not change the name */
	assert_string_equal(xs_reason_name(XS_ISA_VMX, 0x80000000u | 33), "INVALID_STATE");
	assert_null(xs_reason_name(XS_ISA_VMX, 86));
}

static void test_parse(void **state)
{
	(void)state;
	uint32_t r;
	assert_true(xs_reason_parse(XS_ISA_VMX, "EXIT_REASON_CR_ACCESS", &r));
	assert_int_equal(r, 28);
	assert_true(xs_reason_parse(XS_ISA_VMX, "exit_reason_io_instruction", &r));
	assert_int_equal(r, 30);
	assert_true(xs_reason_parse(XS_ISA_VMX, "0x1c", &r));
	assert_int_equal(r, 28);
	assert_true(xs_reason_parse(XS_ISA_VMX, "4294967295", &r));
	assert_int_equal(r, 0xffffffffu);
	assert_false(xs_reason_parse(XS_ISA_VMX, "4294967296", &r));
	assert_false(xs_reason_parse(XS_ISA_VMX, "", &r));
	assert_false(xs_reason_parse(XS_ISA_VMX, "EXIT_REASON_", &r));
	assert_false(xs_reason_parse(XS_ISA_VMX, "NPF", &r));
	assert_true(xs_reason_parse(XS_ISA_SVM, "SVM_EXIT_NPF", &r));
	assert_int_equal(r, 0x400);
	assert_true(xs_reason_parse(XS_ISA_SVM, "SVM_VMGEXIT_PSC", &r));
	assert_int_equal(r, 0x80000010u);
	assert_true(xs_reason_parse(XS_ISA_KVM, "KVM_EXIT_MMIO", &r));
	assert_int_equal(r, 6);
	assert_true(xs_reason_parse(XS_ISA_HOST_EVENT, "pio", &r));
	assert_int_equal(r, XS_HEV_PIO);
	assert_false(xs_reason_parse(XS_ISA_UNKNOWN, "HLT", &r));
	/* SVM's 64-bit exit code -1 (VMRUN failed) is ERR, whichever way it is written; VMX has no -1. */
	r = 0;
	assert_true(xs_reason_parse(XS_ISA_SVM, "-1", &r));
	assert_int_equal(r, 0xffffffffu);
	r = 0;
	assert_true(xs_reason_parse(XS_ISA_SVM, "0xffffffffffffffff", &r));
	assert_int_equal(r, 0xffffffffu);
	assert_string_equal(xs_reason_name(XS_ISA_SVM, r), "ERR");
	assert_false(xs_reason_parse(XS_ISA_SVM, "-2", &r));
	assert_false(xs_reason_parse(XS_ISA_SVM, "0xfffffffffffffffe", &r));
	assert_false(xs_reason_parse(XS_ISA_VMX, "-1", &r));
	assert_false(xs_reason_parse(XS_ISA_VMX, "0xffffffffffffffff", &r));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(xs_isa_name(XS_ISA_SVM), "svm");
	assert_string_equal(xs_isa_name(200), "unknown");
	uint8_t isa;
	assert_true(xs_isa_from_name("HOST", &isa));
	assert_int_equal(isa, XS_ISA_HOST_EVENT);
	assert_true(xs_isa_from_name("2", &isa));
	assert_int_equal(isa, XS_ISA_SVM);
	assert_false(xs_isa_from_name("5", &isa));
	assert_false(xs_isa_from_name("unknown", &isa));
	assert_string_equal(xs_gpr_name(4), "RSP");
	assert_null(xs_gpr_name(16));
	assert_string_equal(xs_exception_name(14), "PF");
	assert_null(xs_exception_name(9));
	assert_null(xs_exception_name(32));
	assert_string_equal(xs_segment_name(5), "GS");
	assert_null(xs_segment_name(6));
	assert_string_equal(xs_source_name(XS_SRC_BARE_VMX), "bare-vmx");
	assert_string_equal(xs_detail_kind_name(XS_D_EMULATE), "emulate");
	assert_string_equal(xs_detail_kind_name(XS_D_COUNT), "unknown");
	uint64_t v;
	assert_true(xs_str_to_u64("18446744073709551615", &v));
	assert_false(xs_str_to_u64("18446744073709551616", &v));
	assert_true(xs_str_to_u64("0xFFFFFFFFFFFFFFFF", &v));
	assert_false(xs_str_to_u64("0x1FFFFFFFFFFFFFFFF", &v));
	assert_false(xs_str_to_u64("0x", &v));
	assert_false(xs_str_to_u64("12a", &v));
}

/* The text renderings walk a kind's fields by text_rank 1..n: each rank once, none past the kind's count, and
 * only hidden fields without one. */
static void test_detail_text_ranks(void **state)
{
	(void)state;
	for (unsigned int i = 1; i < xs_detail_nfields; i++) /* grouped by kind in order: the renderers bisect */
		assert_true(xs_detail_fields[i - 1].kind <= xs_detail_fields[i].kind);
	for (unsigned int kind = XS_D_IO; kind < XS_D_COUNT; kind++) {
		unsigned int n = 0, seen = 0;
		for (unsigned int i = 0; i < xs_detail_nfields; i++)
			n += xs_detail_fields[i].kind == kind;
		assert_true(n > 0);
		assert_true(n <= XS_DETAIL_MAX_KIND_FIELDS);
		for (unsigned int i = 0; i < xs_detail_nfields; i++) {
			const struct xs_detail_field *f = &xs_detail_fields[i];
			if (f->kind != kind)
				continue;
			assert_int_equal(f->text == XS_DT_HIDE, f->text_rank == 0);
			if (!f->text_rank)
				continue;
			if (f->text_rank > n || (seen & (1u << f->text_rank)))
				fail_msg("kind %u field %s: rank %u out of range or taken", kind, f->name,
					 f->text_rank);
			seen |= 1u << f->text_rank;
			assert_non_null(f->label);
			assert_true(f->text != XS_DT_WORD || f->alt);
		}
	}
}

/* What assert_reason prints when it fails: both reasons by name through the decoder. */
static void test_reason_text(void **state)
{
	(void)state;
	char buf[96];
	assert_string_equal(xs_test_reason_text(XS_ISA_VMX, 30, buf, sizeof(buf)), "vmx IO_INSTRUCTION (30)");
	assert_string_equal(xs_test_reason_text(XS_ISA_KVM, 2, buf, sizeof(buf)), "kvm IO (2)");
	assert_string_equal(xs_test_reason_text(XS_ISA_SVM, 0x1234, buf, sizeof(buf)), "svm unknown (0x1234)");
	assert_reason(XS_ISA_SVM, 0x72, 0x72);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),	    cmocka_unit_test(test_detail_text_ranks),
		cmocka_unit_test(test_reason_text), cmocka_unit_test(test_vmx_table_contents),
		cmocka_unit_test(test_parse),	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("decoder_tables", tests, NULL, NULL);
}
