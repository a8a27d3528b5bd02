// SPDX-License-Identifier: MIT
#include "db/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/guest_state.h"
#include "db/rowpack.h"
#include "db/sqlutil.h"

struct xs_store_reader {
	sqlite3 *db;
	sqlite3_stmt *rows, *state;
	char error[256];
};

/* Column numbers of the row query below. */
enum {
	C_ID,
	C_RUN,
	C_VCPU,
	C_PID,
	C_TID,
	C_TS_BASE,
	C_ID_BASE,
	C_SD,
	C_T,
	C_ISA,
	C_REASON,
	C_SOURCE,
	C_FLAGS,
	C_S_QUAL,
	C_S_INFO2,
	C_INTR,
	C_ERR,
	C_INSN_LEN,
	C_INSN_INFO,
	C_IDT_INFO,
	C_IDT_ERR,
	C_DKIND,
	C_DKEY,
	C_DATTR,
	C_RIP,
	C_LAT,
	C_QUAL,
	C_INFO2,
	C_GPA,
	C_VAL,
	C_ADDR,
	C_CPU,
	C_RUN_NS,
	C_HANDLER_NS,
	C_GLA,
	C_BLOB
};

static const char rows_sql[] =
	"SELECT e.id, g.run_id, g.vcpu, g.pid, g.tid, g.ts_base, g.id_base, e.sd, e.t,"
	" s.isa, s.reason, s.source, s.flags, s.qual, s.info2, s.intr_info, s.error_code, s.insn_len, s.insn_info,"
	" s.idt_info, s.idt_error, s.detail_kind, s.detail_key, s.detail_attr,"
	" e.rip, e.lat, e.qual, e.info2, e.gpa, e.val, e.addr, e.cpu, e.run_ns, e.handler_ns,"
	" x.guest_linear, x.detail"
	" FROM exit_rows e CROSS JOIN segments g ON g.seg = e.seg CROSS JOIN shapes s ON s.shape = e.shape"
	" LEFT JOIN exit_extra x ON x.id = e.id"
	" WHERE e.id BETWEEN ?2 AND ?3 AND (?1 = 0 OR g.run_id = ?1) ORDER BY e.id";

struct xs_store_reader *xs_store_reader_open(sqlite3 *db, int64_t run_id, bool with_state, char *err, size_t errlen)
{
	int64_t first = 0, last = INT64_MAX;
	if (run_id > 0) {
		/* The run's id range bounds the scan; the run_id test keeps it exact if runs interleaved. */
		sqlite3_stmt *st;
		if (xs_sql_prepare(db, "SELECT first_id, last_id FROM runs WHERE run_id = ?", &st, err, errlen))
			return NULL;
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
			first = sqlite3_column_int64(st, 0);
			last = sqlite3_column_int64(st, 1);
		} else {
			first = 1;
			last = 0; /* no exits */
		}
		sqlite3_finalize(st);
	}
	struct xs_store_reader *rd = xs_calloc(1, sizeof(*rd));
	rd->db = db;
	if (xs_sql_prepare(db, rows_sql, &rd->rows, err, errlen))
		goto fail;
	sqlite3_bind_int64(rd->rows, 1, run_id);
	sqlite3_bind_int64(rd->rows, 2, first);
	sqlite3_bind_int64(rd->rows, 3, last);
	if (with_state && xs_sql_prepare(db, "SELECT * FROM guest_state WHERE id = ?", &rd->state, err, errlen))
		goto fail;
	return rd;
fail:
	xs_store_reader_close(rd);
	return NULL;
}

static uint64_t col_u64(sqlite3_stmt *st, int c)
{
	return (uint64_t)sqlite3_column_int64(st, c);
}

static bool col_set(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) != SQLITE_NULL;
}

static int read_state(struct xs_store_reader *rd, int64_t id, struct xs_exit_record *r)
{
	sqlite3_stmt *st = rd->state;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const struct xs_gs_column *cols;
		size_t n = xs_gs_columns(&cols);
		r->gs.valid = col_u64(st, 1);
		for (size_t i = 0; i < n; i++)
			if (col_set(st, (int)i + 2))
				xs_gs_set(&r->gs, &cols[i], col_u64(st, (int)i + 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(rd->error, sizeof(rd->error), "reading guest state: %s", xs_sql_errmsg(rd->db, rc));
		return -1;
	}
	return 0;
}

int xs_store_reader_next(struct xs_store_reader *rd, struct xs_exit_record *r, int64_t *run_id)
{
	sqlite3_stmt *st = rd->rows;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		snprintf(rd->error, sizeof(rd->error), "reading exits: %s", xs_sql_errmsg(rd->db, rc));
		return -1;
	}
	struct xs_shape shape = {
		.isa = (uint8_t)sqlite3_column_int(st, C_ISA),
		.reason = (uint32_t)col_u64(st, C_REASON),
		.source = (uint8_t)sqlite3_column_int(st, C_SOURCE),
		.flags = (uint16_t)sqlite3_column_int(st, C_FLAGS),
		.qual = col_u64(st, C_S_QUAL),
		.info2 = col_u64(st, C_S_INFO2),
		.intr_info = (uint32_t)col_u64(st, C_INTR),
		.error_code = (uint32_t)col_u64(st, C_ERR),
		.insn_len = (uint32_t)col_u64(st, C_INSN_LEN),
		.insn_info = (uint32_t)col_u64(st, C_INSN_INFO),
		.idt_info = (uint32_t)col_u64(st, C_IDT_INFO),
		.idt_error = (uint32_t)col_u64(st, C_IDT_ERR),
		.detail_kind = (uint8_t)sqlite3_column_int(st, C_DKIND),
		.detail_key = col_u64(st, C_DKEY),
		.detail_attr = col_u64(st, C_DATTR),
	};
	shape.has = (col_set(st, C_S_QUAL) ? XS_SHAPE_QUAL : 0) | (col_set(st, C_DKEY) ? XS_SHAPE_KEY : 0) |
		    (col_set(st, C_DATTR) ? XS_SHAPE_ATTR : 0);
	struct xs_row row = {
		.cpu = (uint32_t)col_u64(st, C_CPU),
		.rip = col_u64(st, C_RIP),
		.lat = col_u64(st, C_LAT),
		.qual = col_u64(st, C_QUAL),
		.info2 = col_u64(st, C_INFO2),
		.gpa = col_u64(st, C_GPA),
		.val = col_u64(st, C_VAL),
		.addr = col_u64(st, C_ADDR),
		.run_ns = col_u64(st, C_RUN_NS),
		.handler_ns = col_u64(st, C_HANDLER_NS),
	};
	static const struct {
		int col;
		uint32_t bit;
	} nullable[] = {{C_RIP, XS_ROW_RIP}, {C_LAT, XS_ROW_LAT}, {C_QUAL, XS_ROW_QUAL}, {C_INFO2, XS_ROW_INFO2},
			{C_GPA, XS_ROW_GPA}, {C_VAL, XS_ROW_VAL}, {C_ADDR, XS_ROW_ADDR}, {C_RUN_NS, XS_ROW_RUN}};
	for (size_t i = 0; i < XS_ARRAY_SIZE(nullable); i++)
		if (col_set(st, nullable[i].col))
			row.has |= nullable[i].bit;
	struct xs_row_extra extra = {.has_gla = col_set(st, C_GLA), .guest_linear = col_u64(st, C_GLA)};
	if (col_set(st, C_BLOB)) {
		int n = sqlite3_column_bytes(st, C_BLOB);
		extra.blob_len = n > (int)sizeof(extra.blob) ? sizeof(extra.blob) : (size_t)n;
		memcpy(extra.blob, sqlite3_column_blob(st, C_BLOB), extra.blob_len);
	}
	memset(r, 0, sizeof(*r));
	xs_row_unpack(&shape, &row, &extra, r);
	int64_t id = sqlite3_column_int64(st, C_ID);
	r->vcpu = (uint32_t)col_u64(st, C_VCPU);
	r->pid = (uint32_t)col_u64(st, C_PID);
	r->tid = (uint32_t)col_u64(st, C_TID);
	r->ts = col_u64(st, C_TS_BASE) + col_u64(st, C_T);
	/* Unsigned: seq = id - id_base + sd wraps like the encoder's arithmetic did. */
	r->seq = (uint64_t)id - col_u64(st, C_ID_BASE) + col_u64(st, C_SD);
	if (run_id)
		*run_id = sqlite3_column_int64(st, C_RUN);
	if ((r->flags & XS_F_GUEST_STATE) && rd->state && read_state(rd, id, r))
		return -1;
	return 1;
}

const char *xs_store_reader_error(const struct xs_store_reader *rd)
{
	return rd->error[0] ? rd->error : "no error";
}

void xs_store_reader_close(struct xs_store_reader *rd)
{
	if (!rd)
		return;
	sqlite3_finalize(rd->rows);
	sqlite3_finalize(rd->state);
	free(rd);
}
