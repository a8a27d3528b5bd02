/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's interaction state and key handling, apart from both the terminal and the data: which screen
 * is up (main, detail, help), which pane has the focus, selections and scroll positions, the prompt being typed,
 * the message line, the view settings (table, sort, filter), pause and the refresh interval.
 *
 * tui_ui_key() applies one key and returns TUI_FX_* flags telling the dashboard what to do next (draw, build a
 * new frame, parse a filter, quit, ...). Nothing here draws or reads a terminal, so every key is unit-tested.
 *
 * Keys (main screen): q quit; h ? F1 help; space pause/resume; v reasons/per-vCPU table; s next sort column;
 * c r m x n sort by count, rate, mean latency, max latency, name; I invert the order; f filter; F clear the
 * filter; d refresh interval; Tab switch pane; Up Down PgUp PgDn Home End (j k) move; Enter detail of the
 * selected exit; y exits per guest function; H latency histogram of the selected row; ^L redraw. Detail: Up Down
 * PgUp PgDn scroll, Left Right older/newer exit, q Esc Enter back. Symbols and histogram: scroll, q Esc back.
 */
#ifndef EXITSCOPE_TUI_UI_H
#define EXITSCOPE_TUI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"
#include "tui/frame.h"
#include "tui/model.h"

enum tui_screen { TUI_SCREEN_MAIN, TUI_SCREEN_DETAIL, TUI_SCREEN_HELP, TUI_SCREEN_SYMBOLS, TUI_SCREEN_HISTOGRAM };
enum tui_pane { TUI_PANE_TABLE, TUI_PANE_LATEST };
enum tui_prompt { TUI_PROMPT_NONE, TUI_PROMPT_FILTER, TUI_PROMPT_INTERVAL };

enum {
	TUI_FX_REDRAW = 1 << 0,	     /* draw again */
	TUI_FX_REBUILD = 1 << 1,     /* the view changed: build a new frame from the model */
	TUI_FX_RESORT = 1 << 2,	     /* only the order changed: re-sort the frame (works on a paused one) */
	TUI_FX_PAUSE = 1 << 3,	     /* ui.paused was toggled */
	TUI_FX_FILTER = 1 << 4,	     /* ui.input holds a filter to parse and apply (tui_ui_apply_filter) */
	TUI_FX_INTERVAL = 1 << 5,    /* ui.interval_s changed */
	TUI_FX_QUIT = 1 << 6,	     /* leave */
	TUI_FX_FULL_REDRAW = 1 << 7, /* repaint every cell (^L) */
};

#define TUI_INTERVAL_MIN 0.1
#define TUI_INTERVAL_MAX 60.0

/* Where things go on the screen; computed from the terminal size and the frame (tui_layout). */
struct tui_layout {
	int rows, cols;
	bool too_small; /* below TUI_MIN_COLS x TUI_MIN_ROWS: only a notice is drawn */
	int table_y;	/* the table's title row; its data rows follow */
	int table_rows; /* data rows visible */
	int latest_y;	/* the latest-exits title row; its rows follow */
	int latest_rows;
	int footer_y; /* key hints or the prompt */
};

#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 12
#define TUI_HEADER_ROWS 3

void tui_layout(int rows, int cols, size_t table_rows_wanted, struct tui_layout *out);

struct tui_ui {
	enum tui_screen screen;
	enum tui_pane focus;
	const char *latest_note; /* shown in an empty latest-exits pane instead of "(no exits yet)" */
	enum tui_prompt prompt;
	struct tui_view view;
	bool paused;
	double interval_s;
	struct tui_layout layout;

	/* table selection, kept by key so it follows its row through re-sorting and new rows */
	struct xs_agg_key sel_key;
	bool sel_valid;
	size_t sel, table_scroll;
	size_t latest_sel, latest_scroll;

	/* histogram screen: the table row it shows */
	struct xs_agg_key hist_key;

	/* detail screen (its scroll position also serves the symbols and histogram screens) */
	struct xs_exit_record detail;
	size_t detail_index; /* its place in the frame's latest exits, or SIZE_MAX */
	size_t detail_lines, detail_scroll;

	/* prompt and message line */
	char input[192];
	size_t input_len;
	char message[200];
	bool message_error;
};

void tui_ui_init(struct tui_ui *ui, const struct tui_view *view, double interval_s);
/* Apply one key. f is the frame on screen, m the model it came from (the frozen one when paused). */
unsigned int tui_ui_key(struct tui_ui *ui, int key, const struct tui_frame *f, const struct tui_model *m);
/* After a new frame or a resize: find the selected row again and keep selections and scrolling in range. */
void tui_ui_sync(struct tui_ui *ui, const struct tui_frame *f);
/* The dashboard parsed ui.input after TUI_FX_FILTER: install the result, or show the error and keep the prompt. */
void tui_ui_filter_result(struct tui_ui *ui, const struct tui_filter *parsed, const char *error);
void tui_ui_message(struct tui_ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
