// SPDX-License-Identifier: MIT
#include "tui/ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tui/detail.h"
#include "tui/views.h"
#include "tui/keys.h"

void tui_layout(int rows, int cols, size_t table_rows_wanted, struct tui_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->rows = rows;
	out->cols = cols;
	out->footer_y = rows - 1;
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		out->too_small = true;
		return;
	}
	/* Between the header and the footer: the table's title and rows, then the latest exits' title and rows.
	 * The table takes what it needs up to 3/5 of that; the latest exits keep at least the rest. */
	int body = rows - TUI_HEADER_ROWS - 1 - 2;
	int max_table = body * 3 / 5;
	int want = table_rows_wanted ? (int)(table_rows_wanted < (size_t)body ? table_rows_wanted : (size_t)body) : 1;
	out->table_rows = want < max_table ? want : max_table;
	out->table_y = TUI_HEADER_ROWS;
	out->latest_y = out->table_y + 1 + out->table_rows;
	out->latest_rows = body - out->table_rows;
}

void tui_ui_init(struct tui_ui *ui, const struct tui_view *view, double interval_s)
{
	memset(ui, 0, sizeof(*ui));
	ui->view = *view;
	ui->interval_s = interval_s;
	ui->detail_index = SIZE_MAX;
}

void tui_ui_message(struct tui_ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_error = error;
}

/* Keep index sel visible in a window of `rows` rows over n items starting at *scroll. */
static void keep_visible(size_t sel, size_t n, int rows, size_t *scroll)
{
	size_t h = rows > 0 ? (size_t)rows : 1;
	if (sel < *scroll)
		*scroll = sel;
	if (sel >= *scroll + h)
		*scroll = sel - h + 1;
	size_t max = n > h ? n - h : 0;
	if (*scroll > max)
		*scroll = max;
}

static void select_row(struct tui_ui *ui, const struct tui_frame *f, size_t i)
{
	if (!f->nrows) {
		ui->sel = 0;
		ui->sel_valid = false;
		return;
	}
	ui->sel = i < f->nrows ? i : f->nrows - 1;
	ui->sel_key = f->rows[ui->sel].agg.key;
	ui->sel_valid = true;
	keep_visible(ui->sel, f->nrows, ui->layout.table_rows, &ui->table_scroll);
}

void tui_ui_sync(struct tui_ui *ui, const struct tui_frame *f)
{
	long found = ui->sel_valid ? tui_frame_find(f, &ui->sel_key) : -1;
	select_row(ui, f, found >= 0 ? (size_t)found : ui->sel);
	if (ui->latest_sel >= f->nlatest)
		ui->latest_sel = f->nlatest ? f->nlatest - 1 : 0;
	keep_visible(ui->latest_sel, f->nlatest, ui->layout.latest_rows, &ui->latest_scroll);
	keep_visible(ui->detail_scroll, ui->detail_lines, ui->layout.rows - 2, &ui->detail_scroll);
}

/* A new position after a movement key in a list of n items showing `page` at once; -1 if not a movement key. */
static long move(int key, size_t pos, size_t n, int page)
{
	size_t p = page > 1 ? (size_t)page - 1 : 1;
	switch (key) {
	case TUI_KEY_UP:
	case 'k':
		return pos ? (long)pos - 1 : 0;
	case TUI_KEY_DOWN:
	case 'j':
		return pos + 1 < n ? (long)pos + 1 : (long)pos;
	case TUI_KEY_PGUP:
		return pos > p ? (long)(pos - p) : 0;
	case TUI_KEY_PGDN:
		return n ? (long)(pos + p < n ? pos + p : n - 1) : 0;
	case TUI_KEY_HOME:
	case 'g':
		return 0;
	case TUI_KEY_END:
	case 'G':
		return n ? (long)n - 1 : 0;
	default:
		return -1;
	}
}

static void open_detail(struct tui_ui *ui, const struct xs_exit_record *r, size_t index)
{
	struct tui_line lines[TUI_DETAIL_MAX_LINES];
	ui->detail = *r;
	ui->detail_index = index;
	ui->detail_lines = tui_detail_build(r, 0, NULL, lines, TUI_DETAIL_MAX_LINES);
	ui->detail_scroll = 0;
	ui->screen = TUI_SCREEN_DETAIL;
	ui->message[0] = 0;
}

static bool same_vcpu(const struct xs_exit_record *r, const struct xs_agg_key *k)
{
	return r->pid == k->pid && r->vcpu == k->vcpu;
}

static bool same_reason(const struct xs_exit_record *r, const struct xs_agg_key *k)
{
	return r->isa == k->isa && r->reason == k->reason;
}

/* Enter on a table row: the newest exit of that reason or vCPU that the filter lets through. */
static unsigned int detail_of_row(struct tui_ui *ui, const struct tui_frame *f, const struct tui_model *m)
{
	if (!f->nrows || ui->sel >= f->nrows)
		return 0;
	const struct xs_agg_key *k = &f->rows[ui->sel].agg.key;
	bool vcpus = f->table == TUI_TABLE_VCPUS;
	for (size_t i = 0; i < f->nlatest; i++) {
		if (vcpus ? same_vcpu(&f->latest[i], k) : same_reason(&f->latest[i], k)) {
			open_detail(ui, &f->latest[i], i);
			return TUI_FX_REDRAW;
		}
	}
	const struct xs_exit_record *r = NULL;
	if (vcpus) {
		for (size_t i = 0; !r && i < tui_model_latest_count(m); i++) {
			const struct xs_exit_record *c = tui_model_latest(m, i);
			if (same_vcpu(c, k) && tui_filter_match(&ui->view.filter, c))
				r = c;
		}
	} else {
		r = tui_model_newest_of(m, k->isa, k->reason);
		if (r && !tui_filter_match(&ui->view.filter, r))
			r = NULL;
	}
	if (!r) {
		tui_ui_message(ui, true, "no exit of this %s under the filter is kept any more",
			       vcpus ? "vCPU" : "reason");
		return TUI_FX_REDRAW;
	}
	open_detail(ui, r, SIZE_MAX);
	return TUI_FX_REDRAW;
}

static unsigned int start_prompt(struct tui_ui *ui, enum tui_prompt p, const char *initial)
{
	ui->prompt = p;
	snprintf(ui->input, sizeof(ui->input), "%s", initial);
	ui->input_len = strlen(ui->input);
	ui->message[0] = 0;
	return TUI_FX_REDRAW;
}

static unsigned int set_sort(struct tui_ui *ui, enum tui_sort s)
{
	/* The same column again inverts the order, as in htop. */
	if (ui->view.sort == s) {
		ui->view.reverse = !ui->view.reverse;
	} else {
		ui->view.sort = s;
		ui->view.reverse = false;
	}
	tui_ui_message(ui, false, "sorted by %s%s", tui_sort_name(ui->view.sort),
		       ui->view.reverse ? " (inverted)" : "");
	return TUI_FX_RESORT | TUI_FX_REDRAW;
}

static unsigned int prompt_key(struct tui_ui *ui, int key)
{
	if (key == TUI_KEY_ESC) {
		ui->prompt = TUI_PROMPT_NONE;
		ui->message[0] = 0;
		return TUI_FX_REDRAW;
	}
	if (key == TUI_KEY_BACKSPACE) {
		if (ui->input_len)
			ui->input[--ui->input_len] = 0;
		return TUI_FX_REDRAW;
	}
	if (key == TUI_CTRL('u')) {
		ui->input_len = 0;
		ui->input[0] = 0;
		return TUI_FX_REDRAW;
	}
	if (key == TUI_KEY_ENTER) {
		if (ui->prompt == TUI_PROMPT_FILTER)
			return TUI_FX_FILTER | TUI_FX_REDRAW;
		double s;
		if (!xs_parse_seconds(ui->input, &s) || s < TUI_INTERVAL_MIN || s > TUI_INTERVAL_MAX) {
			tui_ui_message(ui, true, "refresh interval '%s': give seconds from %.1f to %.0f", ui->input,
				       TUI_INTERVAL_MIN, TUI_INTERVAL_MAX);
			return TUI_FX_REDRAW;
		}
		ui->interval_s = s;
		ui->prompt = TUI_PROMPT_NONE;
		tui_ui_message(ui, false, "refresh every %g s", s);
		return TUI_FX_INTERVAL | TUI_FX_REDRAW;
	}
	if (key >= 0x20 && key < 0x7f && ui->input_len + 1 < sizeof(ui->input)) {
		ui->input[ui->input_len++] = (char)key;
		ui->input[ui->input_len] = 0;
		return TUI_FX_REDRAW;
	}
	return 0;
}

void tui_ui_filter_result(struct tui_ui *ui, const struct tui_filter *parsed, const char *error)
{
	if (error) {
		tui_ui_message(ui, true, "%s", error);
		return; /* keep the prompt open with the text, so it can be corrected */
	}
	ui->view.filter = *parsed;
	ui->prompt = TUI_PROMPT_NONE;
	ui->latest_sel = ui->latest_scroll = 0;
	if (tui_filter_active(parsed))
		tui_ui_message(ui, false, "filter: %s", parsed->text);
	else
		tui_ui_message(ui, false, "filter cleared");
}

/* A movement key on a screen of text (detail, symbols, histogram): true when it scrolled. */
static bool scroll_text(struct tui_ui *ui, int key)
{
	int page = ui->layout.rows - 2;
	long to = move(key, ui->detail_scroll, ui->detail_lines, page);
	if (to < 0)
		return false;
	/* Scroll a page of text: the last line may reach the bottom row, no further. */
	size_t max = ui->detail_lines > (size_t)page ? ui->detail_lines - (size_t)page : 0;
	ui->detail_scroll = (size_t)to > max ? max : (size_t)to;
	return true;
}

/* What every screen of text (detail, symbols, histogram) does with a key: scroll, pause, repaint, go back. */
static unsigned int text_screen_key(struct tui_ui *ui, int key)
{
	if (scroll_text(ui, key))
		return TUI_FX_REDRAW;
	switch (key) {
	case ' ':
		ui->paused = !ui->paused;
		return TUI_FX_PAUSE | TUI_FX_REDRAW;
	case TUI_CTRL('l'):
		return TUI_FX_FULL_REDRAW | TUI_FX_REDRAW;
	case 'q':
	case 'Q':
	case TUI_KEY_ESC:
	case TUI_KEY_ENTER:
	case TUI_KEY_BACKSPACE:
		ui->screen = TUI_SCREEN_MAIN;
		return TUI_FX_REDRAW;
	default:
		return 0;
	}
}

static unsigned int detail_key(struct tui_ui *ui, int key, const struct tui_frame *f)
{
	if (key != TUI_KEY_LEFT && key != TUI_KEY_RIGHT)
		return text_screen_key(ui, key);
	if (ui->detail_index == SIZE_MAX) {
		tui_ui_message(ui, true, "this exit is not in the latest-exits list");
		return TUI_FX_REDRAW;
	}
	size_t i = ui->detail_index;
	if (key == TUI_KEY_LEFT && i + 1 < f->nlatest)
		i++;
	else if (key == TUI_KEY_RIGHT && i > 0)
		i--;
	else
		return 0;
	open_detail(ui, &f->latest[i], i);
	ui->latest_sel = i;
	return TUI_FX_REDRAW;
}

/* Lines of the symbols or histogram screen as the frame has them now. */
static size_t view_lines(const struct tui_ui *ui, const struct tui_frame *f)
{
	struct tui_line lines[TUI_VIEW_MAX_LINES];
	return ui->screen == TUI_SCREEN_SYMBOLS ? tui_symbols_view(f, lines, TUI_VIEW_MAX_LINES)
						: tui_histogram_view(f, &ui->hist_key, lines, TUI_VIEW_MAX_LINES);
}

static unsigned int open_view(struct tui_ui *ui, enum tui_screen screen, const struct tui_frame *f)
{
	ui->screen = screen;
	ui->detail_scroll = 0;
	ui->detail_lines = view_lines(ui, f);
	return TUI_FX_REDRAW;
}

static unsigned int view_key(struct tui_ui *ui, int key, const struct tui_frame *f)
{
	ui->detail_lines = view_lines(ui, f);
	if (key == 'y')
		return open_view(ui, TUI_SCREEN_SYMBOLS, f);
	if (key == 'H') {
		ui->screen = TUI_SCREEN_MAIN;
		return TUI_FX_REDRAW;
	}
	return text_screen_key(ui, key);
}

/* The keys that change what the table shows and how (table, sort, filter, interval); 0 for any other key. */
static unsigned int table_key(struct tui_ui *ui, int key)
{
	switch (key) {
	case 'v':
		ui->view.table = ui->view.table == TUI_TABLE_REASONS ? TUI_TABLE_VCPUS : TUI_TABLE_REASONS;
		ui->sel_valid = false;
		ui->sel = ui->table_scroll = 0;
		return TUI_FX_REBUILD | TUI_FX_REDRAW;
	case 's':
		ui->view.sort = (enum tui_sort)((ui->view.sort + 1) % TUI_SORT_COUNT_);
		ui->view.reverse = false;
		tui_ui_message(ui, false, "sorted by %s", tui_sort_name(ui->view.sort));
		return TUI_FX_RESORT | TUI_FX_REDRAW;
	case 'c':
		return set_sort(ui, TUI_SORT_COUNT);
	case 'r':
		return set_sort(ui, TUI_SORT_RATE);
	case 'm':
		return set_sort(ui, TUI_SORT_MEAN);
	case 'x':
		return set_sort(ui, TUI_SORT_MAX);
	case 'n':
		return set_sort(ui, TUI_SORT_NAME);
	case 'I':
		ui->view.reverse = !ui->view.reverse;
		tui_ui_message(ui, false, "sorted by %s%s", tui_sort_name(ui->view.sort),
			       ui->view.reverse ? " (inverted)" : "");
		return TUI_FX_RESORT | TUI_FX_REDRAW;
	case 'f':
		return start_prompt(ui, TUI_PROMPT_FILTER, ui->view.filter.text);
	case 'F': {
		struct tui_filter none;
		memset(&none, 0, sizeof(none));
		tui_ui_filter_result(ui, &none, NULL);
		return TUI_FX_REBUILD | TUI_FX_REDRAW;
	}
	case 'd': {
		char now[32];
		snprintf(now, sizeof(now), "%g", ui->interval_s);
		return start_prompt(ui, TUI_PROMPT_INTERVAL, now);
	}
	default:
		return 0;
	}
}

static unsigned int main_key(struct tui_ui *ui, int key, const struct tui_frame *f, const struct tui_model *m)
{
	bool table = ui->focus == TUI_PANE_TABLE;
	long to = table ? move(key, ui->sel, f->nrows, ui->layout.table_rows)
			: move(key, ui->latest_sel, f->nlatest, ui->layout.latest_rows);
	if (to >= 0) {
		if (table) {
			select_row(ui, f, (size_t)to);
		} else {
			ui->latest_sel = (size_t)to;
			keep_visible(ui->latest_sel, f->nlatest, ui->layout.latest_rows, &ui->latest_scroll);
		}
		return TUI_FX_REDRAW;
	}
	unsigned int fx = table_key(ui, key);
	if (fx)
		return fx;
	switch (key) {
	case 'q':
	case 'Q':
	case TUI_KEY_F10:
		return TUI_FX_QUIT;
	case 'h':
	case '?':
	case TUI_KEY_F1:
		ui->screen = TUI_SCREEN_HELP;
		return TUI_FX_REDRAW;
	case ' ':
		ui->paused = !ui->paused;
		tui_ui_message(ui, false, ui->paused ? "paused: space resumes" : "resumed");
		return TUI_FX_PAUSE | TUI_FX_REDRAW;
	case 'y':
		return open_view(ui, TUI_SCREEN_SYMBOLS, f);
	case 'H':
		if (ui->focus != TUI_PANE_TABLE || ui->sel >= f->nrows) {
			tui_ui_message(ui, true, "select a row of the table first (H draws its latency histogram)");
			return TUI_FX_REDRAW;
		}
		ui->hist_key = f->rows[ui->sel].agg.key;
		return open_view(ui, TUI_SCREEN_HISTOGRAM, f);
	case TUI_KEY_TAB:
	case TUI_KEY_BTAB:
		ui->focus = table ? TUI_PANE_LATEST : TUI_PANE_TABLE;
		return TUI_FX_REDRAW;
	case TUI_KEY_ENTER:
		if (table)
			return detail_of_row(ui, f, m);
		if (!f->nlatest) {
			tui_ui_message(ui, true, "no exit to show yet");
			return TUI_FX_REDRAW;
		}
		open_detail(ui, &f->latest[ui->latest_sel], ui->latest_sel);
		return TUI_FX_REDRAW;
	case TUI_KEY_ESC:
		ui->message[0] = 0;
		return TUI_FX_REDRAW;
	case TUI_CTRL('l'):
		return TUI_FX_FULL_REDRAW | TUI_FX_REDRAW;
	default: {
		char name[16];
		tui_ui_message(ui, true, "key %s does nothing here: h shows the keys",
			       tui_key_name(key, name, sizeof(name)));
		return TUI_FX_REDRAW;
	}
	}
}

unsigned int tui_ui_key(struct tui_ui *ui, int key, const struct tui_frame *f, const struct tui_model *m)
{
	if (ui->prompt != TUI_PROMPT_NONE)
		return prompt_key(ui, key);
	switch (ui->screen) {
	case TUI_SCREEN_HELP:
		ui->screen = TUI_SCREEN_MAIN;
		return TUI_FX_REDRAW;
	case TUI_SCREEN_DETAIL:
		return detail_key(ui, key, f);
	case TUI_SCREEN_SYMBOLS:
	case TUI_SCREEN_HISTOGRAM:
		return view_key(ui, key, f);
	case TUI_SCREEN_MAIN:
		break;
	}
	return main_key(ui, key, f, m);
}
