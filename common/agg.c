// SPDX-License-Identifier: MIT
#include "common/agg.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define NS_PER_SEC 1000000000ull

/* ---- histogram ---- */

unsigned int xs_hist_bucket(uint64_t v)
{
	if (v < 8)
		return (unsigned int)v;
	unsigned int e = 63u - (unsigned int)__builtin_clzll(v); /* >= 3 */
	unsigned int sub = (unsigned int)(v >> (e - 3)) & 7u;
	return 8u + (e - 3u) * 8u + sub;
}

uint64_t xs_hist_bucket_low(unsigned int b)
{
	if (b < 8)
		return b;
	unsigned int e = (b - 8u) / 8u + 3u, sub = (b - 8u) % 8u;
	return (uint64_t)(8u + sub) << (e - 3u);
}

uint64_t xs_hist_bucket_high(unsigned int b)
{
	if (b + 1 >= XS_HIST_BUCKETS)
		return UINT64_MAX;
	return xs_hist_bucket_low(b + 1) - 1;
}

/* ---- stats ---- */

void xs_stats_add(struct xs_stats *s, const struct xs_exit_record *r)
{
	if (r->flags & XS_F_TS_TSC)
		s->tsc_count++;
	if (!s->count || r->ts < s->first_ts)
		s->first_ts = r->ts;
	if (r->ts > s->last_ts)
		s->last_ts = r->ts;
	s->count++;
	if (r->flags & XS_F_LATENCY) {
		uint64_t l = r->latency_ns;
		if (!s->lat_count || l < s->lat_min)
			s->lat_min = l;
		if (l > s->lat_max)
			s->lat_max = l;
		s->lat_count++;
		s->lat_sum += l;
		s->lat_hist[xs_hist_bucket(l)]++;
	}
	if (r->flags & XS_F_RUN_TIMES) {
		s->handler_count++;
		s->handler_sum += r->handler_ns;
		if (r->handler_ns > s->handler_max)
			s->handler_max = r->handler_ns;
		s->run_sum += r->run_ns;
	}
}

void xs_stats_merge(struct xs_stats *into, const struct xs_stats *from)
{
	if (!from->count)
		return;
	if (!into->count || from->first_ts < into->first_ts)
		into->first_ts = from->first_ts;
	if (from->last_ts > into->last_ts)
		into->last_ts = from->last_ts;
	into->count += from->count;
	into->tsc_count += from->tsc_count;
	if (from->lat_count) {
		if (!into->lat_count || from->lat_min < into->lat_min)
			into->lat_min = from->lat_min;
		if (from->lat_max > into->lat_max)
			into->lat_max = from->lat_max;
		into->lat_count += from->lat_count;
		into->lat_sum += from->lat_sum;
		for (unsigned int b = 0; b < XS_HIST_BUCKETS; b++)
			into->lat_hist[b] += from->lat_hist[b];
	}
	into->handler_count += from->handler_count;
	into->handler_sum += from->handler_sum;
	if (from->handler_max > into->handler_max)
		into->handler_max = from->handler_max;
	into->run_sum += from->run_sum;
}

uint64_t xs_stats_lat_percentile(const struct xs_stats *s, double p)
{
	if (!s->lat_count)
		return 0;
	if (p <= 0)
		return s->lat_min;
	if (p >= 100)
		return s->lat_max;
	/* The smallest bucket whose cumulative count reaches p% of the samples (nearest-rank). */
	uint64_t rank = (uint64_t)((p / 100.0) * (double)s->lat_count + 0.999999);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned int b = 0; b < XS_HIST_BUCKETS; b++) {
		seen += s->lat_hist[b];
		if (seen >= rank) {
			uint64_t lo = xs_hist_bucket_low(b), hi = xs_hist_bucket_high(b);
			uint64_t mid = lo + (hi - lo) / 2;
			if (mid < s->lat_min)
				mid = s->lat_min;
			if (mid > s->lat_max)
				mid = s->lat_max;
			return mid;
		}
	}
	return s->lat_max;
}

/* ---- cells ---- */

struct cell {
	bool used;
	struct xs_agg_key key;
	struct xs_stats stats;
	uint32_t sec_count[XS_AGG_SECONDS];
	uint64_t sec_epoch[XS_AGG_SECONDS]; /* which second each slot holds */
};

struct xs_agg {
	struct cell *cells;
	size_t cap, used;
	uint64_t now;	  /* newest ns ts seen, or the time xs_agg_advance moved to */
	uint64_t arrival; /* a live source's wall clock (xs_agg_arrival); 0: none, TSC records have no rate */
	uint64_t total;
};

static uint64_t key_hash(const struct xs_agg_key *k)
{
	uint64_t h = ((uint64_t)k->pid << 32) ^ ((uint64_t)k->vcpu << 16) ^ ((uint64_t)k->isa << 56) ^ k->reason;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool key_eq(const struct xs_agg_key *a, const struct xs_agg_key *b)
{
	return a->pid == b->pid && a->vcpu == b->vcpu && a->reason == b->reason && a->isa == b->isa;
}

struct xs_agg *xs_agg_new(void)
{
	struct xs_agg *a = xs_calloc(1, sizeof(*a));
	a->cap = 64;
	a->cells = xs_calloc(a->cap, sizeof(*a->cells));
	return a;
}

void xs_agg_free(struct xs_agg *a)
{
	if (!a)
		return;
	free(a->cells);
	free(a);
}

void xs_agg_reset(struct xs_agg *a)
{
	memset(a->cells, 0, a->cap * sizeof(*a->cells));
	a->used = 0;
	a->now = 0;
	a->arrival = 0;
	a->total = 0;
}

static struct cell *find(struct cell *cells, size_t cap, const struct xs_agg_key *k)
{
	size_t i = key_hash(k) & (cap - 1);
	while (cells[i].used && !key_eq(&cells[i].key, k))
		i = (i + 1) & (cap - 1);
	return &cells[i];
}

static void grow(struct xs_agg *a)
{
	size_t cap = a->cap * 2;
	struct cell *cells = xs_calloc(cap, sizeof(*cells));
	for (size_t i = 0; i < a->cap; i++)
		if (a->cells[i].used)
			*find(cells, cap, &a->cells[i].key) = a->cells[i];
	free(a->cells);
	a->cells = cells;
	a->cap = cap;
}

static struct cell *cell_of(struct xs_agg *a, const struct xs_agg_key *k)
{
	struct cell *c = find(a->cells, a->cap, k);
	if (!c->used) {
		if ((a->used + 1) * 2 > a->cap) {
			grow(a);
			c = find(a->cells, a->cap, k);
		}
		c->used = true;
		c->key = *k;
		a->used++;
	}
	return c;
}

/* n exits in the second of `when` (ns). */
static void count_second(struct xs_agg *a, struct cell *c, uint64_t when, uint32_t n)
{
	uint64_t sec = when / NS_PER_SEC;
	unsigned int slot = (unsigned int)(sec % XS_AGG_SECONDS);
	if (c->sec_epoch[slot] != sec) {
		c->sec_epoch[slot] = sec;
		c->sec_count[slot] = 0;
	}
	c->sec_count[slot] += n;
	if (when > a->now)
		a->now = when;
}

void xs_agg_add(struct xs_agg *a, const struct xs_exit_record *r)
{
	struct xs_agg_key k = {.pid = r->pid, .vcpu = r->vcpu, .reason = r->reason, .isa = r->isa};
	struct cell *c = cell_of(a, &k);
	xs_stats_add(&c->stats, r);
	a->total++;
	/* A TSC tick count is no time: such a record counts in the second it arrived, if a live source says. */
	bool ticks = r->flags & XS_F_TS_TSC;
	if (ticks && !a->arrival)
		return;
	count_second(a, c, ticks ? a->arrival : r->ts, 1);
}

void xs_agg_add_stats(struct xs_agg *a, const struct xs_agg_key *k, const struct xs_stats *s, uint64_t now_ns)
{
	if (!s->count && !s->lat_count)
		return;
	struct cell *c = cell_of(a, k);
	struct xs_stats d = *s;
	d.first_ts = d.last_ts = now_ns;
	if (!d.count) {
		/* latencies of exits counted before (a hardware-mode exit whose kvm_entry came after the last read) */
		d.count = 1;
		xs_stats_merge(&c->stats, &d);
		c->stats.count--;
	} else {
		xs_stats_merge(&c->stats, &d);
	}
	a->total += s->count;
	count_second(a, c, now_ns, (uint32_t)s->count);
}

static bool matches(const struct cell *c, const struct xs_agg_filter *f)
{
	if (!f)
		return true;
	if (f->by_pid && c->key.pid != f->pid)
		return false;
	if (f->by_vcpu && c->key.vcpu != f->vcpu)
		return false;
	if (f->by_reason && (c->key.isa != f->isa || c->key.reason != f->reason))
		return false;
	return true;
}

/* Add a cell's per-second counts into a row's window ending at the agg's current second. */
static void add_seconds(const struct xs_agg *a, const struct cell *c, struct xs_agg_row *row)
{
	uint64_t now_sec = a->now / NS_PER_SEC;
	for (unsigned int i = 0; i < XS_AGG_SECONDS; i++) {
		uint64_t age = XS_AGG_SECONDS - 1 - i;
		if (age > now_sec)
			continue;
		uint64_t sec = now_sec - age;
		unsigned int slot = (unsigned int)(sec % XS_AGG_SECONDS);
		if (c->sec_epoch[slot] == sec)
			row->per_sec[i] += c->sec_count[slot];
	}
}

static void finish_row(const struct xs_agg *a, struct xs_agg_row *row)
{
	/* The newest second is still filling; the one before it is the last complete second. */
	row->rate = row->per_sec[XS_AGG_SECONDS - 2];
	if (row->stats.tsc_count) {
		/* Counted by wall-clock arrival (live) or not at all: first_ts..last_ts are ticks, no span of time. */
		if (!a->arrival)
			row->rate = -1;
		return;
	}
	if (row->stats.count && row->stats.last_ts - row->stats.first_ts < NS_PER_SEC) {
		/* A run shorter than a second: its average rate is the honest figure. */
		uint64_t span = row->stats.last_ts - row->stats.first_ts;
		row->rate = span ? (double)row->stats.count * 1e9 / (double)span : 0;
	}
}

void xs_agg_total(const struct xs_agg *a, const struct xs_agg_filter *f, struct xs_agg_row *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < a->cap; i++) {
		const struct cell *c = &a->cells[i];
		if (!c->used || !matches(c, f))
			continue;
		xs_stats_merge(&out->stats, &c->stats);
		add_seconds(a, c, out);
	}
	finish_row(a, out);
}

static void group_key(const struct xs_agg_key *k, enum xs_agg_group by, struct xs_agg_key *g)
{
	memset(g, 0, sizeof(*g));
	switch (by) {
	case XS_AGG_BY_REASON:
		g->isa = k->isa;
		g->reason = k->reason;
		break;
	case XS_AGG_BY_VCPU:
		g->vcpu = k->vcpu;
		g->pid = k->pid; /* vCPU 0 of two VMs are two rows */
		break;
	case XS_AGG_BY_PID:
		g->pid = k->pid;
		break;
	case XS_AGG_BY_CELL:
		g->pid = k->pid;
		g->vcpu = k->vcpu;
		g->isa = k->isa;
		g->reason = k->reason;
		break;
	}
}

size_t xs_agg_rollup(const struct xs_agg *a, const struct xs_agg_filter *f, enum xs_agg_group by,
		     struct xs_agg_row **rows)
{
	size_t n = 0, cap = 16;
	struct xs_agg_row *out = xs_calloc(cap, sizeof(*out));
	/* Group key -> row, hashed: hosts with hundreds of vCPUs make hundreds of groups. */
	size_t slots = 16;
	while (slots < 2 * a->used)
		slots <<= 1;
	size_t *row_of = xs_malloc(slots * sizeof(*row_of));
	memset(row_of, 0xff, slots * sizeof(*row_of));
	for (size_t i = 0; i < a->cap; i++) {
		const struct cell *c = &a->cells[i];
		if (!c->used || !matches(c, f))
			continue;
		struct xs_agg_key g;
		group_key(&c->key, by, &g);
		size_t h = key_hash(&g) & (slots - 1);
		while (row_of[h] != SIZE_MAX && !key_eq(&out[row_of[h]].key, &g))
			h = (h + 1) & (slots - 1);
		if (row_of[h] == SIZE_MAX) {
			if (n == cap) {
				cap *= 2;
				out = xs_realloc(out, cap * sizeof(*out));
			}
			memset(&out[n], 0, sizeof(out[n]));
			out[n].key = g;
			row_of[h] = n++;
		}
		size_t j = row_of[h];
		xs_stats_merge(&out[j].stats, &c->stats);
		add_seconds(a, c, &out[j]);
	}
	free(row_of);
	for (size_t j = 0; j < n; j++)
		finish_row(a, &out[j]);
	*rows = out;
	return n;
}

void xs_agg_advance(struct xs_agg *a, uint64_t now_ns)
{
	if (now_ns > a->now)
		a->now = now_ns;
}

void xs_agg_arrival(struct xs_agg *a, uint64_t now_ns)
{
	a->arrival = now_ns;
	xs_agg_advance(a, now_ns);
}

struct xs_agg *xs_agg_clone(const struct xs_agg *a)
{
	struct xs_agg *c = xs_malloc(sizeof(*c));
	*c = *a;
	c->cells = xs_malloc(a->cap * sizeof(*a->cells));
	memcpy(c->cells, a->cells, a->cap * sizeof(*a->cells));
	return c;
}

uint64_t xs_agg_now(const struct xs_agg *a)
{
	return a->now;
}

uint64_t xs_agg_count(const struct xs_agg *a)
{
	return a->total;
}

/* ---- as a sink ---- */

struct agg_sink {
	struct xs_sink base;
	struct xs_agg *agg;
};

static int agg_sink_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct agg_sink *as = (struct agg_sink *)s;
	for (size_t i = 0; i < n; i++)
		xs_agg_add(as->agg, &recs[i]);
	s->written += n;
	return 0;
}

static int agg_sink_close(struct xs_sink *s)
{
	free(s);
	return 0;
}

static const struct xs_sink_ops agg_sink_ops = {agg_sink_write, NULL, NULL, agg_sink_close};

struct xs_sink *xs_agg_sink(struct xs_agg *a)
{
	struct agg_sink *s = xs_calloc(1, sizeof(*s));
	s->base.ops = &agg_sink_ops;
	s->base.name = "aggregator";
	s->agg = a;
	return &s->base;
}
