/* SPDX-License-Identifier: MIT */
/*
 * The dashboard: wires a source, the bounded queue, the model, the input thread and the screen (or the text
 * snapshots of --batch), and runs the drawing thread's loop.
 *
 * Threads: the source's producer thread(s) write records into the queue; the input thread reads keys; the
 * calling thread (the drawing thread) drains the queue into the model every few milliseconds, applies keys the
 * moment they arrive, and draws a new frame every refresh interval or at once after a key. Nothing blocks the
 * drawing thread for long, so a key takes effect well within one refresh even under a heavy record stream.
 */
#ifndef EXITSCOPE_TUI_APP_H
#define EXITSCOPE_TUI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/symtab.h"
#include "tui/frame.h"
#include "tui/source.h"

struct tui_options {
	double interval_s;		 /* refresh interval, TUI_INTERVAL_MIN..TUI_INTERVAL_MAX */
	bool batch;			 /* text snapshots on stdout instead of the screen */
	unsigned long count;		 /* --batch: snapshots to print; 0 = until the source ends */
	bool colour;			 /* use colour when the terminal has it */
	struct tui_view view;		 /* initial table and sort (the filter comes from `filter`) */
	const char *filter;		 /* initial filter text (tui/filter.h), or NULL */
	size_t queue_bytes;		 /* 0: TUI_QUEUE_DEFAULT */
	const struct xs_symtab *symbols; /* guest symbols (not owned), or NULL */
};

#define TUI_QUEUE_DEFAULT (32u << 20)

/*
 * Run the dashboard on src until the user quits (or, with --batch, until count snapshots or the source's end).
 * Takes ownership of src. Returns the exit status: 0, or 1 when the source or the terminal failed (the reason
 * printed as one line on stderr, after the terminal is restored).
 */
int tui_run(struct tui_source *src, const struct tui_options *opt);

#endif
