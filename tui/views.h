/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's analysis screens, as lines of text (the screen scrolls them, tests read them):
 *  - symbols (key y): exits per guest function since the dashboard started, with share, p50/p99/max latency
 *    and the share taken at guest CPL 3 (analysis/symagg.h); only when the dashboard has guest symbols;
 *  - histogram (key H): the selected row's exit-to-entry latency in power-of-two bins with p50/p90/p99/p99.9
 *    and max (analysis/histogram.h), for a reason or a vCPU.
 */
#ifndef EXITSCOPE_TUI_VIEWS_H
#define EXITSCOPE_TUI_VIEWS_H

#include <stddef.h>

#include "common/agg.h"
#include "tui/detail.h"
#include "tui/frame.h"

#define TUI_VIEW_MAX_LINES 256

/* Fill lines[] (up to max); returns how many. */
size_t tui_symbols_view(const struct tui_frame *f, struct tui_line *lines, size_t max);
/* The histogram of the frame's row with key k (grouped part only); a line saying so when there is none. */
size_t tui_histogram_view(const struct tui_frame *f, const struct xs_agg_key *k, struct tui_line *lines, size_t max);

#endif
