// SPDX-License-Identifier: MIT
/* Unit tests for the control spec (launcher/controls.c, control_values.c): every key, every grammar, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/controls.h"

static char err[512];

static void set_ok(struct xs_controls *c, const char *key, const char *value)
{
	err[0] = 0;
	int rc = xs_controls_set(c, key, value, err, sizeof(err));
	if (rc)
		fail_msg("%s=%s: %s", key, value, err);
}

static void set_bad(struct xs_controls *c, const char *key, const char *value, const char *expect)
{
	struct xs_controls before = *c;
	err[0] = 0;
	assert_int_equal(xs_controls_set(c, key, value, err, sizeof(err)), -1);
	if (!strstr(err, expect))
		fail_msg("%s=%s: message '%s' lacks '%s'", key, value, err, expect);
	assert_memory_equal(&before, c, sizeof(before)); /* unchanged on error */
	assert_null(strchr(err, '\n'));			 /* one line */
}

static void test_defaults(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	assert_true(c.record_io.all);
	assert_true(c.record_mmio.all);
	assert_int_equal(c.guest_state, XS_GS_FULL);
	assert_int_equal(c.given, 0);
	assert_true(xs_range_list_has(&c.record_io, 0x1234));
}

static void test_ranges(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "record.io", "0x510-0x51f, 0x60,0x3f8+8");
	assert_false(c.record_io.all);
	assert_int_equal(c.record_io.n, 3);
	assert_true(xs_range_list_has(&c.record_io, 0x510));
	assert_true(xs_range_list_has(&c.record_io, 0x51f));
	assert_false(xs_range_list_has(&c.record_io, 0x520));
	assert_true(xs_range_list_has(&c.record_io, 0x3ff));
	assert_false(xs_range_list_has(&c.record_io, 0x400));
	assert_true(xs_range_list_overlaps(&c.record_io, 0x50, 0x60));
	assert_false(xs_range_list_overlaps(&c.record_io, 0x61, 0x3f7));
	assert_true(c.given & (1u << XS_CTL_RECORD_IO));
	set_ok(&c, "record.io", "none");
	assert_false(xs_range_list_has(&c.record_io, 0x510));
	set_ok(&c, "record.io", "all");
	assert_true(xs_range_list_has(&c.record_io, 0xffff));
	set_bad(&c, "record.io", "0x10000", "larger than 0xffff");
	set_bad(&c, "record.io", "0x20-0x10", "ends before it starts");
	set_bad(&c, "record.io", "0x20+0", "empty");
	set_bad(&c, "record.io", "0xfff0+0x20", "goes past");
	set_bad(&c, "record.io", "1,,2", "empty item");
	set_bad(&c, "record.io", "port", "not a number");
	set_bad(&c, "record.io", "1-x", "not a number");
	set_bad(&c, "record.io", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "more than 16");
	set_ok(&c, "record.mmio", "0xa0000-0xbffff");
	assert_true(xs_range_list_has(&c.record_mmio, 0xa0008));
	set_ok(&c, "record.mmio", "0xffffffffffff0000+0x10000");
	set_bad(&c, "record.mmio", "0xffffffffffff0000+0x10001", "goes past");
}

static void test_guest_state_and_bools(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "record.guest_state", "regs");
	assert_int_equal(c.guest_state, XS_GS_REGS);
	set_ok(&c, "record.guest_state", "off");
	assert_int_equal(c.guest_state, XS_GS_OFF);
	set_ok(&c, "record.guest_state", "on");
	assert_int_equal(c.guest_state, XS_GS_FULL);
	set_bad(&c, "record.guest_state", "some", "full, regs or off");
	set_ok(&c, "debug.singlestep", "yes");
	assert_true(c.singlestep);
	set_ok(&c, "debug.singlestep", "0");
	assert_false(c.singlestep);
	set_bad(&c, "irq.window", "maybe", "not on or off");
	set_ok(&c, "irq.window", "true");
	assert_true(c.irq_window);
	set_ok(&c, "msr.exit_unknown", "on");
	assert_true(c.msr_unknown);
}

static void test_msr(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "msr.exit_read", "0x174,0xc0000080-0xc0000082");
	assert_int_equal(c.msr_read.n, 2);
	assert_true(xs_range_list_has(&c.msr_read, 0xc0000081));
	set_bad(&c, "msr.exit_read", "all", "'all' is not allowed");
	set_bad(&c, "msr.exit_write", "0-0x3000", "spans more than 12288");
	set_bad(&c, "msr.exit_write", "0x100000000", "larger than");
	set_bad(&c, "msr.exit_write", "1,2,3,4,5,6,7,8,9", "more than 8");
	set_ok(&c, "msr.exit_write", "0-0x2fff");
}

static void test_exits_disable(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "exits.disable", "hlt, pause");
	assert_int_equal(c.disable_exits, XS_DISABLE_HLT | XS_DISABLE_PAUSE);
	set_ok(&c, "exits.disable", "mwait,cstate");
	assert_int_equal(c.disable_exits, XS_DISABLE_MWAIT | XS_DISABLE_CSTATE);
	set_ok(&c, "exits.disable", "none");
	assert_int_equal(c.disable_exits, 0);
	set_bad(&c, "exits.disable", "hlt,nap", "unknown item 'nap'");
}

static void test_hwbp(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "debug.hwbp", "0x9000, 0x2000/w/4, @debug_watch/rw/8, 0x10/x/1");
	assert_int_equal(c.n_hwbp, 4);
	assert_int_equal(c.hwbp[0].addr, 0x9000);
	assert_int_equal(c.hwbp[0].type, XS_HWBP_EXEC);
	assert_int_equal(c.hwbp[0].len, 1);
	assert_int_equal(c.hwbp[1].type, XS_HWBP_WRITE);
	assert_int_equal(c.hwbp[1].len, 4);
	assert_string_equal(c.hwbp[2].symbol, "debug_watch");
	assert_int_equal(c.hwbp[2].type, XS_HWBP_RW);
	set_bad(&c, "debug.hwbp", "1,2,3,4,5", "more than 4");
	set_bad(&c, "debug.hwbp", "0x2001/w/4", "not aligned");
	set_bad(&c, "debug.hwbp", "0x2000/x/4", "execution breakpoint has length 1");
	set_bad(&c, "debug.hwbp", "0x2000/r", "type 'r'");
	set_bad(&c, "debug.hwbp", "0x2000/w/3", "1, 2, 4 or 8");
	set_bad(&c, "debug.hwbp", "@", "symbol name");
	set_bad(&c, "debug.hwbp", "@a-b", "not a symbol name");
	set_ok(&c, "debug.hwbp", "none");
	assert_int_equal(c.n_hwbp, 0);
	set_ok(&c, "debug.intercept", "db,bp");
	assert_int_equal(c.intercept, XS_INTERCEPT_DB | XS_INTERCEPT_BP);
	set_bad(&c, "debug.intercept", "ud", "unknown item");
}

static void test_inject(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "inject", "irq:0x20@hlt, nmi@every:10, exc:13:0x18@exit:5, exc:6@period:250us, irq:48@io:0x530");
	assert_int_equal(c.n_inject, 5);
	assert_int_equal(c.inject[0].kind, XS_INJ_IRQ);
	assert_int_equal(c.inject[0].vector, 0x20);
	assert_int_equal(c.inject[0].when, XS_WHEN_HLT);
	assert_int_equal(c.inject[1].kind, XS_INJ_NMI);
	assert_int_equal(c.inject[1].vector, 2);
	assert_int_equal(c.inject[1].when, XS_WHEN_EVERY);
	assert_int_equal(c.inject[1].n, 10);
	assert_int_equal(c.inject[2].kind, XS_INJ_EXC);
	assert_true(c.inject[2].has_error);
	assert_int_equal(c.inject[2].error_code, 0x18);
	assert_int_equal(c.inject[2].when, XS_WHEN_AT);
	assert_false(c.inject[3].has_error);
	assert_int_equal(c.inject[3].when, XS_WHEN_PERIOD);
	assert_int_equal(c.inject[3].n, 250000);
	assert_int_equal(c.inject[4].when, XS_WHEN_IO);
	assert_int_equal(c.inject[4].n, 0x530);
	char buf[64];
	xs_inject_format(&c.inject[2], buf, sizeof(buf));
	assert_string_equal(buf, "exc:13:0x18@exit:5");
	xs_inject_format(&c.inject[3], buf, sizeof(buf));
	assert_string_equal(buf, "exc:6@period:250us");
	set_bad(&c, "inject", "nmi@period:99999999999999999999s", "too long");
	set_bad(&c, "inject", "irq:0x10@hlt", "32-255");
	set_bad(&c, "inject", "irq@hlt", "exactly one vector");
	set_bad(&c, "inject", "nmi:2@hlt", "no vector");
	set_bad(&c, "inject", "exc:2@hlt", "NMI");
	set_bad(&c, "inject", "exc:6:1@hlt", "no error code");
	set_bad(&c, "inject", "exc:32@hlt", "larger than");
	set_bad(&c, "inject", "irq:0x20", "no schedule");
	set_bad(&c, "inject", "irq:0x20@soon", "not a schedule");
	set_bad(&c, "inject", "irq:0x20@every:0", "at least 1");
	set_bad(&c, "inject", "irq:0x20@period:5us", "shorter than 10us");
	set_bad(&c, "inject", "irq:0x20@period:5", "not a duration");
	set_bad(&c, "inject", "irq:0x20@io:0x10000", "larger than");
	set_bad(&c, "inject", "sipi:1@hlt", "unknown kind");
	set_bad(&c, "inject", "nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt,nmi@hlt", "more than 8");
	set_ok(&c, "inject", "none");
	assert_int_equal(c.n_inject, 0);
}

static void test_cpuid(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "cpuid.0x1.ecx", "0x80000000");
	set_ok(&c, "cpuid.7.0.ebx", "0");
	set_ok(&c, "cpuid.0x1.ecx", "0x1"); /* replaces */
	assert_int_equal(c.n_cpuid, 2);
	assert_int_equal(c.cpuid[0].leaf, 1);
	assert_int_equal(c.cpuid[0].value, 1);
	assert_false(c.cpuid[0].has_subleaf);
	assert_true(c.cpuid[1].has_subleaf);
	assert_int_equal(c.cpuid[1].reg, XS_EBX);
	set_bad(&c, "cpuid.0x1.esi", "1", "not eax, ebx, ecx or edx");
	set_bad(&c, "cpuid.x.eax", "1", "leaf 'x'");
	set_bad(&c, "cpuid.1.x.eax", "1", "subleaf 'x'");
	set_bad(&c, "cpuid.1", "1", "unknown control");
	set_bad(&c, "cpuid.1.2.3.eax", "1", "unknown control");
	set_bad(&c, "cpuid.1.eax", "0x100000000", "32-bit");
	set_ok(&c, "cpuid.0x1.ecx", "none");
	assert_int_equal(c.n_cpuid, 1);
	set_ok(&c, "cpuid.7.0.ebx", "none");
	assert_int_equal(c.n_cpuid, 0);
	assert_false(c.given & (1u << XS_CTL_CPUID));
}

static void test_readonly(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "memory.readonly", "0xc0000-0xc0fff,0x200000+0x2000");
	assert_int_equal(c.readonly.n, 2);
	set_bad(&c, "memory.readonly", "0xc0001-0xc0fff", "4 KiB pages");
	set_bad(&c, "memory.readonly", "0xc0000-0xc0ffe", "4 KiB pages");
	set_bad(&c, "memory.readonly", "all", "not allowed");
}

static void test_lines_and_text(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	assert_int_equal(xs_controls_parse_line(&c, "   # a comment", err, sizeof(err)), 0);
	assert_int_equal(xs_controls_parse_line(&c, "", err, sizeof(err)), 0);
	assert_int_equal(xs_controls_parse_line(&c, "irq.window = on # trailing", err, sizeof(err)), 0);
	assert_true(c.irq_window);
	assert_int_equal(xs_controls_parse_line(&c, "irq.window", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "KEY=VALUE"));
	assert_int_equal(xs_controls_parse_line(&c, "= on", err, sizeof(err)), -1);
	assert_int_equal(xs_controls_parse_line(&c, "bogus.key = 1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown control 'bogus.key'"));
	assert_int_equal(xs_controls_parse_line(&c, "irq.window =", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty value"));

	const char text[] = "# controls\nmsr.exit_read = 0x10\n\ninject = nmi@hlt\nrecord.io=0x1-0x2";
	xs_controls_init(&c);
	assert_int_equal(xs_controls_parse_text(&c, text, sizeof(text) - 1, "f.ctl", err, sizeof(err)), 0);
	assert_int_equal(c.msr_read.n, 1);
	assert_int_equal(c.n_inject, 1);
	const char bad[] = "msr.exit_read = 0x10\ninject = nmi@never\n";
	struct xs_controls before = c;
	assert_int_equal(xs_controls_parse_text(&c, bad, sizeof(bad) - 1, "f.ctl", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "f.ctl:2: inject:"));
	assert_memory_equal(&before, &c, sizeof(c)); /* all or nothing */
	const char nul[] = "irq.window = on\0x\n";
	assert_int_equal(xs_controls_parse_text(&c, nul, sizeof(nul) - 1, "n.ctl", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	char *longline = malloc(5000);
	memset(longline, 'a', 4999);
	longline[4999] = 0;
	assert_int_equal(xs_controls_parse_text(&c, longline, 4999, "l.ctl", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(xs_controls_parse_line(&c, longline, err, sizeof(err)), -1);
	free(longline);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/xs_ctl_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "record.io = 0x500\nexits.disable = hlt\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	struct xs_controls c;
	xs_controls_init(&c);
	assert_int_equal(xs_controls_load_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.disable_exits, XS_DISABLE_HLT);
	unlink(path);
	assert_int_equal(xs_controls_load_file(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

struct visit {
	char out[2048];
};

static void collect(void *ctx, const char *key, const char *value)
{
	struct visit *v = ctx;
	snprintf(v->out + strlen(v->out), sizeof(v->out) - strlen(v->out), "%s=%s;", key, value);
}

static void test_visit_round_trip(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "record.io", "0x500-0x50f,0x3f8");
	set_ok(&c, "inject", "irq:0x20@hlt,exc:14:0x2@every:7");
	set_ok(&c, "debug.hwbp", "0x9000,@w/w/4");
	set_ok(&c, "cpuid.0x1.7.ecx", "5");
	set_ok(&c, "exits.disable", "pause,hlt");
	struct visit v = {{0}};
	xs_controls_visit(&c, collect, &v);
	assert_string_equal(v.out, "record.io=0x500-0x50f,0x3f8;exits.disable=hlt,pause;debug.hwbp=0x9000/x/1,@w/w/4;"
				   "inject=irq:0x20@hlt,exc:14:0x2@every:7;cpuid.0x1.0x7.ecx=0x5;");
	/* The canonical values parse back to the same controls. */
	struct xs_controls again;
	xs_controls_init(&again);
	char *save = NULL;
	for (char *kv = strtok_r(v.out, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');
		*eq = 0;
		set_ok(&again, kv, eq + 1);
	}
	assert_memory_equal(&again, &c, sizeof(c));
	xs_controls_clear(&c, XS_CTL_INJECT);
	assert_int_equal(c.n_inject, 0);
	assert_false(c.given & (1u << XS_CTL_INJECT));
	assert_string_equal(xs_control_key_name(XS_CTL_MSR_EXIT_READ), "msr.exit_read");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_guest_state_and_bools),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_exits_disable),
		cmocka_unit_test(test_hwbp),
		cmocka_unit_test(test_inject),
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_lines_and_text),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_visit_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
