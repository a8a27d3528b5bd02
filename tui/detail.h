/* SPDX-License-Identifier: MIT */
/*
 * The detail view of one exit, as lines of text: who exited and when, the reason and its description, the
 * decoded qualification (from the decoder), every raw field the record carries, the detail union, and the
 * guest state with its validity. Pure: the screen scrolls these lines, tests read them.
 */
#ifndef EXITSCOPE_TUI_DETAIL_H
#define EXITSCOPE_TUI_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

#define TUI_DETAIL_WIDTH 78 /* lines fit an 80-column terminal */
#define TUI_DETAIL_MAX_LINES 96

enum tui_line_style { TUI_LINE_TEXT, TUI_LINE_HEADING, TUI_LINE_DIM };

struct tui_line {
	enum tui_line_style style;
	char text[TUI_DETAIL_WIDTH + 1];
};

/* Lines being filled: lines[0..n) used, at most max. */
struct tui_lines {
	struct tui_line *lines;
	size_t n, max;
};

/* Append one formatted line (dropped when the array is full). */
void tui_lines_add(struct tui_lines *o, enum tui_line_style style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Fill lines[] (up to max) for record r; base_ts is the time the dashboard counts from, vm the VM's name or
 * NULL. Returns the number of lines (never more than max; TUI_DETAIL_MAX_LINES always suffices).
 */
size_t tui_detail_build(const struct xs_exit_record *r, uint64_t base_ts, const char *vm, struct tui_line *lines,
			size_t max);

#endif
