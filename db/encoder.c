// SPDX-License-Identifier: MIT
#include "db/encoder.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/aggstore.h"
#include "db/guest_state.h"
#include "db/rowpack.h"
#include "db/sqlutil.h"

#define ROW_COLS 14
#define ROWS_PER_INSERT 64 /* one INSERT with this many VALUES tuples: fewer VM dispatches per row */
/* Segment time bases move on before t leaves 32 bits, the most SQLite stores in 4 bytes. */
#define T_MAX INT32_MAX
#define T_MIN INT32_MIN
/* Beyond this |sd| (seq not following the row ids) a thread starts a new segment, keeping sd at one byte. */
#define SD_MAX 127

struct pending_row {
	int64_t seg, sd, t, shape;
	struct xs_row row;
};

struct segment {
	bool used;
	uint32_t vcpu, pid, tid;
	int64_t seg, ts_base, id_base;
};

struct shape_slot {
	int64_t id; /* 0 = empty */
	struct xs_shape shape;
};

struct reason_slot {
	bool used, inline_qual;
	uint8_t isa;
	uint32_t reason;
	uint32_t shapes;
};

struct xs_encoder {
	sqlite3 *db;
	int64_t run_id;
	sqlite3_stmt *ins_rows, *ins_row, *ins_seg, *ins_shape, *ins_extra, *ins_state, *upd_run, *load_shapes;
	int64_t next_id, next_seg, next_shape, known_shape;
	struct segment *segs; /* open addressing by (vcpu, pid, tid) */
	size_t segs_cap, segs_used;
	struct shape_slot *shapes;
	size_t shapes_cap, shapes_used;
	struct reason_slot *reasons;
	size_t reasons_cap, reasons_used;
	struct pending_row pending[ROWS_PER_INSERT];
	size_t npending;
	/* Which parameters of ins_rows / ins_row hold NULL now: bindings survive a reset, so NULL stays bound. */
	bool null_rows[ROWS_PER_INSERT * ROW_COLS], null_row[ROW_COLS];
	struct xs_aggstore *agg;
	/* this transaction */
	bool in_txn;
	uint64_t txn_exits, txn_states, txn_first_ts, txn_last_ts;
	int64_t txn_first_id, txn_last_id;
	struct xs_encoder_counts counts;
	int last_error;
};

/* ---- statements ---- */

static char *rows_insert_sql(size_t nrows)
{
	size_t len = 200 + nrows * (ROW_COLS * 2 + 4);
	char *sql = xs_malloc(len);
	size_t off = (size_t)snprintf(sql, len,
				      "INSERT INTO exit_rows(seg, sd, t, shape, rip, lat, qual, info2, gpa, val, addr,"
				      " cpu, run_ns, handler_ns) VALUES ");
	for (size_t i = 0; i < nrows; i++) {
		off += (size_t)snprintf(sql + off, len - off, "%s(", i ? "," : "");
		for (int c = 0; c < ROW_COLS; c++)
			off += (size_t)snprintf(sql + off, len - off, "%s?", c ? "," : "");
		off += (size_t)snprintf(sql + off, len - off, ")");
	}
	return sql;
}

static char *state_insert_sql(void)
{
	const struct xs_gs_column *cols;
	size_t n = xs_gs_columns(&cols);
	size_t len = 64 + n * 3;
	char *sql = xs_malloc(len);
	size_t off = (size_t)snprintf(sql, len, "INSERT INTO guest_state VALUES (?,?");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(sql + off, len - off, ",?");
	snprintf(sql + off, len - off, ")");
	return sql;
}

static int prepare_all(struct xs_encoder *e, char *err, size_t errlen)
{
	char *multi = rows_insert_sql(ROWS_PER_INSERT), *single = rows_insert_sql(1), *state = state_insert_sql();
	int rc = xs_sql_prepare(e->db, multi, &e->ins_rows, err, errlen) ||
		 xs_sql_prepare(e->db, single, &e->ins_row, err, errlen) ||
		 xs_sql_prepare(e->db, "INSERT INTO segments VALUES (?,?,?,?,?,?,?)", &e->ins_seg, err, errlen) ||
		 xs_sql_prepare(e->db, "INSERT INTO shapes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &e->ins_shape,
				err, errlen) ||
		 xs_sql_prepare(e->db, "INSERT INTO exit_extra VALUES (?,?,?)", &e->ins_extra, err, errlen) ||
		 xs_sql_prepare(e->db, state, &e->ins_state, err, errlen) ||
		 xs_sql_prepare(e->db,
				"UPDATE runs SET exits = exits + ?2, guest_states = guest_states + ?3,"
				" first_ts = min(coalesce(first_ts, ?4), ?4), last_ts = max(coalesce(last_ts, ?5), ?5),"
				" first_id = coalesce(first_id, ?6), last_id = ?7 WHERE run_id = ?1",
				&e->upd_run, err, errlen) ||
		 xs_sql_prepare(e->db, "SELECT * FROM shapes WHERE shape > ? ORDER BY shape", &e->load_shapes, err,
				errlen);
	free(multi);
	free(single);
	free(state);
	return rc ? -1 : 0;
}

struct xs_encoder *xs_encoder_new(sqlite3 *db, int64_t run_id, char *err, size_t errlen)
{
	struct xs_encoder *e = xs_calloc(1, sizeof(*e));
	e->db = db;
	e->run_id = run_id;
	e->segs_cap = 64;
	e->segs = xs_calloc(e->segs_cap, sizeof(*e->segs));
	e->shapes_cap = 1024;
	e->shapes = xs_calloc(e->shapes_cap, sizeof(*e->shapes));
	e->reasons_cap = 256;
	e->reasons = xs_calloc(e->reasons_cap, sizeof(*e->reasons));
	e->agg = xs_aggstore_new(run_id);
	if (prepare_all(e, err, errlen)) {
		xs_encoder_free(e);
		return NULL;
	}
	return e;
}

void xs_encoder_free(struct xs_encoder *e)
{
	if (!e)
		return;
	if (e->in_txn)
		xs_encoder_rollback(e);
	sqlite3_stmt *all[] = {e->ins_rows,  e->ins_row,   e->ins_seg, e->ins_shape,
			       e->ins_extra, e->ins_state, e->upd_run, e->load_shapes};
	for (size_t i = 0; i < XS_ARRAY_SIZE(all); i++)
		sqlite3_finalize(all[i]);
	xs_aggstore_free(e->agg);
	free(e->segs);
	free(e->shapes);
	free(e->reasons);
	free(e);
}

const struct xs_encoder_counts *xs_encoder_counts(const struct xs_encoder *e)
{
	return &e->counts;
}

/* ---- caches ---- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static struct shape_slot *shape_find(struct shape_slot *slots, size_t cap, const struct xs_shape *s)
{
	size_t i = xs_shape_hash(s) & (cap - 1);
	while (slots[i].id && memcmp(&slots[i].shape, s, sizeof(*s)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void shape_remember(struct xs_encoder *e, const struct xs_shape *s, int64_t id)
{
	if ((e->shapes_used + 1) * 2 > e->shapes_cap) {
		size_t cap = e->shapes_cap * 2;
		struct shape_slot *slots = xs_calloc(cap, sizeof(*slots));
		for (size_t i = 0; i < e->shapes_cap; i++)
			if (e->shapes[i].id)
				*shape_find(slots, cap, &e->shapes[i].shape) = e->shapes[i];
		free(e->shapes);
		e->shapes = slots;
		e->shapes_cap = cap;
	}
	struct shape_slot *slot = shape_find(e->shapes, e->shapes_cap, s);
	if (!slot->id)
		e->shapes_used++;
	slot->id = id;
	slot->shape = *s;
}

static struct reason_slot *reason_find(struct reason_slot *slots, size_t cap, uint8_t isa, uint32_t reason)
{
	size_t i = mix((uint64_t)isa << 32 | reason) & (cap - 1);
	while (slots[i].used && (slots[i].isa != isa || slots[i].reason != reason))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static struct reason_slot *reason_get(struct xs_encoder *e, uint8_t isa, uint32_t reason)
{
	struct reason_slot *r = reason_find(e->reasons, e->reasons_cap, isa, reason);
	if (r->used)
		return r;
	if ((e->reasons_used + 1) * 2 > e->reasons_cap) {
		size_t cap = e->reasons_cap * 2;
		struct reason_slot *slots = xs_calloc(cap, sizeof(*slots));
		for (size_t i = 0; i < e->reasons_cap; i++)
			if (e->reasons[i].used)
				*reason_find(slots, cap, e->reasons[i].isa, e->reasons[i].reason) = e->reasons[i];
		free(e->reasons);
		e->reasons = slots;
		e->reasons_cap = cap;
		r = reason_find(e->reasons, e->reasons_cap, isa, reason);
	}
	r->used = true;
	r->isa = isa;
	r->reason = reason;
	e->reasons_used++;
	return r;
}

/* A shape some writer stored: remember it, and count it against its reason's budget. */
static void shape_learned(struct xs_encoder *e, const struct xs_shape *s, int64_t id)
{
	shape_remember(e, s, id);
	struct reason_slot *r = reason_get(e, s->isa, s->reason);
	if (s->has & XS_SHAPE_QUAL)
		r->shapes++;
	else
		r->inline_qual = true; /* someone already chose to keep this reason's qualifications in rows */
	if (r->shapes >= XS_SHAPES_PER_REASON && !r->inline_qual) {
		r->inline_qual = true;
		e->counts.inline_reasons++;
	}
	if (id > e->known_shape)
		e->known_shape = id;
}

static struct segment *seg_find(struct segment *segs, size_t cap, uint32_t vcpu, uint32_t pid, uint32_t tid)
{
	size_t i = mix((uint64_t)vcpu << 40 ^ (uint64_t)pid << 20 ^ tid) & (cap - 1);
	while (segs[i].used && (segs[i].vcpu != vcpu || segs[i].pid != pid || segs[i].tid != tid))
		i = (i + 1) & (cap - 1);
	return &segs[i];
}

static struct segment *seg_get(struct xs_encoder *e, uint32_t vcpu, uint32_t pid, uint32_t tid)
{
	struct segment *s = seg_find(e->segs, e->segs_cap, vcpu, pid, tid);
	if (s->used)
		return s;
	if ((e->segs_used + 1) * 2 > e->segs_cap) {
		size_t cap = e->segs_cap * 2;
		struct segment *segs = xs_calloc(cap, sizeof(*segs));
		for (size_t i = 0; i < e->segs_cap; i++)
			if (e->segs[i].used)
				*seg_find(segs, cap, e->segs[i].vcpu, e->segs[i].pid, e->segs[i].tid) = e->segs[i];
		free(e->segs);
		e->segs = segs;
		e->segs_cap = cap;
		s = seg_find(e->segs, e->segs_cap, vcpu, pid, tid);
	}
	s->used = true;
	s->vcpu = vcpu;
	s->pid = pid;
	s->tid = tid;
	s->seg = 0; /* not yet stored */
	e->segs_used++;
	return s;
}

/* ---- transactions ---- */

static int load_new_shapes(struct xs_encoder *e, char *err, size_t errlen)
{
	sqlite3_stmt *st = e->load_shapes;
	sqlite3_bind_int64(st, 1, e->known_shape);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct xs_shape s;
		memset(&s, 0, sizeof(s));
		s.isa = (uint8_t)sqlite3_column_int(st, 1);
		s.reason = (uint32_t)sqlite3_column_int64(st, 2);
		s.source = (uint8_t)sqlite3_column_int(st, 3);
		s.flags = (uint16_t)sqlite3_column_int(st, 4);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			s.has |= XS_SHAPE_QUAL;
			s.qual = (uint64_t)sqlite3_column_int64(st, 5);
			s.info2 = (uint64_t)sqlite3_column_int64(st, 6);
		}
		s.intr_info = (uint32_t)sqlite3_column_int64(st, 7);
		s.error_code = (uint32_t)sqlite3_column_int64(st, 8);
		s.insn_len = (uint32_t)sqlite3_column_int64(st, 9);
		s.insn_info = (uint32_t)sqlite3_column_int64(st, 10);
		s.idt_info = (uint32_t)sqlite3_column_int64(st, 11);
		s.idt_error = (uint32_t)sqlite3_column_int64(st, 12);
		s.detail_kind = (uint8_t)sqlite3_column_int(st, 13);
		if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
			s.has |= XS_SHAPE_KEY;
			s.detail_key = (uint64_t)sqlite3_column_int64(st, 14);
		}
		if (sqlite3_column_type(st, 15) != SQLITE_NULL) {
			s.has |= XS_SHAPE_ATTR;
			s.detail_attr = (uint64_t)sqlite3_column_int64(st, 15);
		}
		shape_learned(e, &s, sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return xs_sql_fail(err, errlen, "reading shapes: %s", xs_sql_errmsg(e->db, rc));
	return 0;
}

int xs_encoder_begin(struct xs_encoder *e, char *err, size_t errlen)
{
	if (xs_sql_exec(e->db, "BEGIN IMMEDIATE", err, errlen))
		return -1;
	e->in_txn = true;
	int64_t max_id, max_seg, max_shape;
	if (xs_sql_int(e->db, "SELECT max(id) FROM exit_rows", &max_id, err, errlen) ||
	    xs_sql_int(e->db, "SELECT max(seg) FROM segments", &max_seg, err, errlen) ||
	    xs_sql_int(e->db, "SELECT max(shape) FROM shapes", &max_shape, err, errlen))
		goto fail;
	e->next_id = max_id + 1;
	e->next_seg = max_seg + 1;
	if (max_shape > e->known_shape && load_new_shapes(e, err, errlen))
		goto fail;
	e->next_shape = max_shape + 1;
	e->txn_exits = e->txn_states = 0;
	e->txn_first_id = e->next_id;
	e->txn_last_id = 0;
	e->txn_first_ts = UINT64_MAX;
	e->txn_last_ts = 0;
	return 0;
fail:
	xs_encoder_rollback(e);
	return -1;
}

int xs_encoder_last_error(const struct xs_encoder *e)
{
	return e->last_error;
}

void xs_encoder_rollback(struct xs_encoder *e)
{
	int rc = sqlite3_errcode(e->db);
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e->last_error = rc;
	sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
	e->in_txn = false;
	e->npending = 0;
}

static void bind_opt(sqlite3_stmt *st, int i, bool have, uint64_t v)
{
	if (have)
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_nullable(sqlite3_stmt *st, int i, bool have, uint64_t v, bool *is_null)
{
	if (have) {
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
		*is_null = false;
	} else if (!*is_null) {
		sqlite3_bind_null(st, i);
		*is_null = true;
	}
}

/* Bind one row at parameter offset b; is_null tracks the statement's NULL parameters from b on. */
static void bind_row(sqlite3_stmt *st, int b, const struct pending_row *p, bool *is_null)
{
	const struct xs_row *r = &p->row;
	sqlite3_bind_int64(st, b + 1, p->seg);
	sqlite3_bind_int64(st, b + 2, p->sd);
	sqlite3_bind_int64(st, b + 3, p->t);
	sqlite3_bind_int64(st, b + 4, p->shape);
	bind_nullable(st, b + 5, r->has & XS_ROW_RIP, r->rip, &is_null[4]);
	bind_nullable(st, b + 6, r->has & XS_ROW_LAT, r->lat, &is_null[5]);
	bind_nullable(st, b + 7, r->has & XS_ROW_QUAL, r->qual, &is_null[6]);
	bind_nullable(st, b + 8, r->has & XS_ROW_INFO2, r->info2, &is_null[7]);
	bind_nullable(st, b + 9, r->has & XS_ROW_GPA, r->gpa, &is_null[8]);
	bind_nullable(st, b + 10, r->has & XS_ROW_VAL, r->val, &is_null[9]);
	bind_nullable(st, b + 11, r->has & XS_ROW_ADDR, r->addr, &is_null[10]);
	sqlite3_bind_int64(st, b + 12, r->cpu);
	bind_nullable(st, b + 13, r->has & XS_ROW_RUN, r->run_ns, &is_null[12]);
	bind_nullable(st, b + 14, r->has & XS_ROW_RUN, r->handler_ns, &is_null[13]);
}

static int flush_rows(struct xs_encoder *e, char *err, size_t errlen)
{
	if (e->npending == ROWS_PER_INSERT) {
		for (size_t i = 0; i < ROWS_PER_INSERT; i++)
			bind_row(e->ins_rows, (int)i * ROW_COLS, &e->pending[i], &e->null_rows[i * ROW_COLS]);
		if (xs_sql_step_done(e->db, e->ins_rows, err, errlen))
			return -1;
	} else {
		for (size_t i = 0; i < e->npending; i++) {
			bind_row(e->ins_row, 0, &e->pending[i], e->null_row);
			if (xs_sql_step_done(e->db, e->ins_row, err, errlen))
				return -1;
		}
	}
	e->npending = 0;
	return 0;
}

static int store_segment(struct xs_encoder *e, struct segment *s, uint64_t ts, int64_t id_base, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st = e->ins_seg;
	s->seg = e->next_seg++;
	s->ts_base = (int64_t)ts;
	s->id_base = id_base;
	sqlite3_bind_int64(st, 1, s->seg);
	sqlite3_bind_int64(st, 2, e->run_id);
	sqlite3_bind_int64(st, 3, s->vcpu);
	sqlite3_bind_int64(st, 4, s->pid);
	sqlite3_bind_int64(st, 5, s->tid);
	sqlite3_bind_int64(st, 6, s->ts_base);
	sqlite3_bind_int64(st, 7, s->id_base);
	e->counts.segments++;
	return xs_sql_step_done(e->db, st, err, errlen);
}

static int store_shape(struct xs_encoder *e, const struct xs_shape *s, int64_t *id, char *err, size_t errlen)
{
	sqlite3_stmt *st = e->ins_shape;
	*id = e->next_shape++;
	bool q = s->has & XS_SHAPE_QUAL;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int(st, 2, s->isa);
	sqlite3_bind_int64(st, 3, s->reason);
	sqlite3_bind_int(st, 4, s->source);
	sqlite3_bind_int(st, 5, s->flags);
	bind_opt(st, 6, q, s->qual);
	bind_opt(st, 7, q, s->info2);
	sqlite3_bind_int64(st, 8, s->intr_info);
	sqlite3_bind_int64(st, 9, s->error_code);
	sqlite3_bind_int64(st, 10, s->insn_len);
	sqlite3_bind_int64(st, 11, s->insn_info);
	sqlite3_bind_int64(st, 12, s->idt_info);
	sqlite3_bind_int64(st, 13, s->idt_error);
	sqlite3_bind_int(st, 14, s->detail_kind);
	bind_opt(st, 15, s->has & XS_SHAPE_KEY, s->detail_key);
	bind_opt(st, 16, s->has & XS_SHAPE_ATTR, s->detail_attr);
	if (xs_sql_step_done(e->db, st, err, errlen))
		return -1;
	e->counts.shapes++;
	shape_learned(e, s, *id);
	return 0;
}

static int store_extra(struct xs_encoder *e, int64_t id, const struct xs_row_extra *x, char *err, size_t errlen)
{
	sqlite3_stmt *st = e->ins_extra;
	sqlite3_bind_int64(st, 1, id);
	bind_opt(st, 2, x->has_gla, x->guest_linear);
	if (x->blob_len)
		sqlite3_bind_blob(st, 3, x->blob, (int)x->blob_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	e->counts.extras++;
	return xs_sql_step_done(e->db, st, err, errlen);
}

static int store_state(struct xs_encoder *e, int64_t id, const struct xs_guest_state *gs, char *err, size_t errlen)
{
	sqlite3_stmt *st = e->ins_state;
	const struct xs_gs_column *cols;
	size_t n = xs_gs_columns(&cols);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)gs->valid);
	for (size_t i = 0; i < n; i++)
		bind_opt(st, (int)i + 3, gs->valid & cols[i].valid_bit, xs_gs_get(gs, &cols[i]));
	e->txn_states++;
	e->counts.guest_states++;
	return xs_sql_step_done(e->db, st, err, errlen);
}

int xs_encoder_add(struct xs_encoder *e, const struct xs_exit_record *r, char *err, size_t errlen)
{
	int64_t id = e->next_id++;
	struct reason_slot *rs = reason_get(e, r->isa, r->reason);
	struct pending_row *p = &e->pending[e->npending];
	struct xs_shape shape;
	struct xs_row_extra extra;
	xs_row_pack(r, rs->inline_qual, &shape, &p->row, &extra);

	struct shape_slot *slot = shape_find(e->shapes, e->shapes_cap, &shape);
	if (slot->id) {
		p->shape = slot->id;
	} else {
		if (!rs->inline_qual && rs->shapes + 1 >= XS_SHAPES_PER_REASON) {
			/* This reason's qualifications vary too much to share shapes: keep them in the rows. */
			xs_row_pack(r, true, &shape, &p->row, &extra);
			rs->inline_qual = true;
			e->counts.inline_reasons++;
			slot = shape_find(e->shapes, e->shapes_cap, &shape);
		}
		if (slot->id)
			p->shape = slot->id;
		else if (store_shape(e, &shape, &p->shape, err, errlen))
			return -1;
	}

	struct segment *s = seg_get(e, r->vcpu, r->pid, r->tid);
	int64_t t = (int64_t)(r->ts - (uint64_t)s->ts_base);
	int64_t sd = (int64_t)(r->seq - ((uint64_t)id - (uint64_t)s->id_base));
	if (!s->seg || t > T_MAX || t < T_MIN || sd > SD_MAX || sd < -SD_MAX) {
		if (store_segment(e, s, r->ts, (int64_t)((uint64_t)id - r->seq), err, errlen))
			return -1;
		t = 0;
		sd = 0;
	}
	p->seg = s->seg;
	p->t = t;
	p->sd = sd;

	if ((extra.has_gla || extra.blob_len) && store_extra(e, id, &extra, err, errlen))
		return -1;
	if ((r->flags & XS_F_GUEST_STATE) && store_state(e, id, &r->gs, err, errlen))
		return -1;
	if (++e->npending == ROWS_PER_INSERT && flush_rows(e, err, errlen))
		return -1;

	xs_aggstore_add(e->agg, r);
	e->txn_exits++;
	e->txn_last_id = id;
	if (r->ts < e->txn_first_ts)
		e->txn_first_ts = r->ts;
	if (r->ts > e->txn_last_ts)
		e->txn_last_ts = r->ts;
	return 0;
}

int xs_encoder_commit(struct xs_encoder *e, char *err, size_t errlen)
{
	if (flush_rows(e, err, errlen))
		goto fail;
	if (e->txn_exits) {
		/* The rows took the ids we predicted, or the segments' id bases would be wrong. */
		int64_t max_id;
		if (xs_sql_int(e->db, "SELECT max(id) FROM exit_rows", &max_id, err, errlen))
			goto fail;
		if (max_id != e->txn_last_id) {
			xs_sql_fail(err, errlen, "exit row ids went astray (expected %lld, found %lld)",
				    (long long)e->txn_last_id, (long long)max_id);
			goto fail;
		}
		sqlite3_stmt *st = e->upd_run;
		sqlite3_bind_int64(st, 1, e->run_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)e->txn_exits);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)e->txn_states);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)e->txn_first_ts);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)e->txn_last_ts);
		sqlite3_bind_int64(st, 6, e->txn_first_id);
		sqlite3_bind_int64(st, 7, e->txn_last_id);
		if (xs_sql_step_done(e->db, st, err, errlen))
			goto fail;
		if (xs_aggstore_flush(e->agg, e->db, err, errlen))
			goto fail;
	}
	if (xs_sql_exec(e->db, "COMMIT", err, errlen))
		goto fail;
	e->in_txn = false;
	e->counts.exits += e->txn_exits;
	return 0;
fail:
	xs_encoder_rollback(e);
	return -1;
}
