// SPDX-License-Identifier: MIT
/*
 * The Lua API at its boundary (tune/lua_api.h): every function of `xs` called with a value of every wrong type
 * in every argument position, and xs.run with every field of every wrong type, must fail with one line
 * "test.lua:LINE: xs.FN: ..." and never crash; then random argument lists (a property test with a fixed seed):
 * whatever the values, the call returns or fails with a message that names the script's line. The KVM device
 * and the vmx backend's runner image are pointed at paths that do not exist, so well-typed runs fail cleanly too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tune/lua_api.h"
#include "tune/session.h"
#include "tests/helpers/prng.h"

struct fixture {
	char dir[64];
	char store[96];
	struct xs_tune_session s;
	struct lua_State *L;
	FILE *out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/xs-tune-api-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->store, sizeof(f->store), "%s/s.db", f->dir);
	setenv("EXITSCOPE_KVM", "/nonexistent/kvm", 1);
	setenv("EXITSCOPE_VMX_RUNNER", "/nonexistent/vmx-runner.img", 1); /* no Bochs from a unit test */
	char err[512];
	if (xs_tune_session_open(&f->s, f->store, "test.lua", 0, NULL, 0, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->out = fopen("/dev/null", "w");
	f->L = xs_tune_lua_new(&f->s, f->out);
	*state = f;
	return f->L ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	xs_tune_lua_close(f->L);
	xs_tune_session_close(&f->s);
	fclose(f->out);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* Run code as test.lua; the result code, the message in err. */
static int run(struct fixture *f, const char *code, char *err, size_t errlen)
{
	err[0] = 0;
	return xs_tune_lua_run(f->L, "test.lua", code, 0, NULL, err, errlen);
}

static void expect_error(struct fixture *f, const char *code, const char *want)
{
	char err[1024];
	int rc = run(f, code, err, sizeof(err));
	if (rc != -1 || strncmp(err, "test.lua:1: ", 12) || !strstr(err, want) || strchr(err, '\n'))
		fail_msg("code: %s\nwanted an error with '%s' after test.lua:1:, got rc %d: '%s'", code, want, rc, err);
}

static const char *const wrong[] = {"nil", "true", "42", "4.5", "'text'", "{}", "{1,2}", "function() end", "io.stdout"};

/* fn with n arguments, each a right one except position pos, which takes each wrong type */
struct signature {
	const char *fn;
	const char *right[3];	/* well-typed arguments */
	const char *accepts[3]; /* for each position the wrong[] values that are in fact fine ("" none) */
	size_t n;
};

static const struct signature sigs[] = {
	{"controls", {"'kvm'", "'x'"}, {"", "nil"}, 2},
	{"run", {"{guest='io'}"}, {""}, 1},
	{"diff", {"{runs={1}}", "{runs={1}}", "'text'"}, {"", "", "nil"}, 3},
	{"report", {"{runs={1}}"}, {""}, 1},
	{"write_controls", {"'/nonexistent/dir/x.ctl'", "{}"}, {"", ""}, 2},
};

static bool accepted(const char *list, const char *value)
{
	return list && strstr(list, value) != NULL && strcmp(value, "") != 0 && !strcmp(list, value);
}

static void test_wrong_types_every_argument(void **state)
{
	struct fixture *f = *state;
	char code[512], want[64];
	size_t checked = 0;
	for (size_t s = 0; s < sizeof(sigs) / sizeof(sigs[0]); s++) {
		for (size_t pos = 0; pos < sigs[s].n; pos++) {
			for (size_t w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
				if (accepted(sigs[s].accepts[pos], wrong[w]))
					continue;
				/* a right value of the same type is not wrong: strings for strings, tables for tables
				 */
				char first = sigs[s].right[pos][0];
				if ((first == '\'' && wrong[w][0] == '\'') || (first == '{' && wrong[w][0] == '{'))
					continue;
				int o = snprintf(code, sizeof(code), "xs.%s(", sigs[s].fn);
				for (size_t i = 0; i < sigs[s].n; i++)
					o += snprintf(code + o, sizeof(code) - (size_t)o, "%s%s", i ? ", " : "",
						      i == pos ? wrong[w] : sigs[s].right[i]);
				snprintf(code + o, sizeof(code) - (size_t)o, ")");
				snprintf(want, sizeof(want), "xs.%s: ", sigs[s].fn);
				expect_error(f, code, want);
				checked++;
			}
		}
	}
	assert_true(checked > 30);
}

static void test_run_fields(void **state)
{
	struct fixture *f = *state;
	static const char *const fields[] = {"backend",
					     "cpu_model",
					     "guest",
					     "image",
					     "entry",
					     "load",
					     "mode",
					     "controls",
					     "params",
					     "iterations",
					     "repeats",
					     "duration",
					     "no_default_controls",
					     "allow_unsupported",
					     "allow_failure",
					     "label"};
	char code[256];
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* a function is never a right value for any field */
		snprintf(code, sizeof(code), "xs.run{%s = function() end}", fields[i]);
		expect_error(f, code, fields[i]);
	}
	expect_error(f, "xs.run{nonsense = 1}", "unknown field 'nonsense'");
	expect_error(f, "xs.run{[1] = 1}", "keys must be names");
	expect_error(f, "xs.run{iterations = 1.5}", "'iterations' must be an integer");
	expect_error(f, "xs.run{iterations = -1}", "give 0-4294967295");
	expect_error(f, "xs.run{repeats = 0}", "give 1-64");
	expect_error(f, "xs.run{repeats = 2, ['repeat'] = 2}", "not both");
	expect_error(f, "xs.run{duration = -1}", "give 0 < seconds");
	expect_error(f, "xs.run{iterations = 0}", "give a duration too");
	expect_error(f, "xs.run{mode = 'sideways'}", "use real, protected or long");
	expect_error(f, "xs.run{mode = 48}", "use 16, 32 or 64");
	expect_error(f, "xs.run{guest = 'nope'}", "no such built-in guest");
	expect_error(f, "xs.run{guest = 'io', image = 'x'}", "not both");
	expect_error(f, "xs.run{entry = 1}", "for images");
	expect_error(f, "xs.run{controls = {1}}", "\"key=value\" string");
	expect_error(f, "xs.run{controls = {'novalue'}}", "expected key=value");
	expect_error(f, "xs.run{controls = {['inject'] = {}}}", "must be a string, integer or boolean");
	expect_error(f, "xs.run{controls = {['inject'] = -3}}", "non-negative integer");
	expect_error(f, "xs.run{controls = {['no.such'] = 'on'}}", "no.such");
	expect_error(f, "xs.run{params = {nope = 1}}", "params.nope");
	expect_error(f, "xs.run{backend = 'warp'}", "backend 'warp'");
	/* well-typed: the launcher's own message (no KVM device here) */
	expect_error(f, "xs.run{backend = 'kvm', guest = 'io', iterations = 1}", "/nonexistent/kvm");
	expect_error(f, "xs.run{backend = 'vmx', guest = 'io', iterations = 1}", "/nonexistent/vmx-runner.img");
	expect_error(f, "xs.diff({runs = {}}, {runs = {1}})", "must list 1-");
	expect_error(f, "xs.diff({runs = {'x'}}, {runs = {1}})", "not a run id");
	expect_error(f, "xs.diff({runs = {999}}, {runs = {1}})", "no run 999");
	expect_error(f, "xs.diff({runs = {1}}, {runs = {1}}, 'xml')", "text, json or csv");
	expect_error(f, "xs.controls('warp')", "unknown backend 'warp'");
	expect_error(f, "xs.write_controls('/nonexistent/dir/x', {inject = 'sometimes'})", "inject");
	expect_error(f, "xs.write_controls('/nonexistent/dir/x', {})", "/nonexistent/dir/x");
	/* a Lua error and a non-string error object */
	expect_error(f, "error('boom')", "boom");
	expect_error(f, "error({})", "error object is a table value");
}

static void test_right_calls(void **state)
{
	struct fixture *f = *state;
	char err[512];
	char path[160];
	snprintf(path, sizeof(path), "%s/w.ctl", f->dir);
	char code[1024];
	snprintf(code, sizeof(code),
		 "assert(#xs.backends() >= 1)\n"
		 "local c = xs.controls('kvm')\n"
		 "assert(#c > 5 and c[1].name and c[1].kind and c[1].values and c[1].supported == false and c[1].why)\n"
		 "assert(xs.write_controls('%s', {['msr.exit_read'] = '0x10', inject = 'none', 'irq.window=on'}))\n"
		 "xs.log('hello', 1, true, nil)\n"
		 "assert(xs.session().store == '%s')\n",
		 path, f->store);
	int rc = run(f, code, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	char text[512] = "";
	size_t n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = 0;
	assert_non_null(strstr(text, "irq.window = on\ninject = none\nmsr.exit_read = 0x10\n"));
}

/* Random argument lists for every function: any outcome but a crash, and errors name test.lua:1. */
static void test_random_arguments(void **state)
{
	struct fixture *f = *state;
	static const char *const fns[] = {"backends", "controls",	"run", "diff",
					  "report",   "write_controls", "log", "session"};
	static const char *const values[] = {"nil",
					     "false",
					     "0",
					     "-1",
					     "1e308",
					     "0/0",
					     "'kvm'",
					     "''",
					     "'\\0'",
					     "{}",
					     "{runs={}}",
					     "{runs={1,2}}",
					     "{guest=1}",
					     "{controls=1}",
					     "{repeats=1e9}",
					     "{mode={}}",
					     "string.rep('x', 5000)",
					     "{controls={x=1}}",
					     "setmetatable({}, {__index=function() error('trap') end})"};
	struct xs_prng rng = xs_prng_seed(7);
	char code[1024], err[1024];
	for (int i = 0; i < 600; i++) {
		const char *fn = fns[xs_prng_below(&rng, sizeof(fns) / sizeof(fns[0]))];
		if (!strcmp(fn, "write_controls") || !strcmp(fn, "log"))
			continue; /* would write files named by random values; log prints anything */
		int o = snprintf(code, sizeof(code), "xs.%s(", fn);
		int nargs = (int)xs_prng_below(&rng, 4);
		for (int a = 0; a < nargs; a++)
			o += snprintf(code + o, sizeof(code) - (size_t)o, "%s%s", a ? ", " : "",
				      values[xs_prng_below(&rng, sizeof(values) / sizeof(values[0]))]);
		snprintf(code + o, sizeof(code) - (size_t)o, ")");
		if (run(f, code, err, sizeof(err)) && (strncmp(err, "test.lua:1: ", 12) || strchr(err, '\n')))
			fail_msg("code: %s: error without the script's line: '%s'", code, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrong_types_every_argument, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_right_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
