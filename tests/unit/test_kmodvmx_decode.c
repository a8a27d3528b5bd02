// SPDX-License-Identifier: MIT
/*
 * Unit tests for the runner's MMIO instruction decoding (kmod-vmx/bare/runner_decode.c): the forms the
 * built-in guests use in each mode, with their lengths, sizes, registers and directions, and refusals by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "kmod-vmx/bare/runner_decode.h"

static struct mmio_insn decode_ok(const u8 *code, unsigned int len, unsigned int mode)
{
	struct mmio_insn mi;
	char why[128];
	if (mmio_decode(code, len, mode, &mi, why, sizeof(why)))
		fail_msg("mode %u: %s", mode, why);
	return mi;
}

static void test_forms(void **state)
{
	(void)state;
	/* long mode: mov %eax, 0xa0000 via SIB absolute (89 04 25 disp32) */
	const u8 st32[] = {0x89, 0x04, 0x25, 0x00, 0x00, 0x0a, 0x00};
	struct mmio_insn mi = decode_ok(st32, sizeof(st32), 64);
	assert_int_equal(mi.len, 7);
	assert_int_equal(mi.size, 4);
	assert_true(mi.write);
	assert_int_equal(mi.reg, 0);
	/* long mode: REX.W mov 0x8(%rbx), %rcx */
	const u8 ld64[] = {0x48, 0x8b, 0x4b, 0x08};
	mi = decode_ok(ld64, sizeof(ld64), 64);
	assert_int_equal(mi.len, 4);
	assert_int_equal(mi.size, 8);
	assert_false(mi.write);
	assert_int_equal(mi.reg, 1);
	/* real mode: es: mov %al, (%di) -> 26 88 05 */
	const u8 stb16[] = {0x26, 0x88, 0x05};
	mi = decode_ok(stb16, sizeof(stb16), 16);
	assert_int_equal(mi.len, 3);
	assert_int_equal(mi.size, 1);
	assert_true(mi.write);
	/* real mode with 0x66: mov %eax, es:0x0 -> 66 26 a3 00 00 */
	const u8 moffs16[] = {0x66, 0x26, 0xa3, 0x00, 0x00};
	mi = decode_ok(moffs16, sizeof(moffs16), 16);
	assert_int_equal(mi.len, 5);
	assert_int_equal(mi.size, 4);
	assert_true(mi.write);
	assert_int_equal(mi.reg, 0);
	/* protected mode: mov 0xa0008, %eax -> a1 disp32 */
	const u8 moffs32[] = {0xa1, 0x08, 0x00, 0x0a, 0x00};
	mi = decode_ok(moffs32, sizeof(moffs32), 32);
	assert_int_equal(mi.len, 5);
	assert_int_equal(mi.size, 4);
	assert_false(mi.write);
	/* mov %ah, (%eax): a high-byte register without REX */
	const u8 high[] = {0x88, 0x20};
	mi = decode_ok(high, sizeof(high), 32);
	assert_true(mi.high_byte);
	assert_int_equal(mi.reg, 0);
	/* 16-bit addressing with disp16: mov 0x1234, %bx -> 8b 1e 34 12 */
	const u8 d16[] = {0x8b, 0x1e, 0x34, 0x12};
	mi = decode_ok(d16, sizeof(d16), 16);
	assert_int_equal(mi.len, 4);
	assert_int_equal(mi.size, 2);
	assert_int_equal(mi.reg, 3);
}

static void test_refusals(void **state)
{
	(void)state;
	struct mmio_insn mi;
	char why[128];
	const u8 movs[] = {0xa5};
	assert_int_equal(mmio_decode(movs, sizeof(movs), 64, &mi, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "opcode 0xa5 is not a MOV between a register and memory"));
	const u8 regreg[] = {0x89, 0xc0};
	assert_int_equal(mmio_decode(regreg, sizeof(regreg), 64, &mi, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "register operand"));
	const u8 cut[] = {0x89, 0x04, 0x25, 0x00};
	assert_int_equal(mmio_decode(cut, 1, 64, &mi, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "run past"));
	assert_int_equal(mmio_decode(cut, 0, 64, &mi, why, sizeof(why)), -1);
	/* a disp32 past the bytes given (found by fuzz_kmodvmx_decode) */
	const u8 disp[] = {0x88, 0x89, 0x04, 0x25, 0x25};
	assert_int_equal(mmio_decode(disp, sizeof(disp), 32, &mi, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "run past"));
}

/* The runner's answer to a decoded access: writes dropped (the value reported), reads all-ones. */
static void test_answer(void **state)
{
	(void)state;
	struct xs_detail_mmio m;
	/* write of AH (high byte): the value is bits 15:8, the register is unchanged */
	struct mmio_insn mi = {.len = 2, .size = 1, .write = true, .reg = 0, .high_byte = true};
	assert_int_equal(mmio_answer(&mi, 0x1234abcdull, &m), 0x1234abcdull);
	assert_int_equal(m.value, 0xab);
	assert_int_equal(m.len, 1);
	assert_true(m.is_write);
	/* 16-bit read: all-ones in the low 2 bytes, the rest kept */
	mi = (struct mmio_insn){.len = 3, .size = 2, .write = false, .reg = 1};
	assert_int_equal(mmio_answer(&mi, 0x1111222233334444ull, &m), 0x111122223333ffffull);
	assert_int_equal(m.value, 0xffff);
	assert_false(m.is_write);
	/* 32-bit read zero-extends into the 64-bit register */
	mi.size = 4;
	assert_int_equal(mmio_answer(&mi, 0x1111222233334444ull, &m), 0xffffffffull);
	assert_int_equal(m.value, 0xffffffffull);
	/* read into BH: bits 15:8 set, the rest kept */
	mi = (struct mmio_insn){.len = 2, .size = 1, .write = false, .reg = 3, .high_byte = true};
	assert_int_equal(mmio_answer(&mi, 0x0102030405060708ull, &m), 0x010203040506ff08ull);
	assert_int_equal(m.value, 0xff);
	/* 64-bit write: every bit */
	mi = (struct mmio_insn){.len = 4, .size = 8, .write = true, .reg = 2};
	mmio_answer(&mi, 0x8877665544332211ull, &m);
	assert_int_equal(m.value, 0x8877665544332211ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
