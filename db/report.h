/* SPDX-License-Identifier: MIT */
/*
 * `exitscope report`: exits grouped by reason, vCPU, I/O port, MSR or GPA with count, share, time share and
 * min/mean/p99/max exit-to-entry latency, in the spirit of `perf kvm stat report`. Numbers come from the
 * aggregates stored at ingest (db/aggstore.h), merged across runs when asked; a dimension a run could not
 * aggregate completely is computed by scanning that run's exits instead. Latency percentiles come from the
 * log-linear histogram (12.5% buckets), clamped to the exact min and max. Runs without latencies (the
 * launcher records the time its handler took instead) report that handler time.
 */
#ifndef EXITSCOPE_DB_REPORT_H
#define EXITSCOPE_DB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/agg.h"
#include "db/aggstore.h"
#include "db/sqlite_api.h"

enum xs_report_sort { XS_SORT_COUNT, XS_SORT_TIME, XS_SORT_MAX };

#define XS_REPORT_LATEST 0 /* run_id: the newest run */
#define XS_REPORT_ALL -1   /* run_id: every run merged */

struct xs_report_opts {
	int64_t run_id;
	enum xs_agg_dim by;
	enum xs_report_sort sort;
};

struct xs_report_row {
	uint64_t k1, k2;
	struct xs_stats stats;
};

struct xs_report {
	enum xs_agg_dim by;
	int64_t run_id;		  /* the run reported, or XS_REPORT_ALL */
	size_t runs;		  /* runs merged */
	uint64_t exits, dropped;  /* every exit of the runs, and those lost on the way */
	uint64_t lat_sum_all;	  /* latency of every exit: the denominator of time shares */
	uint64_t handler_sum_all; /* the launcher's handler time of every exit */
	/*
	 * What "time" means: exit-to-entry latency when any was recorded; else the launcher's handler time
	 * (mean and max only: no histogram is kept for it).
	 */
	bool handler_time;
	enum xs_time_unit time_unit; /* of the latencies: ns, TSC ticks (vmx backend runs) or mixed (merged runs) */
	struct xs_stats grouped;     /* exits that have a key in this dimension */
	bool scanned;		     /* some run was scanned rather than read from aggregates */
	char title[256];	     /* "run 3: launcher, guest mixed, 2026-11-26T07:00:00Z" */
	char vm[4200];		     /* "pid 812: qemu-system-x86_64 -name ...": a recording's -p process, or "" */
	struct xs_report_row *rows;
	size_t nrows;
};

int xs_report_build(sqlite3 *db, const struct xs_report_opts *opts, struct xs_report *rep, char *err, size_t errlen);
void xs_report_free(struct xs_report *rep);

/* The label of a row in its dimension: "vmx IO_INSTRUCTION", "vcpu 0 (pid 812)", "0x3f8". */
void xs_report_label(enum xs_agg_dim by, const struct xs_report_row *row, char *buf, size_t len);

void xs_report_print_text(FILE *out, const struct xs_report *rep);
void xs_report_print_json(FILE *out, const struct xs_report *rep);

#endif
