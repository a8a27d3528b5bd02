/* SPDX-License-Identifier: MIT */
/*
 * Latency distributions for people: the aggregates' log-linear histogram (12.5% buckets, common/agg.h) folded
 * into power-of-two bins, with p50/p90/p99/p99.9 and max. `exitscope report --histogram` prints one per
 * reason or vCPU; the dashboard draws one for the selected reason.
 */
#ifndef EXITSCOPE_ANALYSIS_HISTOGRAM_H
#define EXITSCOPE_ANALYSIS_HISTOGRAM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/agg.h"

#define XS_HIST_LOG2_BINS 64

struct xs_hist_bin {
	uint64_t lo, hi; /* [lo, hi] ns, inclusive (TSC ticks when ticks) */
	uint64_t count;
	bool ticks; /* the records were stamped in TSC ticks (the vmx backend): no time unit */
};

struct xs_hist_summary {
	uint64_t count;
	uint64_t p50, p90, p99, p999, max;
};

/* Power-of-two bins from the lowest non-empty one to the highest (empty ones between kept); the number. */
size_t xs_hist_log2(const struct xs_stats *s, struct xs_hist_bin bins[XS_HIST_LOG2_BINS]);
void xs_hist_summarize(const struct xs_stats *s, struct xs_hist_summary *out);

/*
 * One bin as text: "  1.02us - 2.05us    ####      93" with a bar of up to bar_width '#' scaled to top (the
 * largest bin's count; a non-empty bin gets at least one). Returns buf.
 */
const char *xs_hist_bin_text(const struct xs_hist_bin *bin, uint64_t top, unsigned int bar_width, char *buf,
			     size_t len);
/* The largest count among n bins. */
uint64_t xs_hist_top(const struct xs_hist_bin *bins, size_t n);

/* One histogram: a header line with the percentiles, then one bar per bin ("  1us-2us  ####  1234"). */
void xs_hist_print_text(FILE *out, const char *label, const struct xs_stats *s, unsigned int bar_width);
/* {"label":...,"count":N,"p50_ns":...,"bins":[{"lo_ns":..,"hi_ns":..,"count":..},...]} */
void xs_hist_print_json(FILE *out, const char *label, const struct xs_stats *s);

#endif
