/* SPDX-License-Identifier: MIT */
/*
 * Comparing runs: the logic behind `exitscope diff` and the tune scripts' xs.diff(). Pure (no I/O): each side
 * of a comparison is one or more runs (repeats of the same configuration); records are added run by run and
 * counted per key in five dimensions (exit reason, I/O port, MSR, control register, exception/interrupt
 * vector) with common/agg's statistics. The comparison then gives, per key, the exits per guest iteration of
 * each side, their share, the time per exit (p50/p99/max) and a verdict that accounts for noise:
 *
 *   both sides repeated (n >= 2 each)  Welch's t 95% confidence interval of the difference of the means;
 *                                      significant when the interval excludes 0 (both sides without any
 *                                      spread: the difference is exact and significant when it is not 0)
 *   one side repeated, the other once  95% prediction interval of one more run of the repeated side
 *                                      (assumes the single run has the same spread)
 *   one run each                       "same" when the counts are equal, else "cannot tell": noise is
 *                                      unknown, repeat the runs to decide
 *
 * "Time" is the exit-to-entry latency where records carry it, else the launcher's handler time.
 */
#ifndef EXITSCOPE_RUNDIFF_H
#define EXITSCOPE_RUNDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/agg.h"
#include "exitscope/record.h"

#define XS_RUNDIFF_MAX_RUNS 256 /* runs per side */

enum xs_rundiff_dim { XS_RD_REASON, XS_RD_PORT, XS_RD_MSR, XS_RD_CR, XS_RD_VECTOR, XS_RD_DIMS };

const char *xs_rundiff_dim_name(enum xs_rundiff_dim d); /* "reason", "port", "msr", "cr", "vector" */

/*
 * The key of r in dimension d: reason k1 = isa, k2 = reason; port k1 = port; msr k1 = index; cr k1 = CR
 * number, k2 = 1 for a write; vector k1 = the vector of an exception, debug or interruption-info exit.
 * False when r has no key there.
 */
bool xs_rundiff_key(enum xs_rundiff_dim d, const struct xs_exit_record *r, uint64_t *k1, uint64_t *k2);

struct xs_rundiff_run {
	int64_t id;	     /* the run's id in its store (0 when constructed) */
	uint64_t iterations; /* guest iterations of the run (per-vCPU iterations x vCPUs); 0: unknown */
	uint64_t exits;	     /* records added */
};

struct xs_rundiff_cell {
	enum xs_rundiff_dim dim;
	uint64_t k1, k2;
	struct xs_stats stats; /* all runs; "time" (latency or handler time) in its latency fields */
	uint64_t *per_run;     /* count in each run (nruns entries) */
};

struct xs_rundiff_side {
	char label[256]; /* "a.db:3,4" */
	size_t nruns;
	struct xs_rundiff_run runs[XS_RUNDIFF_MAX_RUNS];
	bool handler_time; /* some record had no latency but a handler time: "time" is handler time */
	bool tsc_ticks;	   /* some record's latency is TSC ticks (XS_F_TS_TSC, the vmx backend): no time */
	struct xs_rundiff_cell *cells;
	size_t ncells, cap;
	size_t *slots; /* open-addressing index into cells (cap * 2 entries, SIZE_MAX empty) */
};

void xs_rundiff_side_init(struct xs_rundiff_side *s, const char *label);
void xs_rundiff_side_free(struct xs_rundiff_side *s);
/* Start the next run of the side; -1 when the side already has XS_RUNDIFF_MAX_RUNS runs. */
int xs_rundiff_side_begin_run(struct xs_rundiff_side *s, int64_t id, uint64_t iterations);
/* Add a record to the current run (a run must have been begun). */
void xs_rundiff_side_add(struct xs_rundiff_side *s, const struct xs_exit_record *r);
/* The cell of a key, or NULL. */
const struct xs_rundiff_cell *xs_rundiff_side_find(const struct xs_rundiff_side *s, enum xs_rundiff_dim d, uint64_t k1,
						   uint64_t k2);
/* The side's exits per iteration (per run when iterations are unknown) in run i, for one cell or (NULL) all. */
double xs_rundiff_side_rate(const struct xs_rundiff_side *s, const struct xs_rundiff_cell *c, size_t i);
/* True when every run of the side knows its iterations (rates are per iteration, else per run). */
bool xs_rundiff_side_per_iteration(const struct xs_rundiff_side *s);

enum xs_rundiff_verdict {
	XS_RDV_SAME,		/* no difference (exactly equal, or no spread and equal means) */
	XS_RDV_MORE,		/* B has significantly more exits per iteration */
	XS_RDV_FEWER,		/* B has significantly fewer */
	XS_RDV_NOT_SIGNIFICANT, /* a difference inside the noise */
	XS_RDV_CANNOT_TELL,	/* one run per side and different counts: noise unknown */
};

const char *xs_rundiff_verdict_name(enum xs_rundiff_verdict v); /* "same", "more", ... "cannot tell" */

/* The comparison of two samples of per-run values. */
struct xs_rundiff_test {
	double mean_a, mean_b, sd_a, sd_b;
	double delta;	     /* mean_b - mean_a */
	double ci_lo, ci_hi; /* 95% interval of delta (both equal delta when exact; NaN when unknown) */
	const char *method;  /* "welch", "prediction", "exact", "none" */
	enum xs_rundiff_verdict verdict;
};

void xs_rundiff_test(const double *a, size_t na, const double *b, size_t nb, struct xs_rundiff_test *out);

/* The 97.5% quantile of Student's t with df degrees of freedom (df rounded down; 1.96 for large df). */
double xs_rundiff_t975(double df);

struct xs_rundiff_row {
	enum xs_rundiff_dim dim;
	uint64_t k1, k2;
	uint64_t count_a, count_b;			   /* over all runs of the side */
	double share_a, share_b;			   /* of the side's exits (reason rows), in [0,1] */
	uint64_t p50_a, p99_a, max_a, p50_b, p99_b, max_b; /* time per exit, ns (0: none recorded) */
	struct xs_rundiff_test test;			   /* on exits per iteration */
};

struct xs_rundiff {
	const struct xs_rundiff_side *a, *b;
	bool per_iteration; /* rates are exits per guest iteration (else per run) */
	bool handler_time;  /* time per exit is the launcher's handler time */
	struct xs_rundiff_row total;
	struct xs_rundiff_row *rows; /* dimension order, then by |delta| largest first */
	size_t nrows;
	size_t significant; /* rows judged MORE or FEWER */
};

/* Compare two sides (which must outlive d). */
void xs_rundiff_build(const struct xs_rundiff_side *a, const struct xs_rundiff_side *b, struct xs_rundiff *d);
void xs_rundiff_free(struct xs_rundiff *d);

#endif
