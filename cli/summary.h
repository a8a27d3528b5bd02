/* SPDX-License-Identifier: MIT */
/*
 * The end-of-run summary of `run` and `record`: one row per exit reason (count, share, rate, handler time,
 * exit-to-entry latency), as a table for people or one JSON object for scripts. Numbers come from the
 * shared aggregator (common/agg.h); names from the decoder.
 */
#ifndef EXITSCOPE_CLI_SUMMARY_H
#define EXITSCOPE_CLI_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "common/agg.h"

struct xs_summary_info {
	double duration_s;	/* wall time of the run */
	uint64_t dropped;	/* records lost anywhere on the way (producer + sinks) */
	const char *extra_json; /* optional: more members for the JSON object, e.g. "\"unsupported\":[...]" */
};

void xs_summary_print_text(FILE *out, const struct xs_agg *agg, const struct xs_summary_info *info);
void xs_summary_print_json(FILE *out, const struct xs_agg *agg, const struct xs_summary_info *info);

#endif
