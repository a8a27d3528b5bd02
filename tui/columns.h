/* SPDX-License-Identifier: MIT */
/*
 * The columns of the dashboard's tables and of the latest-exits pane: which ones fit a given width, their
 * titles, and each cell's text. The screen and the --batch text snapshot both lay out rows through this, so the
 * two always show the same figures in the same columns.
 */
#ifndef EXITSCOPE_TUI_COLUMNS_H
#define EXITSCOPE_TUI_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/symtab.h"
#include "tui/frame.h"

enum tui_col {
	TUI_COL_LABEL, /* reason, or the VM (pid and name) */
	TUI_COL_VCPU,
	TUI_COL_COUNT,
	TUI_COL_RATE,
	TUI_COL_SHARE,
	TUI_COL_MEAN, /* mean exit-to-entry latency */
	TUI_COL_MAX,
	TUI_COL_P99,
	TUI_COL_TOP, /* a vCPU's most frequent reason */
	TUI_COL_SPARK,
};

struct tui_column {
	enum tui_col col;
	const char *title;
	int width;
	bool right; /* right-aligned (numbers) */
	int sort;   /* the enum tui_sort this column sorts by, or -1 */
};

#define TUI_MAX_COLUMNS 10
#define TUI_SPARK_MIN 8
#define TUI_SPARK_MAX 60

/* The columns of table t that fit in width characters (one space between columns), left to right. */
size_t tui_columns(enum tui_table t, int width, struct tui_column *out);
/*
 * The text of one cell (not the sparkline), cut to the column's width by the caller. exact: counts and rates as
 * whole numbers (text snapshots, for logs and scripts) instead of 3 significant digits with k/M/G.
 */
void tui_cell(const struct tui_frame *f, const struct tui_row *row, enum tui_col col, bool exact, char *buf,
	      size_t len);

/* A column's title for a frame timed by t ("HDL MEAN" for the launcher's handler times). */
const char *tui_column_title(const struct tui_column *c, enum tui_time t);

/*
 * The latest-exits pane: its title line and one exit per line, both for `width` characters. With guest symbols
 * (syms not NULL) wide terminals add a SYMBOL column after RIP ("guest_main+0x2c", "(no symbol)").
 */
void tui_latest_title(int width, enum tui_time t, const struct xs_symtab *syms, char *buf, size_t len);
void tui_latest_line(const struct xs_exit_record *r, uint64_t base_ts, enum tui_time t, const struct xs_symtab *syms,
		     int width, char *buf, size_t len);

#endif
