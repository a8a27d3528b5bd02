// SPDX-License-Identifier: MIT
/* Unit tests for the dashboard's input side: key decoding and the interaction state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/frame.h"
#include "tui/keys.h"
#include "tui/model.h"
#include "tui/ui.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

/* ---- key decoding ---- */

static size_t decode(const char *bytes, int *keys)
{
	struct tui_keydec d;
	tui_keydec_init(&d);
	size_t n = strlen(bytes);
	size_t k = tui_keydec_feed(&d, (const unsigned char *)bytes, n, keys, 2 * n);
	if (tui_keydec_pending(&d)) {
		int key = tui_keydec_timeout(&d);
		if (key)
			keys[k++] = key;
	}
	return k;
}

static void test_keys_plain(void **state)
{
	(void)state;
	int k[16];
	assert_int_equal(decode("qs ", k), 3);
	assert_int_equal(k[0], 'q');
	assert_int_equal(k[1], 's');
	assert_int_equal(k[2], ' ');
	assert_int_equal(decode("\r\n\t\x7f\x08\x0c", k), 6);
	assert_int_equal(k[0], TUI_KEY_ENTER);
	assert_int_equal(k[1], TUI_KEY_ENTER);
	assert_int_equal(k[2], TUI_KEY_TAB);
	assert_int_equal(k[3], TUI_KEY_BACKSPACE);
	assert_int_equal(k[4], TUI_KEY_BACKSPACE);
	assert_int_equal(k[5], TUI_CTRL('l'));
}

static void test_keys_sequences(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		int key;
	} cases[] = {
		{"\x1b[A", TUI_KEY_UP},	   {"\x1bOA", TUI_KEY_UP},    {"\x1b[B", TUI_KEY_DOWN},
		{"\x1bOB", TUI_KEY_DOWN},  {"\x1b[C", TUI_KEY_RIGHT}, {"\x1b[D", TUI_KEY_LEFT},
		{"\x1b[5~", TUI_KEY_PGUP}, {"\x1b[6~", TUI_KEY_PGDN}, {"\x1b[H", TUI_KEY_HOME},
		{"\x1b[F", TUI_KEY_END},   {"\x1b[1~", TUI_KEY_HOME}, {"\x1b[4~", TUI_KEY_END},
		{"\x1bOH", TUI_KEY_HOME},  {"\x1b[Z", TUI_KEY_BTAB},  {"\x1bOP", TUI_KEY_F1},
		{"\x1b[11~", TUI_KEY_F1},  {"\x1b[21~", TUI_KEY_F10}, {"\x1b[[A", TUI_KEY_F1},
		{"\x1b[1;5A", TUI_KEY_UP}, {"\x1bOM", TUI_KEY_ENTER}, {"\x1b[3~", TUI_KEY_DELETE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int k[8];
		assert_int_equal(decode(cases[i].bytes, k), 1);
		assert_int_equal(k[0], cases[i].key);
	}
}

static void test_keys_escape_and_junk(void **state)
{
	(void)state;
	int k[16];
	/* A lone Esc, after the escape delay. */
	assert_int_equal(decode("\x1b", k), 1);
	assert_int_equal(k[0], TUI_KEY_ESC);
	/* Esc Esc [A: Esc then Up. */
	assert_int_equal(decode("\x1b\x1b[A", k), 2);
	assert_int_equal(k[0], TUI_KEY_ESC);
	assert_int_equal(k[1], TUI_KEY_UP);
	/* Alt-q: Esc then q. */
	assert_int_equal(decode("\x1bq", k), 2);
	assert_int_equal(k[0], TUI_KEY_ESC);
	assert_int_equal(k[1], 'q');
	/* Unknown sequences are swallowed whole: no stray '[', digits or letters reach the dashboard. */
	assert_int_equal(decode("\x1b[99~q", k), 1);
	assert_int_equal(k[0], 'q');
	assert_int_equal(decode("\x1b[200~v", k), 1);
	assert_int_equal(k[0], 'v');
	/* A sequence split across reads is still one key. */
	struct tui_keydec d;
	tui_keydec_init(&d);
	assert_int_equal(tui_keydec_feed(&d, (const unsigned char *)"\x1b[", 2, k, 4), 0);
	assert_true(tui_keydec_pending(&d));
	assert_int_equal(tui_keydec_feed(&d, (const unsigned char *)"6~", 2, k, 4), 1);
	assert_int_equal(k[0], TUI_KEY_PGDN);
	/* An over-long sequence is dropped, not mistaken for keys. */
	char junk[64] = "\x1b[";
	memset(junk + 2, '1', 50);
	junk[52] = 'x';
	junk[53] = 0;
	size_t n = decode(junk, k);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(k[i], '1');
}

static void test_key_names(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(tui_key_name('q', b, sizeof(b)), "q");
	assert_string_equal(tui_key_name(TUI_KEY_ENTER, b, sizeof(b)), "Enter");
	assert_string_equal(tui_key_name(TUI_CTRL('l'), b, sizeof(b)), "^L");
	assert_string_equal(tui_key_name(' ', b, sizeof(b)), "Space");
}

/* ---- the interaction state machine ---- */

struct fixture {
	struct tui_model m;
	struct tui_frame f;
	struct tui_ui ui;
};

static void rebuild(struct fixture *x)
{
	tui_frame_build(&x->f, &x->m, &x->ui.view, NULL, NULL);
	tui_layout(24, 80, x->f.nrows, &x->ui.layout);
	tui_ui_sync(&x->ui, &x->f);
}

static unsigned int key(struct fixture *x, int k)
{
	unsigned int fx = tui_ui_key(&x->ui, k, &x->f, &x->m);
	if (fx & TUI_FX_REBUILD)
		rebuild(x);
	else if (fx & TUI_FX_RESORT)
		tui_frame_sort(&x->f, &x->ui.view);
	tui_ui_sync(&x->ui, &x->f);
	return fx;
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	tui_model_init(&x->m);
	/* reasons: IO x30 (vCPU 0), HLT x20 (vCPU 1), CPUID x10 (vCPU 0) with a guest state on the last CPUID */
	for (int i = 0; i < 60; i++) {
		struct xs_exit_record r = xs_test_record(XS_ISA_VMX, i < 30 ? 30 : i < 50 ? 12 : 10);
		r.vcpu = i >= 30 && i < 50;
		r.pid = 7;
		r.seq = (uint64_t)i;
		r.ts = 1000000000ull + (uint64_t)i * 1000;
		r.flags = XS_F_LATENCY;
		r.latency_ns = r.reason == 12 ? 9000 : r.reason == 30 ? 3000 : 100;
		if (i == 59) {
			r.flags |= XS_F_GUEST_STATE;
			r.gs.valid = XS_GS_RIP;
			r.gs.rip = 0x1234;
		}
		r.size = (uint16_t)xs_record_wire_size(&r);
		tui_model_add(&x->m, &r);
	}
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	tui_ui_init(&x->ui, &v, 1.0);
	rebuild(x);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	tui_frame_free(&x->f);
	tui_model_free(&x->m);
	free(x);
	return 0;
}

static void test_ui_quit_help(void **state)
{
	struct fixture *x = *state;
	assert_true(key(x, 'h') & TUI_FX_REDRAW);
	assert_int_equal(x->ui.screen, TUI_SCREEN_HELP);
	assert_false(key(x, 'q') & TUI_FX_QUIT); /* q in help closes it */
	assert_int_equal(x->ui.screen, TUI_SCREEN_MAIN);
	key(x, '?');
	assert_int_equal(x->ui.screen, TUI_SCREEN_HELP);
	key(x, 'x');
	assert_int_equal(x->ui.screen, TUI_SCREEN_MAIN);
	assert_true(key(x, 'q') & TUI_FX_QUIT);
	assert_true(key(x, TUI_KEY_F10) & TUI_FX_QUIT);
}

static void test_ui_sort_keys(void **state)
{
	struct fixture *x = *state;
	assert_reason(x->f.rows[0].agg.key.isa, x->f.rows[0].agg.key.reason, 30); /* by count */
	assert_true(key(x, 'm') & TUI_FX_RESORT);
	assert_int_equal(x->ui.view.sort, TUI_SORT_MEAN);
	assert_reason(x->f.rows[0].agg.key.isa, x->f.rows[0].agg.key.reason, 12);
	key(x, 'm'); /* the same column again inverts */
	assert_true(x->ui.view.reverse);
	assert_reason(x->f.rows[0].agg.key.isa, x->f.rows[0].agg.key.reason, 10);
	key(x, 's'); /* next column: max, natural order */
	assert_int_equal(x->ui.view.sort, TUI_SORT_MAX);
	assert_false(x->ui.view.reverse);
	key(x, 's');
	assert_int_equal(x->ui.view.sort, TUI_SORT_NAME);
	assert_string_equal(x->f.rows[0].label, "vmx CPUID");
	key(x, 'I');
	assert_string_equal(x->f.rows[0].label, "vmx IO_INSTRUCTION");
	key(x, 's');
	assert_int_equal(x->ui.view.sort, TUI_SORT_COUNT); /* wraps */
	key(x, 'r');
	assert_int_equal(x->ui.view.sort, TUI_SORT_RATE);
	key(x, 'x');
	assert_int_equal(x->ui.view.sort, TUI_SORT_MAX);
	key(x, 'c');
	assert_int_equal(x->ui.view.sort, TUI_SORT_COUNT);
	key(x, 'n');
	assert_int_equal(x->ui.view.sort, TUI_SORT_NAME);
}

/* The selection follows its row through a re-sort. */
static void test_ui_selection_follows_row(void **state)
{
	struct fixture *x = *state;
	key(x, TUI_KEY_DOWN);
	key(x, TUI_KEY_DOWN);
	assert_int_equal(x->ui.sel, 2);
	assert_reason(x->f.rows[x->ui.sel].agg.key.isa, x->f.rows[x->ui.sel].agg.key.reason,
		      10); /* CPUID, third by count */
	key(x, 'n');	   /* by name: CPUID is first */
	assert_int_equal(x->ui.sel, 0);
	assert_reason(x->f.rows[x->ui.sel].agg.key.isa, x->f.rows[x->ui.sel].agg.key.reason, 10);
	key(x, TUI_KEY_END);
	assert_int_equal(x->ui.sel, 2);
	key(x, TUI_KEY_DOWN);
	assert_int_equal(x->ui.sel, 2); /* stays at the end */
	key(x, TUI_KEY_HOME);
	assert_int_equal(x->ui.sel, 0);
	key(x, TUI_KEY_UP);
	assert_int_equal(x->ui.sel, 0);
}

static void test_ui_vcpu_toggle(void **state)
{
	struct fixture *x = *state;
	assert_true(key(x, 'v') & TUI_FX_REBUILD);
	assert_int_equal(x->ui.view.table, TUI_TABLE_VCPUS);
	assert_int_equal(x->f.table, TUI_TABLE_VCPUS);
	assert_int_equal(x->f.nrows, 2);
	key(x, 'v');
	assert_int_equal(x->f.table, TUI_TABLE_REASONS);
	assert_int_equal(x->f.nrows, 3);
}

static void test_ui_detail(void **state)
{
	struct fixture *x = *state;
	/* Enter on the table's first row (IO): the newest IO exit. */
	key(x, TUI_KEY_ENTER);
	assert_int_equal(x->ui.screen, TUI_SCREEN_DETAIL);
	assert_reason(x->ui.detail.isa, x->ui.detail.reason, 30);
	assert_int_equal(x->ui.detail.seq, 29);
	assert_true(x->ui.detail_lines > 5);
	key(x, TUI_KEY_DOWN);
	assert_int_equal(x->ui.detail_scroll, 0); /* it all fits: nothing to scroll */
	key(x, TUI_KEY_ESC);
	assert_int_equal(x->ui.screen, TUI_SCREEN_MAIN);
	/* Tab to the latest exits; Enter opens the newest (the CPUID with guest state); Left goes to older ones. */
	key(x, TUI_KEY_TAB);
	assert_int_equal(x->ui.focus, TUI_PANE_LATEST);
	key(x, TUI_KEY_ENTER);
	assert_int_equal(x->ui.detail.seq, 59);
	assert_true(x->ui.detail.flags & XS_F_GUEST_STATE);
	assert_int_equal(x->ui.detail.gs.rip, 0x1234);
	key(x, TUI_KEY_LEFT);
	assert_int_equal(x->ui.detail.seq, 58);
	key(x, TUI_KEY_RIGHT);
	key(x, TUI_KEY_RIGHT); /* already the newest */
	assert_int_equal(x->ui.detail.seq, 59);
	key(x, 'q');
	assert_int_equal(x->ui.screen, TUI_SCREEN_MAIN);
	key(x, TUI_KEY_DOWN);
	key(x, TUI_KEY_ENTER);
	assert_int_equal(x->ui.detail.seq, 58);
}

static void test_ui_pause(void **state)
{
	struct fixture *x = *state;
	assert_true(key(x, ' ') & TUI_FX_PAUSE);
	assert_true(x->ui.paused);
	assert_true(key(x, ' ') & TUI_FX_PAUSE);
	assert_false(x->ui.paused);
}

static void test_ui_filter_prompt(void **state)
{
	struct fixture *x = *state;
	key(x, 'f');
	assert_int_equal(x->ui.prompt, TUI_PROMPT_FILTER);
	assert_false(key(x, 'q') & TUI_FX_QUIT); /* typing, not a command */
	key(x, TUI_KEY_BACKSPACE);
	for (const char *p = "vcpu=1"; *p; p++)
		key(x, *p);
	assert_string_equal(x->ui.input, "vcpu=1");
	assert_true(key(x, TUI_KEY_ENTER) & TUI_FX_FILTER);
	struct tui_filter f;
	memset(&f, 0, sizeof(f));
	tui_ui_filter_result(&x->ui, NULL, "filter: bad");
	assert_int_equal(x->ui.prompt, TUI_PROMPT_FILTER); /* an error keeps the prompt */
	assert_true(x->ui.message_error);
	f.agg.by_vcpu = true;
	f.agg.vcpu = 1;
	snprintf(f.text, sizeof(f.text), "vcpu=1");
	tui_ui_filter_result(&x->ui, &f, NULL);
	rebuild(x);
	assert_int_equal(x->ui.prompt, TUI_PROMPT_NONE);
	assert_int_equal(x->f.nrows, 1);
	assert_reason(x->f.rows[0].agg.key.isa, x->f.rows[0].agg.key.reason, 12);
	/* f again starts from the current filter; Esc cancels; F clears. */
	key(x, 'f');
	assert_string_equal(x->ui.input, "vcpu=1");
	key(x, TUI_CTRL('u'));
	assert_string_equal(x->ui.input, "");
	key(x, TUI_KEY_ESC);
	assert_int_equal(x->ui.prompt, TUI_PROMPT_NONE);
	assert_true(x->ui.view.filter.agg.by_vcpu);
	assert_true(key(x, 'F') & TUI_FX_REBUILD);
	assert_false(x->ui.view.filter.agg.by_vcpu);
	assert_int_equal(x->f.nrows, 3);
}

static void test_ui_interval_prompt(void **state)
{
	struct fixture *x = *state;
	key(x, 'd');
	assert_int_equal(x->ui.prompt, TUI_PROMPT_INTERVAL);
	assert_string_equal(x->ui.input, "1");
	key(x, TUI_CTRL('u'));
	key(x, '0');
	assert_false(key(x, TUI_KEY_ENTER) & TUI_FX_INTERVAL); /* 0 s is below the minimum */
	assert_true(x->ui.message_error);
	key(x, '.');
	key(x, '5');
	assert_true(key(x, TUI_KEY_ENTER) & TUI_FX_INTERVAL);
	assert_true(x->ui.interval_s == 0.5);
	assert_int_equal(x->ui.prompt, TUI_PROMPT_NONE);
}

static void test_ui_unknown_key_says_so(void **state)
{
	struct fixture *x = *state;
	key(x, 'Z');
	assert_true(x->ui.message_error);
	assert_non_null(strstr(x->ui.message, "h shows the keys"));
}

static void test_layout(void **state)
{
	(void)state;
	struct tui_layout l;
	tui_layout(24, 80, 3, &l);
	assert_false(l.too_small);
	assert_int_equal(l.table_y, TUI_HEADER_ROWS);
	assert_int_equal(l.table_rows, 3);
	assert_int_equal(l.latest_y, l.table_y + 1 + 3);
	assert_int_equal(l.latest_y + 1 + l.latest_rows, l.footer_y);
	tui_layout(24, 80, 100, &l);
	assert_int_equal(l.table_rows, (24 - TUI_HEADER_ROWS - 3) * 3 / 5);
	assert_int_equal(l.latest_y + 1 + l.latest_rows, l.footer_y);
	tui_layout(60, 200, 100, &l);
	assert_int_equal(l.latest_y + 1 + l.latest_rows, l.footer_y);
	tui_layout(10, 80, 3, &l);
	assert_true(l.too_small);
	tui_layout(24, 40, 3, &l);
	assert_true(l.too_small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_plain),
		cmocka_unit_test(test_keys_sequences),
		cmocka_unit_test(test_keys_escape_and_junk),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test_setup_teardown(test_ui_quit_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_sort_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_selection_follows_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_vcpu_toggle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_filter_prompt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_interval_prompt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_unknown_key_says_so, setup, teardown),
		cmocka_unit_test(test_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
