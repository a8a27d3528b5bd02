// SPDX-License-Identifier: MIT
#include "analysis/symagg.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/cpl.h"
#include "analysis/format.h"
#include "common/text.h"
#include "common/util.h"
#include "decoder/decoder.h"

/* One cell per (table, symbol index or kind, isa, reason): an open-addressing table of cell numbers. */
struct cell_key {
	const struct xs_symtab *table;
	uint32_t sym; /* symbol index; XS_SYM_NONE with kind */
	uint32_t reason;
	uint8_t isa;
	uint8_t kind;
};

struct cell {
	struct cell_key key;
	struct xs_symrow row;
};

struct xs_symagg {
	bool by_reason;
	struct cell *cells;
	size_t n, cap;
	size_t *slots; /* cell + 1; 0 empty */
	size_t slot_cap;
	struct xs_reason_priv *reasons;
	size_t nreasons;
	uint64_t exits;
};

struct xs_symagg *xs_symagg_new(bool by_reason)
{
	struct xs_symagg *a = xs_calloc(1, sizeof(*a));
	a->by_reason = by_reason;
	return a;
}

void xs_symagg_free(struct xs_symagg *a)
{
	if (!a)
		return;
	free(a->cells);
	free(a->slots);
	free(a->reasons);
	free(a);
}

struct xs_symagg *xs_symagg_clone(const struct xs_symagg *a)
{
	struct xs_symagg *c = xs_malloc(sizeof(*c));
	*c = *a;
	c->cells = xs_malloc((a->cap ? a->cap : 1) * sizeof(*c->cells));
	memcpy(c->cells, a->cells, a->n * sizeof(*c->cells));
	c->slots = xs_calloc(a->slot_cap ? a->slot_cap : 1, sizeof(*c->slots));
	memcpy(c->slots, a->slots, a->slot_cap * sizeof(*c->slots));
	c->reasons = xs_malloc((a->nreasons ? a->nreasons : 1) * sizeof(*c->reasons));
	memcpy(c->reasons, a->reasons, a->nreasons * sizeof(*c->reasons));
	return c;
}

static size_t key_hash(const struct cell_key *k)
{
	uint64_t h = (uint64_t)(uintptr_t)k->table * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)k->sym << 32 | k->reason) * 0xff51afd7ed558ccdull;
	h ^= (uint64_t)(k->isa << 8 | k->kind) * 0xc4ceb9fe1a85ec53ull;
	return (size_t)(h ^ (h >> 29));
}

static bool key_eq(const struct cell_key *a, const struct cell_key *b)
{
	return a->table == b->table && a->sym == b->sym && a->reason == b->reason && a->isa == b->isa &&
	       a->kind == b->kind;
}

static void slot_put(struct xs_symagg *a, size_t cell)
{
	size_t s = key_hash(&a->cells[cell].key) & (a->slot_cap - 1);
	while (a->slots[s])
		s = (s + 1) & (a->slot_cap - 1);
	a->slots[s] = cell + 1;
}

static struct xs_symrow *cell_for(struct xs_symagg *a, const struct cell_key *k)
{
	if (a->slot_cap) {
		for (size_t s = key_hash(k) & (a->slot_cap - 1); a->slots[s]; s = (s + 1) & (a->slot_cap - 1)) {
			struct cell *c = &a->cells[a->slots[s] - 1];
			if (key_eq(&c->key, k))
				return &c->row;
		}
	}
	if ((a->n + 1) * 2 > a->slot_cap) {
		a->slot_cap = a->slot_cap ? a->slot_cap * 2 : 64;
		free(a->slots);
		a->slots = xs_calloc(a->slot_cap, sizeof(*a->slots));
		for (size_t i = 0; i < a->n; i++)
			slot_put(a, i);
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->cells = xs_realloc(a->cells, a->cap * sizeof(*a->cells));
	}
	struct cell *c = &a->cells[a->n];
	memset(c, 0, sizeof(*c));
	c->key = *k;
	c->row.kind = (enum xs_symrow_kind)k->kind;
	c->row.isa = k->isa;
	c->row.reason = k->reason;
	if (k->kind == XS_SYMROW_SYMBOL)
		c->row.symbol = xs_symtab_at(k->table, k->sym)->name;
	slot_put(a, a->n++);
	return &c->row;
}

static struct xs_reason_priv *reason_for(struct xs_symagg *a, uint8_t isa, uint32_t reason)
{
	/* few distinct reasons: a linear search over a short array */
	for (size_t i = 0; i < a->nreasons; i++)
		if (a->reasons[i].isa == isa && a->reasons[i].reason == reason)
			return &a->reasons[i];
	a->reasons = xs_realloc(a->reasons, (a->nreasons + 1) * sizeof(*a->reasons));
	struct xs_reason_priv *p = &a->reasons[a->nreasons++];
	memset(p, 0, sizeof(*p));
	p->isa = isa;
	p->reason = reason;
	return p;
}

static void priv_add(struct xs_priv_count *p, int cpl)
{
	if (cpl < 0)
		return;
	p->known++;
	p->user += cpl == 3;
}

void xs_symagg_add(struct xs_symagg *a, const struct xs_symtab *t, const struct xs_exit_record *r)
{
	struct cell_key k = {.table = t, .sym = XS_SYM_NONE};
	if (!(r->flags & XS_F_RIP)) {
		k.kind = XS_SYMROW_NO_RIP;
		k.table = NULL;
	} else {
		k.sym = xs_symtab_find(t, r->guest_rip);
		k.kind = k.sym == XS_SYM_NONE ? XS_SYMROW_UNCOVERED : XS_SYMROW_SYMBOL;
		if (k.sym == XS_SYM_NONE)
			k.table = NULL;
	}
	if (a->by_reason) {
		k.isa = r->isa;
		k.reason = r->reason;
	}
	int cpl = xs_guest_cpl(r);
	struct xs_symrow *row = cell_for(a, &k);
	xs_stats_add(&row->stats, r);
	priv_add(&row->priv, cpl);
	struct xs_reason_priv *rp = reason_for(a, r->isa, r->reason);
	rp->count++;
	priv_add(&rp->priv, cpl);
	a->exits++;
}

const char *xs_symrow_label(const struct xs_symrow *r)
{
	return r->kind == XS_SYMROW_SYMBOL ? r->symbol : r->kind == XS_SYMROW_UNCOVERED ? "(no symbol)" : "(no RIP)";
}

static int row_order_key(const void *pa, const void *pb)
{
	const struct xs_symrow *a = pa, *b = pb;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	int c = a->kind == XS_SYMROW_SYMBOL ? strcmp(a->symbol, b->symbol) : 0;
	if (c)
		return c;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	return a->reason < b->reason ? -1 : a->reason > b->reason;
}

static int row_order_count(const void *pa, const void *pb)
{
	const struct xs_symrow *a = pa, *b = pb;
	if (a->stats.count != b->stats.count)
		return a->stats.count > b->stats.count ? -1 : 1;
	return row_order_key(pa, pb);
}

static int reason_order(const void *pa, const void *pb)
{
	const struct xs_reason_priv *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	return a->reason < b->reason ? -1 : a->reason > b->reason;
}

void xs_symagg_report(const struct xs_symagg *a, struct xs_symreport *out)
{
	memset(out, 0, sizeof(*out));
	out->by_reason = a->by_reason;
	out->exits = a->exits;
	out->rows = xs_calloc(a->n ? a->n : 1, sizeof(*out->rows));
	for (size_t i = 0; i < a->n; i++)
		out->rows[i] = a->cells[i].row;
	/* the same name from the tables of several runs is one row */
	qsort(out->rows, a->n, sizeof(*out->rows), row_order_key);
	size_t w = 0;
	uint64_t lat = 0, handler = 0;
	for (size_t i = 0; i < a->n; i++) {
		lat += out->rows[i].stats.lat_count;
		handler += out->rows[i].stats.handler_count;
		if (w && !row_order_key(&out->rows[w - 1], &out->rows[i])) {
			xs_stats_merge(&out->rows[w - 1].stats, &out->rows[i].stats);
			out->rows[w - 1].priv.known += out->rows[i].priv.known;
			out->rows[w - 1].priv.user += out->rows[i].priv.user;
			continue;
		}
		out->rows[w++] = out->rows[i];
	}
	out->nrows = w;
	qsort(out->rows, out->nrows, sizeof(*out->rows), row_order_count);
	out->handler_time = !lat && handler;
	out->reasons = xs_calloc(a->nreasons ? a->nreasons : 1, sizeof(*out->reasons));
	memcpy(out->reasons, a->reasons, a->nreasons * sizeof(*a->reasons));
	out->nreasons = a->nreasons;
	qsort(out->reasons, out->nreasons, sizeof(*out->reasons), reason_order);
}

void xs_symreport_free(struct xs_symreport *rep)
{
	free(rep->rows);
	free(rep->reasons);
	memset(rep, 0, sizeof(*rep));
}

static void reason_label(uint8_t isa, uint32_t reason, char *buf, size_t len)
{
	const char *name = xs_reason_name(isa, reason);
	if (name)
		snprintf(buf, len, "%s %s", xs_isa_name(isa), name);
	else
		snprintf(buf, len, "%s 0x%x", xs_isa_name(isa), reason);
}

static void priv_text(const struct xs_priv_count *p, char *buf, size_t len)
{
	if (p->known)
		snprintf(buf, len, "%.1f%%", 100.0 * (double)p->user / (double)p->known);
	else
		snprintf(buf, len, "-");
}

void xs_symreport_print_text(FILE *out, const char *title, const char *symbols_from, const struct xs_symreport *rep)
{
	fprintf(out, "%s\n%llu exits; symbols: %s\n", title, (unsigned long long)rep->exits, symbols_from);
	if (!rep->nrows)
		return;
	fprintf(out, "\n%-36s %s%10s %8s %9s %9s %9s %6s\n", "symbol",
		rep->by_reason ? "reason                   " : "", "count", "share", "p50", "p99", "max", "user%");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct xs_symrow *r = &rep->rows[i];
		const struct xs_stats *s = &r->stats;
		char p50[16] = "-", p99[16] = "-", mx[16] = "-", reason[64] = "", user[16];
		if (rep->handler_time && s->handler_count) {
			xs_fmt_ns(xs_stats_handler_mean(s), p50, sizeof(p50));
			snprintf(p50 + strlen(p50), sizeof(p50) - strlen(p50), "~");
			xs_fmt_ns((double)s->handler_max, mx, sizeof(mx));
		} else if (s->lat_count) {
			xs_fmt_ns((double)xs_stats_lat_percentile(s, 50), p50, sizeof(p50));
			xs_fmt_ns((double)xs_stats_lat_percentile(s, 99), p99, sizeof(p99));
			xs_fmt_ns((double)s->lat_max, mx, sizeof(mx));
		}
		if (rep->by_reason)
			reason_label(r->isa, r->reason, reason, sizeof(reason));
		priv_text(&r->priv, user, sizeof(user));
		fprintf(out, "%-36s ", xs_symrow_label(r));
		if (rep->by_reason)
			fprintf(out, "%-24s ", reason);
		fprintf(out, "%10llu %7.2f%% %9s %9s %9s %6s\n", (unsigned long long)s->count,
			rep->exits ? 100.0 * (double)s->count / (double)rep->exits : 0.0, p50, p99, mx, user);
	}
	fprintf(out, "\nguest privilege per reason (from the guest-state snapshot; user = CPL 3)\n");
	fprintf(out, "%-36s %10s %8s %8s %10s\n", "reason", "count", "kernel%", "user%", "unknown");
	for (size_t i = 0; i < rep->nreasons; i++) {
		const struct xs_reason_priv *p = &rep->reasons[i];
		char label[64], k[16] = "-", u[16] = "-";
		reason_label(p->isa, p->reason, label, sizeof(label));
		if (p->priv.known) {
			snprintf(k, sizeof(k), "%.1f%%",
				 100.0 * (double)(p->priv.known - p->priv.user) / (double)p->priv.known);
			snprintf(u, sizeof(u), "%.1f%%", 100.0 * (double)p->priv.user / (double)p->priv.known);
		}
		fprintf(out, "%-36s %10llu %8s %8s %10llu\n", label, (unsigned long long)p->count, k, u,
			(unsigned long long)(p->count - p->priv.known));
	}
	if (rep->handler_time)
		fprintf(out,
			"\n(no exit-to-entry latencies recorded: p50 column is the launcher's mean handler time (~), "
			"max its slowest)\n");
}

void xs_symreport_print_json(FILE *out, const char *title, const char *symbols_from, const struct xs_symreport *rep)
{
	fprintf(out, "{\"title\":");
	xs_json_fputs(out, title);
	fprintf(out, ",\"symbols\":");
	xs_json_fputs(out, symbols_from);
	fprintf(out, ",\"by\":\"%s\",\"exits\":%llu,\"rows\":[", rep->by_reason ? "reason,symbol" : "symbol",
		(unsigned long long)rep->exits);
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct xs_symrow *r = &rep->rows[i];
		const struct xs_stats *s = &r->stats;
		fprintf(out, "%s{\"symbol\":", i ? "," : "");
		if (r->kind == XS_SYMROW_SYMBOL)
			xs_json_fputs(out, r->symbol);
		else
			fputs("null", out);
		fprintf(out, ",\"label\":");
		xs_json_fputs(out, xs_symrow_label(r));
		if (rep->by_reason) {
			char label[64];
			reason_label(r->isa, r->reason, label, sizeof(label));
			fprintf(out, ",\"isa\":\"%s\",\"reason\":%u,\"reason_label\":", xs_isa_name(r->isa), r->reason);
			xs_json_fputs(out, label);
		}
		fprintf(out, ",\"count\":%llu,\"share\":%.6f,\"cpl_known\":%llu,\"cpl_user\":%llu",
			(unsigned long long)s->count, rep->exits ? (double)s->count / (double)rep->exits : 0.0,
			(unsigned long long)r->priv.known, (unsigned long long)r->priv.user);
		if (s->lat_count)
			fprintf(out, ",\"latency_p50_ns\":%llu,\"latency_p99_ns\":%llu,\"latency_max_ns\":%llu",
				(unsigned long long)xs_stats_lat_percentile(s, 50),
				(unsigned long long)xs_stats_lat_percentile(s, 99), (unsigned long long)s->lat_max);
		if (s->handler_count)
			fprintf(out, ",\"handler_mean_ns\":%.1f,\"handler_max_ns\":%llu", xs_stats_handler_mean(s),
				(unsigned long long)s->handler_max);
		fputc('}', out);
	}
	fprintf(out, "],\"reasons\":[");
	for (size_t i = 0; i < rep->nreasons; i++) {
		const struct xs_reason_priv *p = &rep->reasons[i];
		char label[64];
		reason_label(p->isa, p->reason, label, sizeof(label));
		fprintf(out, "%s{\"label\":", i ? "," : "");
		xs_json_fputs(out, label);
		fprintf(out, ",\"count\":%llu,\"cpl_known\":%llu,\"cpl_user\":%llu}", (unsigned long long)p->count,
			(unsigned long long)p->priv.known, (unsigned long long)p->priv.user);
	}
	fprintf(out, "]}\n");
}
