// SPDX-License-Identifier: MIT
#include "tui/model.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

_Static_assert(TUI_REASON_SLOTS <= 65536, "touched[] holds slot numbers in 16 bits");
_Static_assert((TUI_REASON_SLOTS & (TUI_REASON_SLOTS - 1)) == 0, "reason slots are a power of two");

void tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->agg = xs_agg_new();
	m->latest = xs_calloc(TUI_LATEST, sizeof(*m->latest));
	m->reasons = xs_calloc(TUI_REASON_SLOTS, sizeof(*m->reasons));
	m->pending = xs_calloc(TUI_REASON_SLOTS, sizeof(*m->pending));
	m->touched = xs_calloc(TUI_REASON_SLOTS, sizeof(*m->touched));
}

void tui_model_free(struct tui_model *m)
{
	if (!m)
		return;
	xs_agg_free(m->agg);
	xs_symagg_free(m->symagg);
	free(m->latest);
	free(m->reasons);
	free(m->pending);
	free(m->touched);
	memset(m, 0, sizeof(*m));
}

void tui_model_set_symbols(struct tui_model *m, const struct xs_symtab *t)
{
	m->symbols = t;
	if (!m->symagg)
		m->symagg = xs_symagg_new(false);
}

struct tui_model *tui_model_clone(const struct tui_model *m)
{
	struct tui_model *c = xs_malloc(sizeof(*c));
	*c = *m;
	c->agg = xs_agg_clone(m->agg);
	c->symagg = m->symagg ? xs_symagg_clone(m->symagg) : NULL;
	c->latest = xs_malloc(TUI_LATEST * sizeof(*c->latest));
	memcpy(c->latest, m->latest, TUI_LATEST * sizeof(*c->latest));
	c->reasons = xs_malloc(TUI_REASON_SLOTS * sizeof(*c->reasons));
	memcpy(c->reasons, m->reasons, TUI_REASON_SLOTS * sizeof(*c->reasons));
	c->pending = xs_calloc(TUI_REASON_SLOTS, sizeof(*c->pending));
	c->touched = xs_calloc(TUI_REASON_SLOTS, sizeof(*c->touched));
	return c;
}

/* Copy only the record's wire size: a core-only record in a queue is followed by other data, not a guest state. */
static void copy_record(struct xs_exit_record *dst, const struct xs_exit_record *src)
{
	size_t size = xs_record_wire_size(src);
	memcpy(dst, src, size);
	if (size < sizeof(*dst))
		memset((unsigned char *)dst + size, 0, sizeof(*dst) - size);
}

static unsigned int reason_hash(uint8_t isa, uint32_t reason)
{
	uint32_t h = (reason * 0x9e3779b1u) ^ ((uint32_t)isa * 0x85ebca6bu);
	return h ^ (h >> 15);
}

/* The slot of (isa, reason), claimed if new; -1 when the table is full (3/4 load keeps probes short). */
static int reason_slot(struct tui_model *m, uint8_t isa, uint32_t reason)
{
	unsigned int h = reason_hash(isa, reason);
	for (unsigned int probe = 0; probe < TUI_REASON_SLOTS; probe++) {
		unsigned int i = (h + probe) & (TUI_REASON_SLOTS - 1);
		struct tui_reason_slot *s = &m->reasons[i];
		if (s->used && s->isa == isa && s->reason == reason)
			return (int)i;
		if (!s->used) {
			if (m->reasons_used >= TUI_REASON_SLOTS / 4 * 3)
				return -1;
			s->used = true;
			s->isa = isa;
			s->reason = reason;
			m->reasons_used++;
			return (int)i;
		}
	}
	return -1;
}

static void note(struct tui_model *m, const struct xs_exit_record *r)
{
	if (!m->counted_elsewhere)
		xs_agg_add(m->agg, r);
	if (m->symagg)
		xs_symagg_add(m->symagg, m->symbols, r);
	if (r->isa < 32)
		m->isa_seen |= 1u << r->isa;
	if (r->flags & XS_F_TS_TSC)
		m->tsc_clock = true;
}

void tui_model_note_counted(struct tui_model *m)
{
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_REASON, &rows);
	for (size_t i = 0; i < n; i++)
		if (rows[i].key.isa < 32)
			m->isa_seen |= 1u << rows[i].key.isa;
	free(rows);
}

static void put_latest(struct tui_model *m, const struct xs_exit_record *r)
{
	copy_record(&m->latest[m->latest_total % TUI_LATEST], r);
	m->latest_total++;
}

void tui_model_add(struct tui_model *m, const struct xs_exit_record *r)
{
	note(m, r);
	put_latest(m, r);
	int slot = reason_slot(m, r->isa, r->reason);
	if (slot >= 0)
		copy_record(&m->reasons[slot].rec, r);
	else
		m->reasons_untracked++;
}

size_t tui_model_ingest(struct tui_model *m, struct tui_queue_span *span)
{
	/* Records stay in the queue until the caller releases the span: remember where the ones worth keeping are
	 * and copy only those at the end, instead of copying every record twice. */
	const struct xs_exit_record *tail[TUI_LATEST];
	size_t n = 0, ntouched = 0;
	const struct xs_exit_record *r;
	while ((r = tui_queue_span_next(span))) {
		note(m, r);
		tail[n % TUI_LATEST] = r;
		n++;
		int slot = reason_slot(m, r->isa, r->reason);
		if (slot < 0) {
			m->reasons_untracked++;
			continue;
		}
		if (!m->pending[slot])
			m->touched[ntouched++] = (uint16_t)slot;
		m->pending[slot] = r;
	}
	for (size_t k = n > TUI_LATEST ? n - TUI_LATEST : 0; k < n; k++)
		put_latest(m, tail[k % TUI_LATEST]);
	for (size_t t = 0; t < ntouched; t++) {
		unsigned int slot = m->touched[t];
		copy_record(&m->reasons[slot].rec, m->pending[slot]);
		m->pending[slot] = NULL;
	}
	return n;
}

size_t tui_model_latest_count(const struct tui_model *m)
{
	return m->latest_total < TUI_LATEST ? (size_t)m->latest_total : TUI_LATEST;
}

const struct xs_exit_record *tui_model_latest(const struct tui_model *m, size_t i)
{
	if (i >= tui_model_latest_count(m))
		return NULL;
	return &m->latest[(m->latest_total - 1 - i) % TUI_LATEST];
}

const struct xs_exit_record *tui_model_newest_of(const struct tui_model *m, uint8_t isa, uint32_t reason)
{
	unsigned int h = reason_hash(isa, reason);
	for (unsigned int probe = 0; probe < TUI_REASON_SLOTS; probe++) {
		const struct tui_reason_slot *s = &m->reasons[(h + probe) & (TUI_REASON_SLOTS - 1)];
		if (!s->used)
			return NULL;
		if (s->isa == isa && s->reason == reason)
			return &s->rec;
	}
	return NULL;
}
