/* SPDX-License-Identifier: MIT */
/*
 * Aggregation mode's reader for the commands (record --summary, top, serve): at each refresh it reads the
 * collector's kernel cells (totals since the start) and adds what changed since the last read to the shared
 * aggregator, so counts, rates and latency histograms are the same numbers the per-exit stream would give.
 */
#ifndef EXITSCOPE_CLI_AGG_POLL_H
#define EXITSCOPE_CLI_AGG_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "collector/collector.h"
#include "common/agg.h"

struct xs_agg_poll;

struct xs_agg_poll *xs_agg_poll_new(void);
void xs_agg_poll_free(struct xs_agg_poll *p);

/* Add the change of every cell since the last read to agg, as arriving at now_ns. 0, or a negative errno. */
int xs_agg_poll_read(struct xs_agg_poll *p, struct xs_collector *col, struct xs_agg *agg, uint64_t now_ns);

/* The (pid, vCPU, isa, reason) cells seen so far. */
size_t xs_agg_poll_cells(const struct xs_agg_poll *p);

#endif
