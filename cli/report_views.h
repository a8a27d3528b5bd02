/* SPDX-License-Identifier: MIT */
/*
 * The report's views that go beyond the stored aggregates' table: exits per guest function (--by symbol,
 * --by reason,symbol), which scan the exits, and latency histograms (--histogram), drawn from the aggregates.
 */
#ifndef EXITSCOPE_CLI_REPORT_VIEWS_H
#define EXITSCOPE_CLI_REPORT_VIEWS_H

#include <stdbool.h>

#include "cli/exit_source.h"
#include "cli/guest_symbols.h"
#include "db/report.h"

int xs_report_by_symbol(const char *path, const struct xs_exit_filter *f, bool by_reason, struct xs_guest_symbols *syms,
			bool json);
int xs_report_histogram(const char *path, const struct xs_report_opts *ro, bool json);

#endif
