// SPDX-License-Identifier: MIT
#include "common/rundiff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char *const dim_names[XS_RD_DIMS] = {"reason", "port", "msr", "cr", "vector"};

const char *xs_rundiff_dim_name(enum xs_rundiff_dim d)
{
	return d < XS_RD_DIMS ? dim_names[d] : "?";
}

#define INTR_INFO_VALID (1u << 31)

bool xs_rundiff_key(enum xs_rundiff_dim d, const struct xs_exit_record *r, uint64_t *k1, uint64_t *k2)
{
	*k1 = *k2 = 0;
	switch (d) {
	case XS_RD_REASON:
		*k1 = r->isa;
		*k2 = r->reason;
		return true;
	case XS_RD_PORT:
		*k1 = r->detail.io.port;
		return r->detail_kind == XS_D_IO;
	case XS_RD_MSR:
		*k1 = r->detail.msr.index;
		return r->detail_kind == XS_D_MSR;
	case XS_RD_CR:
		*k1 = r->detail.cr.cr;
		*k2 = r->detail.cr.is_write ? 1 : 0;
		return r->detail_kind == XS_D_CR;
	case XS_RD_VECTOR:
		if (r->detail_kind == XS_D_EXCEPTION) {
			*k1 = r->detail.exception.vector;
			return true;
		}
		if (r->detail_kind == XS_D_DEBUG) {
			*k1 = r->detail.debug.exception;
			return true;
		}
		if ((r->flags & XS_F_INTR_INFO) && (r->intr_info & INTR_INFO_VALID)) {
			*k1 = r->intr_info & 0xff;
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* ---- a side: cells in an open-addressing table ---- */

void xs_rundiff_side_init(struct xs_rundiff_side *s, const char *label)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
}

void xs_rundiff_side_free(struct xs_rundiff_side *s)
{
	for (size_t i = 0; i < s->ncells; i++)
		free(s->cells[i].per_run);
	free(s->cells);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

int xs_rundiff_side_begin_run(struct xs_rundiff_side *s, int64_t id, uint64_t iterations)
{
	if (s->nruns >= XS_RUNDIFF_MAX_RUNS)
		return -1;
	s->runs[s->nruns++] = (struct xs_rundiff_run){.id = id, .iterations = iterations};
	return 0;
}

static uint64_t key_hash(enum xs_rundiff_dim d, uint64_t k1, uint64_t k2)
{
	uint64_t h = (k1 * 0x9e3779b97f4a7c15ull) ^ (k2 + 0x632be59bd9b4e019ull + ((uint64_t)d << 56));
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

static size_t *slot_of(const struct xs_rundiff_side *s, enum xs_rundiff_dim d, uint64_t k1, uint64_t k2)
{
	size_t mask = s->cap * 2 - 1;
	for (size_t i = key_hash(d, k1, k2) & mask;; i = (i + 1) & mask) {
		size_t c = s->slots[i];
		if (c == SIZE_MAX)
			return &s->slots[i];
		const struct xs_rundiff_cell *cell = &s->cells[c];
		if (cell->dim == d && cell->k1 == k1 && cell->k2 == k2)
			return &s->slots[i];
	}
}

static void grow(struct xs_rundiff_side *s)
{
	s->cap = s->cap ? s->cap * 2 : 32;
	s->cells = xs_realloc(s->cells, s->cap * sizeof(*s->cells));
	free(s->slots);
	s->slots = xs_malloc(s->cap * 2 * sizeof(*s->slots));
	for (size_t i = 0; i < s->cap * 2; i++)
		s->slots[i] = SIZE_MAX;
	for (size_t c = 0; c < s->ncells; c++)
		*slot_of(s, s->cells[c].dim, s->cells[c].k1, s->cells[c].k2) = c;
}

/* per_run arrays hold XS_RUNDIFF_MAX_RUNS entries: runs may be begun after a cell exists. */
static struct xs_rundiff_cell *cell_for(struct xs_rundiff_side *s, enum xs_rundiff_dim d, uint64_t k1, uint64_t k2)
{
	if (s->cap) {
		size_t *slot = slot_of(s, d, k1, k2);
		if (*slot != SIZE_MAX)
			return &s->cells[*slot];
	}
	if (s->ncells == s->cap)
		grow(s);
	struct xs_rundiff_cell *c = &s->cells[s->ncells];
	memset(c, 0, sizeof(*c));
	c->dim = d;
	c->k1 = k1;
	c->k2 = k2;
	c->per_run = xs_calloc(XS_RUNDIFF_MAX_RUNS, sizeof(uint64_t));
	*slot_of(s, d, k1, k2) = s->ncells++;
	return c;
}

const struct xs_rundiff_cell *xs_rundiff_side_find(const struct xs_rundiff_side *s, enum xs_rundiff_dim d, uint64_t k1,
						   uint64_t k2)
{
	if (!s->cap)
		return NULL;
	size_t c = *slot_of(s, d, k1, k2);
	return c == SIZE_MAX ? NULL : &s->cells[c];
}

void xs_rundiff_side_add(struct xs_rundiff_side *s, const struct xs_exit_record *r)
{
	if (!s->nruns)
		xs_rundiff_side_begin_run(s, 0, 0);
	size_t run = s->nruns - 1;
	s->runs[run].exits++;
	/* "time": the latency where the record has one, else the launcher's handler time */
	struct xs_exit_record t = {.ts = r->ts};
	if (r->flags & XS_F_LATENCY) {
		t.flags = XS_F_LATENCY;
		t.latency_ns = r->latency_ns;
		if (r->flags & XS_F_TS_TSC)
			s->tsc_ticks = true;
	} else if (r->flags & XS_F_RUN_TIMES) {
		t.flags = XS_F_LATENCY;
		t.latency_ns = r->handler_ns;
		s->handler_time = true;
	}
	for (int d = 0; d < XS_RD_DIMS; d++) {
		uint64_t k1, k2;
		if (!xs_rundiff_key((enum xs_rundiff_dim)d, r, &k1, &k2))
			continue;
		struct xs_rundiff_cell *c = cell_for(s, (enum xs_rundiff_dim)d, k1, k2);
		xs_stats_add(&c->stats, &t);
		c->per_run[run]++;
	}
}

bool xs_rundiff_side_per_iteration(const struct xs_rundiff_side *s)
{
	for (size_t i = 0; i < s->nruns; i++)
		if (!s->runs[i].iterations)
			return false;
	return s->nruns > 0;
}

static double rate_of(uint64_t count, uint64_t iterations, bool per_iteration)
{
	return per_iteration ? (double)count / (double)iterations : (double)count;
}

double xs_rundiff_side_rate(const struct xs_rundiff_side *s, const struct xs_rundiff_cell *c, size_t i)
{
	uint64_t n = c ? c->per_run[i] : s->runs[i].exits;
	return rate_of(n, s->runs[i].iterations, xs_rundiff_side_per_iteration(s));
}

/* ---- statistics ---- */

double xs_rundiff_t975(double df)
{
	static const double t[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
				     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
				     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
	if (!(df >= 1))
		return t[0];
	if (df < 31)
		return t[(int)df - 1];
	if (df < 40)
		return 2.042;
	if (df < 60)
		return 2.021;
	if (df < 120)
		return 2.000;
	return df < 1e6 ? 1.980 : 1.960;
}

static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m += v[i];
	m = n ? m / (double)n : 0;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

/* Relative tolerance for "no spread": per-iteration rates are ratios of integers. */
static bool nearly_zero(double x, double scale)
{
	return fabs(x) <= 1e-12 * (fabs(scale) + 1e-300);
}

static void set_interval(struct xs_rundiff_test *o, double half)
{
	o->ci_lo = o->delta - half;
	o->ci_hi = o->delta + half;
	if (o->ci_lo > 0)
		o->verdict = XS_RDV_MORE;
	else if (o->ci_hi < 0)
		o->verdict = XS_RDV_FEWER;
	else
		o->verdict = nearly_zero(o->delta, fabs(o->mean_a) + fabs(o->mean_b)) && half == 0
				     ? XS_RDV_SAME
				     : XS_RDV_NOT_SIGNIFICANT;
}

void xs_rundiff_test(const double *a, size_t na, const double *b, size_t nb, struct xs_rundiff_test *o)
{
	memset(o, 0, sizeof(*o));
	mean_sd(a, na, &o->mean_a, &o->sd_a);
	mean_sd(b, nb, &o->mean_b, &o->sd_b);
	o->delta = o->mean_b - o->mean_a;
	double scale = fabs(o->mean_a) + fabs(o->mean_b);
	if (!na || !nb) {
		o->method = "none";
		o->ci_lo = o->ci_hi = NAN;
		o->verdict = XS_RDV_CANNOT_TELL;
		return;
	}
	bool flat_a = nearly_zero(o->sd_a, scale), flat_b = nearly_zero(o->sd_b, scale);
	if (na >= 2 && nb >= 2) {
		if (flat_a && flat_b) {
			o->method = "exact";
			if (nearly_zero(o->delta, scale))
				o->delta = 0;
			set_interval(o, 0);
			return;
		}
		double va = o->sd_a * o->sd_a / (double)na, vb = o->sd_b * o->sd_b / (double)nb;
		double se = sqrt(va + vb);
		double df = (va + vb) * (va + vb) /
			    ((va ? va * va / (double)(na - 1) : 0) + (vb ? vb * vb / (double)(nb - 1) : 0));
		o->method = "welch";
		set_interval(o, xs_rundiff_t975(df) * se);
		return;
	}
	if (na >= 2 || nb >= 2) {
		/* one more run of the repeated side would land in mean ± t·sd·sqrt(1 + 1/n) */
		size_t n = na >= 2 ? na : nb;
		double sd = na >= 2 ? o->sd_a : o->sd_b;
		o->method = "prediction";
		if (nearly_zero(sd, scale)) {
			if (nearly_zero(o->delta, scale))
				o->delta = 0;
			set_interval(o, 0);
		} else {
			set_interval(o, xs_rundiff_t975((double)(n - 1)) * sd * sqrt(1.0 + 1.0 / (double)n));
		}
		return;
	}
	o->method = "none";
	if (nearly_zero(o->delta, scale)) {
		o->delta = 0;
		o->ci_lo = o->ci_hi = 0;
		o->verdict = XS_RDV_SAME;
	} else {
		o->ci_lo = o->ci_hi = NAN;
		o->verdict = XS_RDV_CANNOT_TELL;
	}
}

const char *xs_rundiff_verdict_name(enum xs_rundiff_verdict v)
{
	switch (v) {
	case XS_RDV_SAME:
		return "same";
	case XS_RDV_MORE:
		return "more";
	case XS_RDV_FEWER:
		return "fewer";
	case XS_RDV_NOT_SIGNIFICANT:
		return "not significant";
	case XS_RDV_CANNOT_TELL:
		return "cannot tell";
	}
	return "?";
}

/* ---- the comparison ---- */

/* Per-run rates of a cell; a NULL cell is a key this side never saw (0), whole the side's total. */
static void fill_rates(const struct xs_rundiff_side *s, const struct xs_rundiff_cell *c, bool whole, bool per_iteration,
		       double *v)
{
	for (size_t i = 0; i < s->nruns; i++) {
		uint64_t n = whole ? s->runs[i].exits : c ? c->per_run[i] : 0;
		v[i] = rate_of(n, s->runs[i].iterations, per_iteration);
	}
}

static void side_times(const struct xs_stats *st, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	*p50 = *p99 = *max = 0;
	if (!st || !st->lat_count)
		return;
	*p50 = xs_stats_lat_percentile(st, 50);
	*p99 = xs_stats_lat_percentile(st, 99);
	*max = st->lat_max;
}

static uint64_t side_total(const struct xs_rundiff_side *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->nruns; i++)
		n += s->runs[i].exits;
	return n;
}

/* Every reason cell's statistics merged: the time per exit of the whole side. */
static void side_all(const struct xs_rundiff_side *s, struct xs_stats *all)
{
	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i < s->ncells; i++)
		if (s->cells[i].dim == XS_RD_REASON)
			xs_stats_merge(all, &s->cells[i].stats);
}

static void build_row(const struct xs_rundiff *d, const struct xs_rundiff_cell *ca, const struct xs_rundiff_cell *cb,
		      bool whole, struct xs_rundiff_row *row)
{
	double va[XS_RUNDIFF_MAX_RUNS], vb[XS_RUNDIFF_MAX_RUNS];
	fill_rates(d->a, ca, whole, d->per_iteration, va);
	fill_rates(d->b, cb, whole, d->per_iteration, vb);
	xs_rundiff_test(va, d->a->nruns, vb, d->b->nruns, &row->test);
	uint64_t ta = side_total(d->a), tb = side_total(d->b);
	row->count_a = whole ? ta : ca ? ca->stats.count : 0;
	row->count_b = whole ? tb : cb ? cb->stats.count : 0;
	row->share_a = ta ? (double)row->count_a / (double)ta : 0;
	row->share_b = tb ? (double)row->count_b / (double)tb : 0;
	if (whole) {
		struct xs_stats *all = xs_malloc(sizeof(*all));
		side_all(d->a, all);
		side_times(all, &row->p50_a, &row->p99_a, &row->max_a);
		side_all(d->b, all);
		side_times(all, &row->p50_b, &row->p99_b, &row->max_b);
		free(all);
	} else {
		side_times(ca ? &ca->stats : NULL, &row->p50_a, &row->p99_a, &row->max_a);
		side_times(cb ? &cb->stats : NULL, &row->p50_b, &row->p99_b, &row->max_b);
	}
}

static int by_dim_then_change(const void *x, const void *y)
{
	const struct xs_rundiff_row *a = x, *b = y;
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	double da = fabs(a->test.delta), db = fabs(b->test.delta);
	if (da != db)
		return da > db ? -1 : 1;
	uint64_t ca = a->count_a + a->count_b, cb = b->count_a + b->count_b;
	if (ca != cb)
		return ca > cb ? -1 : 1;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	return a->k2 < b->k2 ? -1 : a->k2 > b->k2;
}

void xs_rundiff_build(const struct xs_rundiff_side *a, const struct xs_rundiff_side *b, struct xs_rundiff *d)
{
	memset(d, 0, sizeof(*d));
	d->a = a;
	d->b = b;
	/* per iteration only when both sides know their iterations: else both per run */
	d->per_iteration = xs_rundiff_side_per_iteration(a) && xs_rundiff_side_per_iteration(b);
	d->handler_time = a->handler_time || b->handler_time;
	build_row(d, NULL, NULL, true, &d->total);
	d->rows = xs_calloc(a->ncells + b->ncells + 1, sizeof(*d->rows));
	for (int pass = 0; pass < 2; pass++) {
		const struct xs_rundiff_side *s = pass ? b : a, *other = pass ? a : b;
		for (size_t i = 0; i < s->ncells; i++) {
			const struct xs_rundiff_cell *c = &s->cells[i];
			const struct xs_rundiff_cell *o = xs_rundiff_side_find(other, c->dim, c->k1, c->k2);
			if (pass && o)
				continue; /* both sides have it: done in the first pass */
			struct xs_rundiff_row *row = &d->rows[d->nrows++];
			row->dim = c->dim;
			row->k1 = c->k1;
			row->k2 = c->k2;
			build_row(d, pass ? o : c, pass ? c : o, false, row);
		}
	}
	qsort(d->rows, d->nrows, sizeof(*d->rows), by_dim_then_change);
	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i].test.verdict == XS_RDV_MORE || d->rows[i].test.verdict == XS_RDV_FEWER)
			d->significant++;
}

void xs_rundiff_free(struct xs_rundiff *d)
{
	free(d->rows);
	memset(d, 0, sizeof(*d));
}
