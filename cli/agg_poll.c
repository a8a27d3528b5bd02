// SPDX-License-Identifier: MIT
#include "cli/agg_poll.h"

#include <stdlib.h>
#include <string.h>

#include "collector/agg_read.h"
#include "common/util.h"

struct seen {
	bool used;
	struct xs_agg_map_key key;
	struct xs_agg_map_val last, cur; /* the totals at the last read, and in the read in progress */
};

struct xs_agg_poll {
	struct seen *cells;
	size_t cap, used;
};

struct xs_agg_poll *xs_agg_poll_new(void)
{
	struct xs_agg_poll *p = xs_calloc(1, sizeof(*p));
	p->cap = 64;
	p->cells = xs_calloc(p->cap, sizeof(*p->cells));
	return p;
}

void xs_agg_poll_free(struct xs_agg_poll *p)
{
	if (!p)
		return;
	free(p->cells);
	free(p);
}

size_t xs_agg_poll_cells(const struct xs_agg_poll *p)
{
	return p->used;
}

static uint64_t key_hash(const struct xs_agg_map_key *k)
{
	uint64_t h = ((uint64_t)k->pid << 32 | k->vcpu) ^
		     ((uint64_t)k->reason << 24 | (uint64_t)k->isa << 8 | k->detail_kind);
	h ^= k->detail * 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool key_eq(const struct xs_agg_map_key *a, const struct xs_agg_map_key *b)
{
	return a->pid == b->pid && a->vcpu == b->vcpu && a->reason == b->reason && a->isa == b->isa &&
	       a->detail_kind == b->detail_kind && a->detail == b->detail;
}

static struct seen *find(struct seen *cells, size_t cap, const struct xs_agg_map_key *k)
{
	size_t i = key_hash(k) & (cap - 1);
	while (cells[i].used && !key_eq(&cells[i].key, k))
		i = (i + 1) & (cap - 1);
	return &cells[i];
}

static struct seen *seen_of(struct xs_agg_poll *p, const struct xs_agg_map_key *k)
{
	struct seen *s = find(p->cells, p->cap, k);
	if (s->used)
		return s;
	if ((p->used + 1) * 2 > p->cap) {
		size_t cap = p->cap * 2;
		struct seen *cells = xs_calloc(cap, sizeof(*cells));
		for (size_t i = 0; i < p->cap; i++)
			if (p->cells[i].used)
				*find(cells, cap, &p->cells[i].key) = p->cells[i];
		free(p->cells);
		p->cells = cells;
		p->cap = cap;
		s = find(p->cells, p->cap, k);
	}
	s->used = true;
	s->key = *k;
	p->used++;
	return s;
}

/*
 * Cells are summed per aggregator key first (the detail part dropped): a hardware-mode exit's count moves from
 * its reason's cell to its port's cell when kvm_pio names the port, so only the sum over details grows
 * between two reads (the BPF program takes the count away before it adds it: see xs_agg_poll_read).
 */
static void on_cell(void *ctx, const struct xs_agg_map_key *k, const struct xs_agg_map_val *v)
{
	struct xs_agg_poll *p = ctx;
	struct xs_agg_map_key key = *k;
	key.detail_kind = XS_AGG_D_NONE;
	key.detail = 0;
	struct seen *s = seen_of(p, &key);
	xs_agg_val_add(&s->cur, v);
}

int xs_agg_poll_read(struct xs_agg_poll *p, struct xs_collector *col, struct xs_agg *agg, uint64_t now_ns)
{
	for (size_t i = 0; i < p->cap; i++)
		memset(&p->cells[i].cur, 0, sizeof(p->cells[i].cur));
	int e = xs_collector_read_agg(col, on_cell, p);
	if (e)
		return e;
	for (size_t i = 0; i < p->cap; i++) {
		struct seen *s = &p->cells[i];
		if (!s->used)
			continue;
		/*
		 * A read between the two halves of a move (decrement first) sees one exit too few: wait for the
		 * increment instead of taking a negative change.
		 */
		if ((int64_t)(s->cur.count - s->last.count) < 0)
			continue;
		struct xs_agg_map_val d;
		xs_agg_val_delta(&s->cur, &s->last, &d);
		s->last = s->cur;
		if (!d.count && !d.lat_count)
			continue;
		struct xs_agg_key key;
		struct xs_stats st;
		xs_agg_key_of(&s->key, &key);
		xs_agg_val_to_stats(&d, &st);
		xs_agg_add_stats(agg, &key, &st, now_ns);
	}
	return 0;
}
