/* SPDX-License-Identifier: MIT */
/*
 * Aggregation of exit records: counts, rates, latency statistics and histograms, per (pid, vCPU, isa, reason)
 * cell, rolled up on demand by reason, vCPU or pid under a filter. One module for the launcher's end-of-run
 * summary, the dashboard and reports, so all of them compute the same numbers the same way.
 *
 * Time is the records' own clock (ts): rates mean "per second of recorded time", which is what a replay at
 * any speed must show. Records stamped in TSC ticks (XS_F_TS_TSC: the vmx backend's emulated TSC, which has no
 * trustworthy wall frequency) are counted apart: their latencies are ticks (xs_stats.tsc_count says so), and
 * their rate is known only from a live source's wall clock (xs_agg_arrival), never from their ticks.
 * Not thread-safe: callers serialise.
 */
#ifndef EXITSCOPE_AGG_H
#define EXITSCOPE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"
#include "common/sink.h"

/* Log-linear histogram: exact below 8, then 8 buckets per power of two (12.5% resolution). */
#define XS_HIST_BUCKETS 496
#define XS_AGG_SECONDS 60 /* per-second counts kept for rates and sparklines */

unsigned int xs_hist_bucket(uint64_t v);
uint64_t xs_hist_bucket_low(unsigned int b);
uint64_t xs_hist_bucket_high(unsigned int b); /* inclusive */

struct xs_stats {
	uint64_t count;
	uint64_t lat_count, lat_sum, lat_min, lat_max;	  /* records with XS_F_LATENCY */
	uint64_t handler_count, handler_sum, handler_max; /* records with XS_F_RUN_TIMES: our handler time */
	uint64_t run_sum;				  /* time inside KVM_RUN (XS_F_RUN_TIMES) */
	uint64_t first_ts, last_ts;
	uint64_t tsc_count; /* records stamped in TSC ticks (XS_F_TS_TSC): ts and latencies are ticks, not ns */
	uint64_t lat_hist[XS_HIST_BUCKETS];
};

void xs_stats_add(struct xs_stats *s, const struct xs_exit_record *r);
void xs_stats_merge(struct xs_stats *into, const struct xs_stats *from);
/* Latency percentile p in [0,100], from the histogram (clamped to the exact min and max); 0 if no latency. */
uint64_t xs_stats_lat_percentile(const struct xs_stats *s, double p);
static inline double xs_stats_lat_mean(const struct xs_stats *s)
{
	return s->lat_count ? (double)s->lat_sum / (double)s->lat_count : 0.0;
}
static inline double xs_stats_handler_mean(const struct xs_stats *s)
{
	return s->handler_count ? (double)s->handler_sum / (double)s->handler_count : 0.0;
}

/* The unit of a set of records' timestamps and latencies. */
enum xs_time_unit {
	XS_TIME_NS,    /* CLOCK_MONOTONIC ns */
	XS_TIME_TICKS, /* TSC ticks (every record XS_F_TS_TSC) */
	XS_TIME_MIXED, /* both: latencies of the two cannot be compared or summed */
};
/* "ns", "tsc_ticks", "mixed" (machine-readable outputs). */
static inline const char *xs_time_unit_name(enum xs_time_unit u)
{
	return u == XS_TIME_TICKS ? "tsc_ticks" : u == XS_TIME_MIXED ? "mixed" : "ns";
}
static inline enum xs_time_unit xs_stats_time_unit(const struct xs_stats *s)
{
	return !s->tsc_count ? XS_TIME_NS : s->tsc_count == s->count ? XS_TIME_TICKS : XS_TIME_MIXED;
}

struct xs_agg_key {
	uint32_t pid;
	uint32_t vcpu;
	uint32_t reason;
	uint8_t isa;
};

/* What a rollup keeps; a field left at its "any" value matches everything. */
struct xs_agg_filter {
	bool by_pid;
	uint32_t pid;
	bool by_vcpu;
	uint32_t vcpu;
	bool by_reason;
	uint8_t isa;
	uint32_t reason;
};

/* BY_CELL keeps the whole key: one row per (pid, vCPU, isa, reason) cell, for exporters. */
enum xs_agg_group { XS_AGG_BY_REASON, XS_AGG_BY_VCPU, XS_AGG_BY_PID, XS_AGG_BY_CELL };

struct xs_agg_row {
	struct xs_agg_key key; /* only the grouped part is meaningful */
	struct xs_stats stats;
	uint32_t per_sec[XS_AGG_SECONDS]; /* oldest first; the last entry is the newest (current) second */
	double rate; /* exits/s over the last complete second; < 0: unknown (TSC-stamped records, no wall clock) */
};

struct xs_agg;

struct xs_agg *xs_agg_new(void);
void xs_agg_free(struct xs_agg *a);
void xs_agg_reset(struct xs_agg *a);
void xs_agg_add(struct xs_agg *a, const struct xs_exit_record *r);

/*
 * Exits counted elsewhere (the collector's aggregation mode, collector/agg_read.h): s->count exits and their
 * latencies, added to cell k as if they arrived at now_ns (CLOCK_MONOTONIC ns, the records' clock).
 */
void xs_agg_add_stats(struct xs_agg *a, const struct xs_agg_key *k, const struct xs_stats *s, uint64_t now_ns);

/* Everything matching f, as one row (key zero). */
void xs_agg_total(const struct xs_agg *a, const struct xs_agg_filter *f, struct xs_agg_row *out);
/* Rows grouped by `by`, in no particular order; *rows is malloc'd (free it). Returns the row count. */
size_t xs_agg_rollup(const struct xs_agg *a, const struct xs_agg_filter *f, enum xs_agg_group by,
		     struct xs_agg_row **rows);

/*
 * Move the clock to now_ns (never back) without a record, so rates and per-second windows age while a live
 * source is quiet. Callers that pass wall time must use the records' clock (CLOCK_MONOTONIC ns).
 */
void xs_agg_advance(struct xs_agg *a, uint64_t now_ns);

/*
 * A live source's wall clock (CLOCK_MONOTONIC ns) now: TSC-stamped records added from now on count in this
 * second's window, so their rate is exits per wall second. Sources that are not live (a replay, a store) never
 * call it, and the rate of TSC-stamped records stays unknown: their ticks are no clock of ours.
 */
void xs_agg_arrival(struct xs_agg *a, uint64_t now_ns);

/* A deep copy: a frozen view (a paused dashboard) while the original keeps counting. Free it with xs_agg_free. */
struct xs_agg *xs_agg_clone(const struct xs_agg *a);

/* The newest record time seen (ns), and the total number of records added. */
uint64_t xs_agg_now(const struct xs_agg *a);
uint64_t xs_agg_count(const struct xs_agg *a);

/* A sink feeding the aggregator (which it does not own). */
struct xs_sink *xs_agg_sink(struct xs_agg *a);

#endif
