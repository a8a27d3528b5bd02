// SPDX-License-Identifier: MIT
#include "db/aggstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/reader.h"
#include "db/sqlutil.h"

#define NS_PER_SEC 1000000000ull

static const char *const dim_names[XS_DIM_COUNT] = {"reason", "vcpu", "port", "msr", "gpa"};

const char *xs_dim_name(enum xs_agg_dim dim)
{
	return dim < XS_DIM_COUNT ? dim_names[dim] : "?";
}

bool xs_dim_from_name(const char *name, enum xs_agg_dim *dim)
{
	for (unsigned int i = 0; i < XS_DIM_COUNT; i++) {
		if (!strcmp(name, dim_names[i])) {
			*dim = (enum xs_agg_dim)i;
			return true;
		}
	}
	return false;
}

bool xs_dim_key(enum xs_agg_dim dim, const struct xs_exit_record *r, uint64_t *k1, uint64_t *k2)
{
	*k2 = 0;
	switch (dim) {
	case XS_DIM_REASON:
		*k1 = r->isa;
		*k2 = r->reason;
		return true;
	case XS_DIM_VCPU:
		*k1 = r->pid;
		*k2 = r->vcpu;
		return true;
	case XS_DIM_PORT:
		*k1 = r->detail.io.port;
		return r->detail_kind == XS_D_IO;
	case XS_DIM_MSR:
		*k1 = r->detail.msr.index;
		return r->detail_kind == XS_D_MSR;
	case XS_DIM_GPA:
		if (r->detail_kind == XS_D_MMIO) {
			*k1 = r->detail.mmio.gpa;
			return true;
		}
		*k1 = r->guest_phys;
		return (r->flags & XS_F_GUEST_PHYS) != 0;
	default:
		return false;
	}
}

/* ---- histogram blobs ---- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static bool get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return false;
		uint8_t b = p[(*pos)++];
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

size_t xs_hist_encode(const struct xs_stats *s, uint8_t *buf, size_t len)
{
	size_t n = 0;
	unsigned int prev = 0;
	for (unsigned int b = 0; b < XS_HIST_BUCKETS; b++) {
		if (!s->lat_hist[b])
			continue;
		if (n + 20 > len)
			break; /* cannot happen with XS_HIST_BLOB_MAX */
		n += put_varint(buf + n, b - prev);
		n += put_varint(buf + n, s->lat_hist[b]);
		prev = b;
	}
	return n;
}

bool xs_hist_decode(const void *blob, size_t len, struct xs_stats *s)
{
	const uint8_t *p = blob;
	size_t pos = 0;
	uint64_t b = 0;
	memset(s->lat_hist, 0, sizeof(s->lat_hist));
	while (pos < len) {
		uint64_t gap, count;
		if (!get_varint(p, len, &pos, &gap) || !get_varint(p, len, &pos, &count))
			return false;
		b += gap;
		if (b >= XS_HIST_BUCKETS)
			return false;
		s->lat_hist[b] += count;
	}
	return true;
}

/* ---- cells ---- */

struct cell {
	uint8_t dim;
	bool dirty;
	uint64_t k1, k2;
	struct xs_stats stats;
};

struct second {
	int64_t sec;
	uint64_t count;
	bool dirty;
};

struct xs_aggstore {
	int64_t run_id;
	struct cell *cells; /* grows; `slots` index into it */
	size_t ncells, cells_cap;
	uint32_t *slots; /* open addressing: cell index + 1, 0 = empty */
	size_t slots_cap;
	struct second *secs;
	size_t nsecs, secs_cap;
	int64_t last_sec_idx; /* the second most exits go to: checked first */
	size_t detail_keys[XS_DIM_COUNT];
	bool incomplete[XS_DIM_COUNT];
	bool incomplete_dirty, fine_dirty;
	sqlite3_stmt *upsert, *upsert_sec, *mark, *purge;
	sqlite3 *db;
};

static uint64_t cell_hash(unsigned int dim, uint64_t k1, uint64_t k2)
{
	uint64_t h = (k1 * 0x9e3779b97f4a7c15ull) ^ (k2 + 0x632be59bd9b4e019ull + dim);
	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	return h;
}

struct xs_aggstore *xs_aggstore_new(int64_t run_id)
{
	struct xs_aggstore *a = xs_calloc(1, sizeof(*a));
	a->run_id = run_id;
	a->slots_cap = 256;
	a->slots = xs_calloc(a->slots_cap, sizeof(*a->slots));
	a->last_sec_idx = -1;
	return a;
}

static void finalize_stmts(struct xs_aggstore *a)
{
	sqlite3_finalize(a->upsert);
	sqlite3_finalize(a->upsert_sec);
	sqlite3_finalize(a->mark);
	sqlite3_finalize(a->purge);
	a->upsert = a->upsert_sec = a->mark = a->purge = NULL;
	a->db = NULL;
}

void xs_aggstore_free(struct xs_aggstore *a)
{
	if (!a)
		return;
	finalize_stmts(a);
	free(a->cells);
	free(a->slots);
	free(a->secs);
	free(a);
}

static void rehash(struct xs_aggstore *a)
{
	free(a->slots);
	a->slots_cap *= 2;
	a->slots = xs_calloc(a->slots_cap, sizeof(*a->slots));
	for (size_t i = 0; i < a->ncells; i++) {
		size_t s = cell_hash(a->cells[i].dim, a->cells[i].k1, a->cells[i].k2) & (a->slots_cap - 1);
		while (a->slots[s])
			s = (s + 1) & (a->slots_cap - 1);
		a->slots[s] = (uint32_t)(i + 1);
	}
}

/* The cell for a key, created when absent; NULL when a detail dimension is full. */
static struct cell *cell_for(struct xs_aggstore *a, unsigned int dim, uint64_t k1, uint64_t k2)
{
	size_t s = cell_hash(dim, k1, k2) & (a->slots_cap - 1);
	while (a->slots[s]) {
		struct cell *c = &a->cells[a->slots[s] - 1];
		if (c->dim == dim && c->k1 == k1 && c->k2 == k2)
			return c;
		s = (s + 1) & (a->slots_cap - 1);
	}
	if (dim >= XS_DIM_PORT && dim < XS_DIM_COUNT) {
		if (a->detail_keys[dim] >= XS_AGG_DETAIL_CAP) {
			if (!a->incomplete[dim])
				a->incomplete[dim] = a->incomplete_dirty = true;
			return NULL;
		}
		a->detail_keys[dim]++;
	}
	if (a->ncells == a->cells_cap) {
		a->cells_cap = a->cells_cap ? a->cells_cap * 2 : 64;
		a->cells = xs_realloc(a->cells, a->cells_cap * sizeof(*a->cells));
	}
	struct cell *c = &a->cells[a->ncells++];
	memset(c, 0, sizeof(*c));
	c->dim = (uint8_t)dim;
	c->k1 = k1;
	c->k2 = k2;
	a->slots[s] = (uint32_t)a->ncells;
	if (a->ncells * 2 > a->slots_cap)
		rehash(a);
	return c;
}

static void count_second(struct xs_aggstore *a, uint64_t ts)
{
	int64_t sec = (int64_t)(ts / NS_PER_SEC);
	if (a->last_sec_idx >= 0 && a->secs[a->last_sec_idx].sec == sec) {
		a->secs[a->last_sec_idx].count++;
		a->secs[a->last_sec_idx].dirty = true;
		return;
	}
	/* Seconds arrive nearly in order: search from the newest. */
	for (size_t i = a->nsecs; i-- > 0;) {
		if (a->secs[i].sec == sec) {
			a->secs[i].count++;
			a->secs[i].dirty = true;
			a->last_sec_idx = (int64_t)i;
			return;
		}
	}
	if (a->nsecs == a->secs_cap) {
		a->secs_cap = a->secs_cap ? a->secs_cap * 2 : 64;
		a->secs = xs_realloc(a->secs, a->secs_cap * sizeof(*a->secs));
	}
	a->secs[a->nsecs] = (struct second){.sec = sec, .count = 1, .dirty = true};
	a->last_sec_idx = (int64_t)a->nsecs++;
}

/*
 * Per record the work is one "fine" cell (pid, vCPU, isa, reason) and at most one detail cell; the reason and
 * vCPU rows are rolled up from the fine cells when a batch is flushed.
 */
#define DIM_FINE XS_DIM_COUNT

void xs_aggstore_add(struct xs_aggstore *a, const struct xs_exit_record *r)
{
	struct cell *c = cell_for(a, DIM_FINE, (uint64_t)r->pid << 32 | r->vcpu, (uint64_t)r->isa << 32 | r->reason);
	xs_stats_add(&c->stats, r);
	c->dirty = true;
	a->fine_dirty = true;
	for (unsigned int d = XS_DIM_PORT; d < XS_DIM_COUNT; d++) {
		uint64_t k1, k2;
		if (a->incomplete[d] || !xs_dim_key((enum xs_agg_dim)d, r, &k1, &k2))
			continue;
		c = cell_for(a, d, k1, k2);
		if (!c)
			continue;
		xs_stats_add(&c->stats, r);
		c->dirty = true;
	}
	if (!(r->flags & XS_F_TS_TSC)) /* a TSC tick count is no second (vmx backend): exits_per_second omits it */
		count_second(a, r->ts);
}

/* Recompute the reason and vCPU rows from the fine cells; a row with a changed fine cell becomes dirty. */
static void roll_up(struct xs_aggstore *a)
{
	if (!a->fine_dirty)
		return;
	for (size_t i = 0; i < a->ncells; i++)
		if (a->cells[i].dim == XS_DIM_REASON || a->cells[i].dim == XS_DIM_VCPU)
			memset(&a->cells[i].stats, 0, sizeof(a->cells[i].stats));
	size_t n = a->ncells; /* cell_for may add group cells (and move the array): index, do not point */
	for (size_t i = 0; i < n; i++) {
		if (a->cells[i].dim != DIM_FINE)
			continue;
		uint64_t k1 = a->cells[i].k1, k2 = a->cells[i].k2;
		bool dirty = a->cells[i].dirty;
		a->cells[i].dirty = false;
		struct cell *g = cell_for(a, XS_DIM_REASON, k2 >> 32, k2 & 0xffffffffu);
		xs_stats_merge(&g->stats, &a->cells[i].stats);
		g->dirty |= dirty;
		g = cell_for(a, XS_DIM_VCPU, k1 >> 32, k1 & 0xffffffffu);
		xs_stats_merge(&g->stats, &a->cells[i].stats);
		g->dirty |= dirty;
	}
	a->fine_dirty = false;
}

void xs_aggstore_mark_all_dirty(struct xs_aggstore *a)
{
	for (size_t i = 0; i < a->ncells; i++)
		a->cells[i].dirty = true;
	a->fine_dirty = true;
	for (size_t i = 0; i < a->nsecs; i++)
		a->secs[i].dirty = true;
	a->incomplete_dirty = true;
}

static int prepare(struct xs_aggstore *a, sqlite3 *db, char *err, size_t errlen)
{
	if (a->db == db)
		return 0;
	finalize_stmts(a);
	if (xs_sql_prepare(db, "INSERT OR REPLACE INTO agg VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &a->upsert,
			   err, errlen) ||
	    xs_sql_prepare(db, "INSERT OR REPLACE INTO agg_seconds VALUES (?,?,?)", &a->upsert_sec, err, errlen) ||
	    xs_sql_prepare(db, "UPDATE runs SET agg_incomplete = ? WHERE run_id = ?", &a->mark, err, errlen) ||
	    xs_sql_prepare(db, "DELETE FROM agg WHERE run_id = ? AND dim = ?", &a->purge, err, errlen)) {
		finalize_stmts(a);
		return -1;
	}
	a->db = db;
	return 0;
}

static void bind_u64_or_null(sqlite3_stmt *st, int i, bool have, uint64_t v)
{
	if (have)
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	else
		sqlite3_bind_null(st, i);
}

static int write_cell(struct xs_aggstore *a, const struct cell *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = a->upsert;
	const struct xs_stats *s = &c->stats;
	uint8_t blob[XS_HIST_BLOB_MAX];
	size_t n = xs_hist_encode(s, blob, sizeof(blob));
	bool lat = s->lat_count > 0;
	sqlite3_bind_int64(st, 1, a->run_id);
	sqlite3_bind_text(st, 2, dim_names[c->dim], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->k1);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->k2);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)s->count);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)s->lat_count);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)s->lat_sum);
	bind_u64_or_null(st, 8, lat, s->lat_min);
	bind_u64_or_null(st, 9, lat, s->lat_max);
	bind_u64_or_null(st, 10, lat, xs_stats_lat_percentile(s, 50));
	bind_u64_or_null(st, 11, lat, xs_stats_lat_percentile(s, 90));
	bind_u64_or_null(st, 12, lat, xs_stats_lat_percentile(s, 99));
	sqlite3_bind_int64(st, 13, (sqlite3_int64)s->handler_count);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)s->handler_sum);
	bind_u64_or_null(st, 15, s->handler_count > 0, s->handler_max);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)s->run_sum);
	bind_u64_or_null(st, 17, s->count > 0, s->first_ts);
	bind_u64_or_null(st, 18, s->count > 0, s->last_ts);
	if (n)
		sqlite3_bind_blob(st, 19, blob, (int)n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 19);
	return xs_sql_step_done(a->db, st, err, errlen);
}

int xs_aggstore_flush(struct xs_aggstore *a, sqlite3 *db, char *err, size_t errlen)
{
	if (prepare(a, db, err, errlen))
		return -1;
	roll_up(a);
	for (size_t i = 0; i < a->ncells; i++) {
		struct cell *c = &a->cells[i];
		/* Fine cells only feed the roll-up; a detail dimension that overflowed is no longer kept. */
		if (!c->dirty || c->dim == DIM_FINE || a->incomplete[c->dim])
			continue;
		if (write_cell(a, c, err, errlen))
			return -1;
		c->dirty = false;
	}
	for (size_t i = 0; i < a->nsecs; i++) {
		if (!a->secs[i].dirty)
			continue;
		sqlite3_bind_int64(a->upsert_sec, 1, a->run_id);
		sqlite3_bind_int64(a->upsert_sec, 2, a->secs[i].sec);
		sqlite3_bind_int64(a->upsert_sec, 3, (sqlite3_int64)a->secs[i].count);
		if (xs_sql_step_done(db, a->upsert_sec, err, errlen))
			return -1;
		a->secs[i].dirty = false;
	}
	if (a->incomplete_dirty) {
		char list[64] = "";
		for (unsigned int d = 0; d < XS_DIM_COUNT; d++) {
			if (a->incomplete[d])
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? "," : "",
					 dim_names[d]);
		}
		if (*list)
			sqlite3_bind_text(a->mark, 1, list, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(a->mark, 1);
		sqlite3_bind_int64(a->mark, 2, a->run_id);
		if (xs_sql_step_done(db, a->mark, err, errlen))
			return -1;
		/* Rows of a dimension that overflowed would mislead: readers scan the exits for it instead. */
		for (unsigned int d = 0; d < XS_DIM_COUNT; d++) {
			if (!a->incomplete[d])
				continue;
			sqlite3_bind_int64(a->purge, 1, a->run_id);
			sqlite3_bind_text(a->purge, 2, dim_names[d], -1, SQLITE_STATIC);
			if (xs_sql_step_done(db, a->purge, err, errlen))
				return -1;
		}
		a->incomplete_dirty = false;
	}
	return 0;
}

/* ---- recomputing from stored exits ---- */

static int backfill_run(sqlite3 *db, int64_t run_id, char *err, size_t errlen)
{
	struct xs_store_reader *rd = xs_store_reader_open(db, run_id, false, err, errlen);
	if (!rd)
		return -1;
	struct xs_aggstore *a = xs_aggstore_new(run_id);
	struct xs_exit_record r;
	int rc;
	while ((rc = xs_store_reader_next(rd, &r, NULL)) > 0)
		xs_aggstore_add(a, &r);
	if (rc < 0)
		xs_sql_fail(err, errlen, "%s", xs_store_reader_error(rd));
	xs_store_reader_close(rd);
	if (rc == 0) {
		a->incomplete_dirty = true;
		rc = xs_aggstore_flush(a, db, err, errlen);
	}
	xs_aggstore_free(a);
	return rc;
}

int xs_aggstore_backfill(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_exec(db, "DELETE FROM agg; DELETE FROM agg_seconds;", err, errlen) ||
	    xs_sql_prepare(db, "SELECT run_id FROM runs ORDER BY run_id", &st, err, errlen))
		return -1;
	int64_t *ids = NULL;
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xs_realloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = backfill_run(db, ids[i], err, errlen);
	free(ids);
	return rc;
}
