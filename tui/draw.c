// SPDX-License-Identifier: MIT
#define NCURSES_WIDECHAR 1
#include "tui/draw.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/columns.h"
#include "tui/detail.h"
#include "tui/views.h"
#include "tui/format.h"

enum pair { P_HEADER = 1, P_TITLE, P_SELECT, P_SPARK, P_ERROR, P_HEADING, P_STATE, P_DIM };

static SCREEN *screen;
static bool utf8, colour;

static attr_t attr(enum pair p)
{
	if (colour)
		return COLOR_PAIR(p) | (p == P_ERROR || p == P_HEADING || p == P_STATE ? A_BOLD : 0);
	switch (p) { /* readable without colour: reverse for bars and selection, bold for emphasis */
	case P_HEADER:
	case P_TITLE:
	case P_SELECT:
		return A_REVERSE;
	case P_ERROR:
	case P_HEADING:
	case P_STATE:
		return A_BOLD;
	case P_DIM:
		return A_DIM;
	case P_SPARK:
		return A_NORMAL;
	}
	return A_NORMAL;
}

bool tui_screen_open(bool want_colour, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "top needs a terminal on stdin and stdout (use --batch for text snapshots)");
		return false;
	}
	setlocale(LC_CTYPE, "");
	utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "cannot drive terminal type '%s' (check TERM)", term ? term : "(unset)");
		return false;
	}
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	/* Keys are read by the input thread (tui/input.h); ncurses must not peek at the input to interrupt an
	 * update, or keys would race between the two. */
	typeahead(-1);
	colour = want_colour && has_colors();
	if (colour) {
		start_color();
		use_default_colors();
		init_pair(P_HEADER, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_TITLE, COLOR_BLACK, COLOR_GREEN);
		init_pair(P_SELECT, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_SPARK, COLOR_CYAN, -1);
		init_pair(P_ERROR, COLOR_RED, -1);
		init_pair(P_HEADING, COLOR_YELLOW, -1);
		init_pair(P_STATE, COLOR_YELLOW, COLOR_BLUE);
		init_pair(P_DIM, COLOR_BLUE, -1);
	}
	return true;
}

void tui_screen_close(void)
{
	if (!screen)
		return;
	/* Terminals without an alternate screen keep the last frame: leave the bottom line clean for the shell. */
	move(LINES - 1, 0);
	clrtoeol();
	refresh();
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
}

void tui_screen_suspend(void)
{
	if (screen) {
		move(LINES - 1, 0);
		clrtoeol();
		refresh();
		curs_set(1);
		endwin(); /* the next doupdate takes the terminal again */
	}
	raise(SIGSTOP);
	if (screen)
		curs_set(0);
}

void tui_screen_resize(void)
{
	struct winsize ws;
	if (!screen || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row || !ws.ws_col)
		return;
	resizeterm(ws.ws_row, ws.ws_col);
}

void tui_screen_size(int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
}

/* Text at (y, x), cut at the right edge. */
static void put(int y, int x, const char *s)
{
	if (y < 0 || y >= LINES || x >= COLS)
		return;
	mvaddnstr(y, x, s, COLS - x);
}

/* A whole row in attribute a, text padded to the right edge. */
static void bar(int y, attr_t a, const char *s)
{
	attron(a);
	mvhline(y, 0, ' ', COLS);
	put(y, 0, s);
	attroff(a);
}

static void draw_spark(int y, int x, int width, const uint32_t *per_sec)
{
	static const wchar_t blocks[TUI_SPARK_LEVELS] = {L' ',	    L'\u2581', L'\u2582', L'\u2583', L'\u2584',
							 L'\u2585', L'\u2586', L'\u2587', L'\u2588'};
	static const char ascii[TUI_SPARK_LEVELS] = {' ', '_', '.', '-', '=', '+', '*', '#', '@'};
	unsigned char levels[TUI_SPARK_MAX];
	if (width > TUI_SPARK_MAX)
		width = TUI_SPARK_MAX;
	/* The newest second is still filling: the line ends with the last complete one. */
	tui_sparkline(per_sec, XS_AGG_SECONDS - 1, (size_t)width, levels);
	attron(attr(P_SPARK));
	if (utf8) {
		wchar_t w[TUI_SPARK_MAX + 1];
		for (int i = 0; i < width; i++)
			w[i] = blocks[levels[i]];
		w[width] = 0;
		mvaddnwstr(y, x, w, width);
	} else {
		char s[TUI_SPARK_MAX + 1];
		for (int i = 0; i < width; i++)
			s[i] = ascii[levels[i]];
		s[width] = 0;
		put(y, x, s);
	}
	attroff(attr(P_SPARK));
}

static void draw_header(const struct tui_header *h, const struct tui_view *v)
{
	char lines[3][TUI_HEADER_LINE];
	int state_x;
	tui_header_lines(h, v, COLS, lines, &state_x);
	bar(0, attr(P_HEADER), lines[0]);
	if (h->paused || h->finished) { /* the state at the end of line 0 stands out */
		attron(attr(P_STATE));
		put(0, state_x, lines[0] + state_x);
		attroff(attr(P_STATE));
	}
	put(1, 0, lines[1]);
	attron(attr(P_DIM));
	put(2, 0, lines[2]);
	attroff(attr(P_DIM));
}

static int column_x(const struct tui_column *cols, size_t i)
{
	int x = 0;
	for (size_t c = 0; c < i; c++)
		x += cols[c].width + 1;
	return x;
}

static void draw_table(const struct tui_frame *f, const struct tui_ui *ui)
{
	const struct tui_layout *l = &ui->layout;
	struct tui_column cols[TUI_MAX_COLUMNS];
	size_t n = tui_columns(f->table, COLS, cols);
	attron(attr(P_TITLE));
	mvhline(l->table_y, 0, ' ', COLS);
	for (size_t c = 0; c < n; c++) {
		char t[64];
		bool sorted = cols[c].sort == (int)ui->view.sort;
		snprintf(t, sizeof(t), "%*s", cols[c].right ? cols[c].width : -cols[c].width,
			 tui_column_title(&cols[c], f->time));
		if (sorted)
			attron(A_BOLD | A_UNDERLINE);
		put(l->table_y, column_x(cols, c), t);
		if (sorted)
			attroff(A_BOLD | A_UNDERLINE);
	}
	attroff(attr(P_TITLE));
	for (int i = 0; i < l->table_rows; i++) {
		size_t r = ui->table_scroll + (size_t)i;
		int y = l->table_y + 1 + i;
		if (r >= f->nrows) {
			if (!i && !f->nrows)
				put(y, 1, f->received ? "(no exits under the filter)" : "(no exits yet)");
			continue;
		}
		bool selected = r == ui->sel && ui->focus == TUI_PANE_TABLE;
		if (selected) {
			attron(attr(P_SELECT));
			mvhline(y, 0, ' ', COLS);
		}
		for (size_t c = 0; c < n; c++) {
			int x = column_x(cols, c);
			if (cols[c].col == TUI_COL_SPARK) {
				if (selected)
					attroff(attr(P_SELECT));
				draw_spark(y, x, cols[c].width, f->rows[r].agg.per_sec);
				if (selected)
					attron(attr(P_SELECT));
				continue;
			}
			char text[128], cell[160];
			tui_cell(f, &f->rows[r], cols[c].col, false, text, sizeof(text));
			snprintf(cell, sizeof(cell), "%*.*s", cols[c].right ? cols[c].width : -cols[c].width,
				 cols[c].width, text);
			put(y, x, cell);
		}
		if (selected)
			attroff(attr(P_SELECT));
	}
}

static void draw_latest(const struct tui_frame *f, const struct tui_ui *ui)
{
	const struct tui_layout *l = &ui->layout;
	char line[1024];
	tui_latest_title(COLS, f->time, f->symbols, line, sizeof(line));
	bar(l->latest_y, attr(P_TITLE), line);
	for (int i = 0; i < l->latest_rows; i++) {
		size_t r = ui->latest_scroll + (size_t)i;
		int y = l->latest_y + 1 + i;
		if (r >= f->nlatest) {
			if (!i && !f->nlatest)
				put(y, 1, ui->latest_note ? ui->latest_note : "(no exits yet)");
			continue;
		}
		tui_latest_line(&f->latest[r], f->base_ts, f->time, f->symbols, COLS, line, sizeof(line));
		if (r == ui->latest_sel && ui->focus == TUI_PANE_LATEST)
			bar(y, attr(P_SELECT), line);
		else
			put(y, 0, line);
	}
}

static void draw_footer(const struct tui_ui *ui, const char *hints)
{
	int y = ui->layout.footer_y;
	if (ui->prompt != TUI_PROMPT_NONE) {
		const char *label = ui->prompt == TUI_PROMPT_FILTER ? "filter (pid= vm= vcpu= reason=; empty clears): "
								    : "refresh interval (s): ";
		if (ui->message[0] && ui->message_error) {
			/* The error goes above the prompt, so both stay visible while the text is corrected. */
			attron(attr(P_ERROR));
			mvhline(y - 1, 0, ' ', COLS);
			put(y - 1, 0, ui->message);
			attroff(attr(P_ERROR));
		}
		char line[256];
		snprintf(line, sizeof(line), "%s%s", label, ui->input);
		bar(y, A_BOLD, line);
		int x = (int)strlen(line);
		if (x < COLS) {
			attron(A_REVERSE);
			mvaddch(y, x, ' '); /* the cursor */
			attroff(A_REVERSE);
		}
		return;
	}
	if (ui->message[0]) {
		attron(attr(ui->message_error ? P_ERROR : P_HEADING));
		put(y, 0, ui->message);
		attroff(attr(ui->message_error ? P_ERROR : P_HEADING));
		return;
	}
	attron(attr(P_DIM));
	put(y, 0, hints);
	attroff(attr(P_DIM));
}

static void draw_main(const struct tui_header *h, const struct tui_frame *f, const struct tui_ui *ui)
{
	draw_header(h, &ui->view);
	draw_table(f, ui);
	draw_latest(f, ui);
	draw_footer(ui, "q quit  h help  space pause  v vCPUs  s/c/r/m/x/n sort  f filter  d interval  Tab pane  "
			"Enter detail");
}

/* Lines of text from `scroll` on, between the title bar and the footer, styled. */
static void draw_lines(const struct tui_line *lines, size_t n, size_t scroll)
{
	for (int y = 1; y < LINES - 1; y++) {
		size_t i = scroll + (size_t)(y - 1);
		if (i >= n)
			break;
		attr_t a = lines[i].style == TUI_LINE_HEADING ? attr(P_HEADING)
			   : lines[i].style == TUI_LINE_DIM   ? attr(P_DIM)
							      : A_NORMAL;
		attron(a);
		put(y, 0, lines[i].text);
		attroff(a);
	}
}

/* The symbols and histogram screens: a title and scrolled lines, as the detail screen. */
static void draw_view(const struct tui_frame *f, const struct tui_ui *ui)
{
	struct tui_line lines[TUI_VIEW_MAX_LINES];
	bool symbols = ui->screen == TUI_SCREEN_SYMBOLS;
	size_t n = symbols ? tui_symbols_view(f, lines, TUI_VIEW_MAX_LINES)
			   : tui_histogram_view(f, &ui->hist_key, lines, TUI_VIEW_MAX_LINES);
	size_t scroll = ui->detail_scroll < n ? ui->detail_scroll : 0;
	char title[128];
	snprintf(title, sizeof(title), "%s%s   lines %zu-%zu of %zu",
		 symbols ? "Exits per guest function" : "Latency histogram", ui->paused ? " (paused)" : "",
		 n ? scroll + 1 : 0, scroll + (size_t)(LINES - 2) < n ? scroll + (size_t)(LINES - 2) : n, n);
	bar(0, attr(P_HEADER), title);
	draw_lines(lines, n, scroll);
	draw_footer(ui, "q/Esc back  Up/Down/PgUp/PgDn scroll  space pause");
}

static void draw_detail(const struct tui_frame *f, const struct tui_ui *ui, tui_vm_name_fn vm_name, void *arg)
{
	struct tui_line lines[TUI_DETAIL_MAX_LINES];
	const char *vm = vm_name ? vm_name(arg, ui->detail.pid) : NULL;
	size_t n = tui_detail_build(&ui->detail, f->base_ts, vm, lines, TUI_DETAIL_MAX_LINES);
	char title[128];
	snprintf(title, sizeof(title), "Exit detail%s   lines %zu-%zu of %zu", ui->paused ? " (paused)" : "",
		 n ? ui->detail_scroll + 1 : 0,
		 ui->detail_scroll + (size_t)(LINES - 2) < n ? ui->detail_scroll + (size_t)(LINES - 2) : n, n);
	bar(0, attr(P_HEADER), title);
	draw_lines(lines, n, ui->detail_scroll);
	draw_footer(ui, "q/Esc/Enter back  Up/Down/PgUp/PgDn scroll  Left older exit  Right newer exit  space pause");
}

static void draw_help(const struct tui_ui *ui)
{
	static const char *const help[] = {
		"exitscope top: keys",
		"",
		"  q           quit (in the detail or help screen: back)",
		"  h ? F1      this help",
		"  space       pause / resume the display (nothing is lost meanwhile)",
		"  v           switch between the exit-reason table and the per-vCPU table",
		"  s           sort by the next column",
		"  c r m x n   sort by count, rate, mean, max latency, name (again: invert)",
		"  I           invert the sort order",
		"  f           filter: pid=N vm=NAME vcpu=N reason=[isa:]NAME (all must hold)",
		"  F           clear the filter",
		"  d           refresh interval in seconds",
		"  Tab         move between the table and the latest exits",
		"  Up Down PgUp PgDn Home End (j k g G)   move the selection",
		"  Enter       detail of the selected exit (table: the newest of that row)",
		"  y           exits per guest function (with guest symbols)",
		"  H           latency histogram of the selected row",
		"  ^L          repaint the screen",
		"",
		"Rates are per second of recorded time. MEAN, MAX, P99: exit-to-entry latency",
		"(HDL: the launcher's handler time). The sparkline: the last 60 complete seconds.",
		"Any key closes this help.",
	};
	bar(0, attr(P_HEADER), "Help");
	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]) && (int)i + 1 < LINES - 1; i++)
		put((int)i + 1, 0, help[i]);
	(void)ui;
}

void tui_draw(const struct tui_header *h, const struct tui_frame *f, const struct tui_ui *ui, bool full,
	      tui_vm_name_fn vm_name, void *arg)
{
	if (!screen)
		return;
	if (full)
		clearok(curscr, TRUE);
	erase();
	if (ui->layout.too_small) {
		char msg[96];
		snprintf(msg, sizeof(msg), "terminal too small: %dx%d, need %dx%d (q quits)", COLS, LINES, TUI_MIN_COLS,
			 TUI_MIN_ROWS);
		put(0, 0, msg);
	} else if (ui->screen == TUI_SCREEN_HELP) {
		draw_help(ui);
	} else if (ui->screen == TUI_SCREEN_DETAIL) {
		draw_detail(f, ui, vm_name, arg);
	} else if (ui->screen == TUI_SCREEN_SYMBOLS || ui->screen == TUI_SCREEN_HISTOGRAM) {
		draw_view(f, ui);
	} else {
		draw_main(h, f, ui);
	}
	wnoutrefresh(stdscr);
	doupdate();
}
