// SPDX-License-Identifier: MIT
/*
 * SVM EXITINFO1/EXITINFO2 vectors, worked out by hand from the AMD APM vol. 2 chapter 15 layouts. Each case
 * states the bits it sets.
 */
#include "tests/unit/decoder_test_util.h"

static struct xs_decoded d;

static void svm(uint32_t code, uint64_t info1, uint64_t info2)
{
	xs_decode_values(XS_ISA_SVM, code, info1, info2, 0, -1, &d);
	assert_unique_fields(&d);
}

static void test_cr_dr(void **state)
{
	(void)state;
	/* Read of CR3 by MOV into RBP: decode-assist valid bit 63, GPR 3:0 = 5 */
	svm(0x03, (1ull << 63) | 5, 0);
	assert_string_equal(d.name, "READ_CR3");
	assert_string_equal(d.format, "svm_cr");
	ASSERT_FIELD(&d, "cr", 3);
	ASSERT_FIELD(&d, "mov_cr", 1);
	ASSERT_ENUM(&d, "gpr", 5, "RBP");
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* Write of CR0 by LMSW/CLTS: bit 63 clear; reserved bit 4 */
	svm(0x10, 0x10, 0);
	ASSERT_FIELD(&d, "cr", 0);
	ASSERT_FIELD(&d, "mov_cr", 0);
	ASSERT_FIELD(&d, "reserved_bits", 0x10);
	/* The "SVM CR write mov_cr, gpr": MOV CR8 from R9 */
	svm(0x18, (1ull << 63) | 9, 0);
	assert_string_equal(d.name, "WRITE_CR8");
	ASSERT_FIELD(&d, "cr", 8);
	ASSERT_ENUM(&d, "gpr", 9, "R9");
	/* Selective CR0 write */
	svm(0x65, (1ull << 63) | 1, 0);
	assert_string_equal(d.name, "CR0_SEL_WRITE");
	ASSERT_FIELD(&d, "cr", 0);
	ASSERT_ENUM(&d, "gpr", 1, "RCX");
	/* MOV DR7 from RDX: GPR 2; bit 63 is reserved for DR exits */
	svm(0x37, 2 | (1ull << 63), 0);
	assert_string_equal(d.format, "svm_dr");
	ASSERT_FIELD(&d, "dr", 7);
	ASSERT_ENUM(&d, "gpr", 2, "RDX");
	ASSERT_FIELD(&d, "reserved_bits", 1ull << 63);
}

static void test_exceptions(void **state)
{
	(void)state;
	/* #GP with selector error code 0x18 */
	svm(0x4d, 0x18, 0);
	assert_string_equal(d.name, "EXCP_GP");
	assert_string_equal(d.format, "svm_exception");
	ASSERT_ENUM(&d, "vector", 13, "GP");
	ASSERT_FIELD(&d, "error_code", 0x18);
	/* #UD pushes no error code: EXITINFO1 is undefined, so nothing in it is reported */
	svm(0x46, 0, 0);
	ASSERT_ENUM(&d, "vector", 6, "UD");
	ASSERT_NO_FIELD(&d, "error_code");
	svm(0x46, 1, 0);
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* Neither #DF nor #TS saves its error code (15.12) */
	svm(0x48, 0, 0);
	ASSERT_NO_FIELD(&d, "error_code");
	svm(0x4a, 0x18, 0);
	ASSERT_ENUM(&d, "vector", 10, "TS");
	ASSERT_NO_FIELD(&d, "error_code");
	/* #AC, #CP carry theirs */
	svm(0x51, 0, 0);
	ASSERT_FIELD(&d, "error_code", 0);
	svm(0x55, 3, 0);
	ASSERT_FIELD(&d, "error_code", 3);
	/* #PF on a write to a present user page: error code 0x7, CR2 in EXITINFO2 */
	svm(0x4e, 0x7, 0x7fff0000);
	assert_string_equal(d.format, "svm_page_fault");
	ASSERT_FIELD(&d, "present", 1);
	ASSERT_FIELD(&d, "write", 1);
	ASSERT_FIELD(&d, "user", 1);
	ASSERT_FIELD(&d, "fetch", 0);
	ASSERT_FIELD(&d, "fault_address", 0x7fff0000);
	/* Error codes are 32 bits wide */
	svm(0x4d, 1ull << 32, 0);
	ASSERT_FIELD(&d, "reserved_bits", 1ull << 32);
	/* INTn with decode assists: INT 0x80; bit 8 is reserved */
	svm(0x75, 0x180, 0);
	assert_string_equal(d.format, "svm_swint");
	ASSERT_FIELD(&d, "vector", 0x80);
	ASSERT_FIELD(&d, "reserved_bits", 0x100);
}

static void test_ioio(void **state)
{
	(void)state;
	/* IN AL, DX from 0x3f8, 32-bit addressing, DS: TYPE bit 0, SZ8 bit 4, A32 bit 8, SEG 12:10 = 3,
	 * port 31:16 -> 0x3f80d11; EXITINFO2 = next RIP */
	svm(0x7b, 0x3f80d11, 0xfff3);
	assert_string_equal(d.name, "IOIO");
	assert_string_equal(d.format, "svm_ioio");
	ASSERT_FIELD(&d, "port", 0x3f8);
	ASSERT_ENUM(&d, "direction", 1, "IN");
	ASSERT_FIELD(&d, "string", 0);
	ASSERT_FIELD(&d, "rep", 0);
	ASSERT_FIELD(&d, "access_size_bytes", 1);
	ASSERT_FIELD(&d, "address_size", 32);
	ASSERT_ENUM(&d, "segment", 3, "DS");
	ASSERT_FIELD(&d, "next_rip", 0xfff3);
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* REP OUTSW to 0x80, 64-bit addressing: STR bit 2, REP bit 3, SZ16 bit 5, A64 bit 9 -> 0x80022c */
	svm(0x7b, 0x80022c, 0);
	ASSERT_ENUM(&d, "direction", 0, "OUT");
	ASSERT_FIELD(&d, "string", 1);
	ASSERT_FIELD(&d, "rep", 1);
	ASSERT_FIELD(&d, "access_size_bytes", 2);
	ASSERT_FIELD(&d, "address_size", 64);
	/* SZ32 with A16 */
	svm(0x7b, 0x40 | 0x80, 0);
	ASSERT_FIELD(&d, "access_size_bytes", 4);
	ASSERT_FIELD(&d, "address_size", 16);
	/* Two size bits at once is not a size: 0; bit 1 and bit 13 are reserved */
	svm(0x7b, 0x30 | 0x2 | 0x2000, 0);
	ASSERT_FIELD(&d, "access_size_bytes", 0);
	ASSERT_FIELD(&d, "reserved_bits", 0x2002);
}

static void test_npf(void **state)
{
	(void)state;
	/* The example 0x100000004: a user access, final guest-physical translation, not present */
	svm(0x400, 0x100000004ull, 0xfee00000);
	assert_string_equal(d.name, "NPF");
	assert_string_equal(d.format, "svm_npf");
	ASSERT_FIELD(&d, "present", 0);
	ASSERT_FIELD(&d, "write", 0);
	ASSERT_FIELD(&d, "user", 1);
	ASSERT_FIELD(&d, "rsvd", 0);
	ASSERT_FIELD(&d, "fetch", 0);
	ASSERT_FIELD(&d, "final_translation", 1);
	ASSERT_FIELD(&d, "page_walk", 0);
	ASSERT_FIELD(&d, "gpa", 0xfee00000);
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* A write to a present page during the guest's page walk: bits 0, 1, 33 */
	svm(0x400, 0x200000003ull, 0);
	ASSERT_FIELD(&d, "present", 1);
	ASSERT_FIELD(&d, "write", 1);
	ASSERT_FIELD(&d, "final_translation", 0);
	ASSERT_FIELD(&d, "page_walk", 1);
	/* Fetch, reserved-bit violation, RMP (31), encrypted (34), size mismatch (35), VMPL (36); bit 40 and
	 * bit 8 reserved */
	svm(0x400, 0x18 | (1ull << 31) | (7ull << 34) | (1ull << 40) | 0x100, 0);
	ASSERT_FIELD(&d, "rsvd", 1);
	ASSERT_FIELD(&d, "fetch", 1);
	ASSERT_FIELD(&d, "rmp", 1);
	ASSERT_FIELD(&d, "encrypted", 1);
	ASSERT_FIELD(&d, "size_mismatch", 1);
	ASSERT_FIELD(&d, "vmpl", 1);
	ASSERT_FIELD(&d, "reserved_bits", (1ull << 40) | 0x100);
}

static void test_msr_invlpg_task_switch(void **state)
{
	(void)state;
	svm(0x7c, 1, 0);
	assert_string_equal(d.format, "svm_msr");
	ASSERT_ENUM(&d, "write", 1, "WRMSR");
	svm(0x7c, 0, 0);
	ASSERT_ENUM(&d, "write", 0, "RDMSR");
	svm(0x7c, 2, 0);
	ASSERT_FIELD(&d, "reserved_bits", 2);
	svm(0x79, 0xffffffff81000000ull, 0);
	assert_string_equal(d.format, "svm_invlpg");
	ASSERT_FIELD(&d, "linear_address", 0xffffffff81000000ull);
	/* JMP to TSS 0x28 with error code 0x10 pushed: EXITINFO2 bit 38 (JMP), bit 44 (has error code) */
	svm(0x7d, 0x28, (1ull << 38) | (1ull << 44) | 0x10);
	assert_string_equal(d.format, "svm_task_switch");
	ASSERT_FIELD(&d, "tss_selector", 0x28);
	ASSERT_ENUM(&d, "source", 2, "JMP");
	ASSERT_FIELD(&d, "error_code_valid", 1);
	ASSERT_FIELD(&d, "error_code", 0x10);
	svm(0x7d, 0x30, 1ull << 36);
	ASSERT_ENUM(&d, "source", 1, "IRET");
	ASSERT_NO_FIELD(&d, "error_code");
	svm(0x7d, 0x30 | 0x10000, 1ull << 50);
	ASSERT_ENUM(&d, "source", 0, "CALL_OR_TASK_GATE");
	ASSERT_FIELD(&d, "reserved_bits", 0x10000);
	ASSERT_FIELD(&d, "info2_reserved_bits", 1ull << 50);
}

static void test_avic_and_traps(void **state)
{
	(void)state;
	/* Incomplete IPI: ICR 0x00000001_00004041, target not running (EXITINFO2 63:32 = 1), index 5 */
	svm(0x401, 0x100004041ull, (1ull << 32) | 5);
	assert_string_equal(d.format, "svm_avic_ipi");
	ASSERT_FIELD(&d, "icr_low", 0x4041);
	ASSERT_FIELD(&d, "icr_high", 1);
	ASSERT_ENUM(&d, "cause", 1, "TARGET_NOT_RUNNING");
	ASSERT_FIELD(&d, "index", 5);
	svm(0x401, 0, 9ull << 32);
	ASSERT_ENUM(&d, "cause", 9, "RESERVED");
	/* Unaccelerated write to ICR low: offset 0x300 (11:4), write bit 32 */
	svm(0x402, (1ull << 32) | 0x300, 0);
	assert_string_equal(d.format, "svm_avic_access");
	ASSERT_FIELD(&d, "offset", 0x300);
	ASSERT_FIELD(&d, "write", 1);
	svm(0x402, 0x30f, 0);
	ASSERT_FIELD(&d, "reserved_bits", 0xf);
	/* SEV-ES CR4 write trap: the new value */
	svm(0x94, 0x3506f8, 0);
	assert_string_equal(d.format, "svm_write_trap");
	ASSERT_FIELD(&d, "cr", 4);
	ASSERT_FIELD(&d, "value", 0x3506f8);
	svm(0x8f, 0xd01, 0);
	ASSERT_NO_FIELD(&d, "cr");
	ASSERT_FIELD(&d, "value", 0xd01);
}

static void test_exitintinfo_and_names(void **state)
{
	(void)state;
	/* EXITINTINFO: a #PF was being delivered (valid, EV bit 11, type 3, vector 14), error code 2 */
	struct xs_decode_input in = {.isa = XS_ISA_SVM,
				     .reason = 0x400,
				     .intr_info = 0x80000b0e,
				     .error_code = 2,
				     .vector = -1,
				     .have = XS_IN_INTR_INFO | XS_IN_ERROR_CODE};
	xs_decode_input(&in, &d);
	assert_unique_fields(&d);
	ASSERT_ENUM(&d, "idt_vector", 14, "PF");
	ASSERT_ENUM(&d, "idt_type", 3, "EXCEPTION");
	ASSERT_FIELD(&d, "idt_error_code", 2);
	/* Reserved bits 30:12 */
	in.intr_info = 0x80001030;
	xs_decode_input(&in, &d);
	ASSERT_ENUM(&d, "idt_type", 0, "EXTERNAL_INTERRUPT");
	ASSERT_FIELD(&d, "idt_reserved_bits", 0x1000);
	/* No flag bits on SVM: bit 31 of an exit code is part of the code */
	svm(0x80000010, 0, 0);
	assert_string_equal(d.name, "VMGEXIT_PSC");
	ASSERT_NO_FIELD(&d, "failed_vmentry");
	svm(0xffffffffu, 0, 0);
	assert_string_equal(d.name, "ERR");
	svm(0x78, 0, 0);
	assert_string_equal(d.name, "HLT");
	assert_null(d.format);
	svm(0x1234, 0, 0);
	assert_null(d.name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr_dr),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_ioio),
		cmocka_unit_test(test_npf),
		cmocka_unit_test(test_msr_invlpg_task_switch),
		cmocka_unit_test(test_avic_and_traps),
		cmocka_unit_test(test_exitintinfo_and_names),
	};
	return cmocka_run_group_tests_name("decoder_svm", tests, NULL, NULL);
}
