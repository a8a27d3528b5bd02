// SPDX-License-Identifier: MIT
#include "db/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/aggstore.h"
#include "db/guest_state.h"
#include "db/sqlutil.h"
#include "decoder/decoder.h"

/*
 * Version 1: runs, their metadata, exits (compact rows + shapes + segments), guest state, name tables.
 *
 * An exit is split three ways so a row stays small (docs/schema.md, "Row layout"):
 *   segments   who and when: run, vCPU, pid, tid, a time base and an id base (one row per vCPU thread and
 *              ~2 s window); exit_rows.t is ns after ts_base, seq is id - id_base + sd
 *   shapes     what: isa, reason, source, flags, qualification, interruption info, detail kind/key/attr;
 *              few distinct values, shared by many exits
 *   exit_rows  the per-exit values: time, RIP, latency, addresses, the detail value. NULL means "not
 *              recorded" (the record's flag was clear), which costs one byte.
 */
static const char *const schema_v1 =
	"CREATE TABLE db_info(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE runs("
	" run_id INTEGER PRIMARY KEY,"
	" created_at TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'recording',"
	" source TEXT, host TEXT, kernel TEXT, cpu_vendor TEXT, cpu_model TEXT, cmdline TEXT, guest TEXT,"
	" started_at TEXT, exit_status TEXT, imported_from TEXT, exitscope_version TEXT,"
	" first_ts INTEGER, last_ts INTEGER, first_id INTEGER, last_id INTEGER,"
	" exits INTEGER NOT NULL DEFAULT 0, guest_states INTEGER NOT NULL DEFAULT 0,"
	" dropped INTEGER NOT NULL DEFAULT 0, unsupported INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE run_meta(run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,"
	" PRIMARY KEY(run_id, key)) WITHOUT ROWID;"
	"CREATE TABLE segments(seg INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, vcpu INTEGER NOT NULL,"
	" pid INTEGER NOT NULL, tid INTEGER NOT NULL, ts_base INTEGER NOT NULL, id_base INTEGER NOT NULL);"
	"CREATE INDEX segments_by_run ON segments(run_id);"
	"CREATE TABLE shapes(shape INTEGER PRIMARY KEY, isa INTEGER NOT NULL, reason INTEGER NOT NULL,"
	" source INTEGER NOT NULL, flags INTEGER NOT NULL, qual INTEGER, info2 INTEGER, intr_info INTEGER NOT NULL,"
	" error_code INTEGER NOT NULL, insn_len INTEGER NOT NULL, insn_info INTEGER NOT NULL,"
	" idt_info INTEGER NOT NULL, idt_error INTEGER NOT NULL, detail_kind INTEGER NOT NULL,"
	" detail_key INTEGER, detail_attr INTEGER);"
	"CREATE TABLE exit_rows(id INTEGER PRIMARY KEY, seg INTEGER NOT NULL, sd INTEGER NOT NULL,"
	" t INTEGER NOT NULL, shape INTEGER NOT NULL, rip INTEGER, lat INTEGER, qual INTEGER, info2 INTEGER,"
	" gpa INTEGER, val INTEGER, addr INTEGER, cpu INTEGER NOT NULL, run_ns INTEGER, handler_ns INTEGER);"
	"CREATE TABLE exit_extra(id INTEGER PRIMARY KEY, guest_linear INTEGER, detail BLOB);"
	"CREATE TABLE isa_names(isa INTEGER PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE source_names(source INTEGER PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE detail_kind_names(kind INTEGER PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE reason_names(isa INTEGER NOT NULL, reason INTEGER NOT NULL, name TEXT, description TEXT,"
	" PRIMARY KEY(isa, reason)) WITHOUT ROWID;";

/* Version 2: aggregates kept at ingest, so reports and summary views need not scan the exits. */
static const char *const schema_v2 =
	"CREATE TABLE agg(run_id INTEGER NOT NULL, dim TEXT NOT NULL, k1 INTEGER NOT NULL, k2 INTEGER NOT NULL,"
	" count INTEGER NOT NULL, lat_count INTEGER NOT NULL, lat_sum INTEGER NOT NULL, lat_min INTEGER,"
	" lat_max INTEGER, lat_p50 INTEGER, lat_p90 INTEGER, lat_p99 INTEGER, handler_count INTEGER NOT NULL,"
	" handler_sum INTEGER NOT NULL, handler_max INTEGER, run_sum INTEGER NOT NULL, first_ts INTEGER,"
	" last_ts INTEGER, hist BLOB, PRIMARY KEY(run_id, dim, k1, k2)) WITHOUT ROWID;"
	"CREATE TABLE agg_seconds(run_id INTEGER NOT NULL, sec INTEGER NOT NULL, count INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, sec)) WITHOUT ROWID;"
	"ALTER TABLE runs ADD COLUMN agg_incomplete TEXT;";

/*
 * Version 3: the unit of a run's timestamps and latencies, runs.time_unit: NULL (= ns, CLOCK_MONOTONIC) or
 * 'tsc_ticks' (the vmx backend's emulated TSC, from its vmx.time_unit metadata), so views never present
 * ticks as time.
 */
static const char *const schema_v3 =
	"ALTER TABLE runs ADD COLUMN time_unit TEXT;"
	"UPDATE runs SET time_unit = 'tsc_ticks' WHERE run_id IN (SELECT run_id FROM run_meta"
	" WHERE key = 'vmx.time_unit' AND value LIKE 'tsc-ticks%');";

/*
 * The views, at the newest schema. They are dropped and recreated whenever the schema changes, so their
 * definitions are not part of the migrations. CROSS JOIN pins the join order: exit_rows outermost, the two
 * small tables looked up by rowid.
 */
static const char *const views =
	"CREATE VIEW exits AS SELECT e.id AS id, g.run_id AS run_id, e.id - g.id_base + e.sd AS seq,"
	" g.ts_base + e.t AS ts_ns, g.vcpu AS vcpu, g.pid AS pid, g.tid AS tid, e.cpu AS cpu, s.isa AS isa,"
	" s.reason AS reason, s.source AS source,"
	" s.flags | ((e.lat IS NOT NULL) << 1) | ((e.run_ns IS NOT NULL) << 2) | ((e.rip IS NOT NULL) << 10)"
	"  | ((e.gpa IS NOT NULL) << 11) AS flags,"
	" coalesce(e.qual, s.qual) AS qualification, coalesce(e.info2, s.info2) AS info2,"
	" s.intr_info AS intr_info, s.error_code AS error_code, s.insn_len AS insn_len, s.insn_info AS insn_info,"
	" s.idt_info AS idt_vectoring_info, s.idt_error AS idt_vectoring_error, e.rip AS rip,"
	" e.gpa AS guest_phys, e.lat AS latency_ns, e.run_ns AS run_ns, e.handler_ns AS handler_ns,"
	" s.detail_kind AS detail_kind, s.detail_key AS detail_key, s.detail_attr AS detail_attr,"
	" e.val AS detail_value, e.addr AS detail_addr,"
	" CASE s.detail_kind WHEN 1 THEN s.detail_key END AS io_port,"
	" CASE s.detail_kind WHEN 1 THEN (s.detail_attr >> 8) & 1 END AS io_in,"
	" CASE s.detail_kind WHEN 3 THEN s.detail_key END AS msr,"
	" CASE s.detail_kind WHEN 3 THEN s.detail_attr & 1 END AS msr_write,"
	" CASE WHEN s.detail_kind = 2 THEN e.addr ELSE e.gpa END AS gpa"
	" FROM exit_rows e CROSS JOIN segments g ON g.seg = e.seg CROSS JOIN shapes s ON s.shape = e.shape;"
	"CREATE VIEW exits_full AS SELECT x.*, n.name AS reason_name, (s.guest_linear) AS guest_linear,"
	" s.detail AS detail_blob FROM exits x LEFT JOIN exit_extra s ON s.id = x.id"
	" LEFT JOIN reason_names n ON n.isa = x.isa AND n.reason = (CASE x.isa WHEN 1 THEN x.reason & 65535"
	" ELSE x.reason END);"
	"CREATE VIEW vcpus AS SELECT run_id, vcpu, pid, tid, count(*) AS segments FROM segments"
	" GROUP BY run_id, vcpu, pid, tid;"
	"CREATE VIEW run_controls AS SELECT run_id, substr(key, 9) AS control, value FROM run_meta"
	" WHERE key LIKE 'control.%';"
	"CREATE VIEW run_unsupported AS SELECT run_id, substr(key, 13) AS control, value FROM run_meta"
	" WHERE key LIKE 'unsupported.%';"
	"CREATE VIEW run_counters AS SELECT run_id, substr(key, 9) AS counter, CAST(value AS INTEGER) AS value"
	" FROM run_meta WHERE key LIKE 'counter.%';"
	"CREATE VIEW reason_stats AS SELECT a.run_id AS run_id, i.name AS isa, a.k2 AS reason,"
	" n.name AS name, a.count AS count, round(1.0 * a.count / r.exits, 6) AS share,"
	" round(1.0 * a.lat_sum / nullif((SELECT sum(lat_sum) FROM agg b WHERE b.run_id = a.run_id"
	"  AND b.dim = 'reason'), 0), 6) AS time_share,"
	" a.lat_min AS lat_min, round(1.0 * a.lat_sum / nullif(a.lat_count, 0), 1) AS lat_mean,"
	" a.lat_p50 AS lat_p50, a.lat_p99 AS lat_p99, a.lat_max AS lat_max, a.lat_sum AS lat_sum,"
	" coalesce(r.time_unit, 'ns') AS time_unit"
	" FROM agg a JOIN runs r ON r.run_id = a.run_id LEFT JOIN isa_names i ON i.isa = a.k1"
	" LEFT JOIN reason_names n ON n.isa = a.k1 AND n.reason = (CASE a.k1 WHEN 1 THEN a.k2 & 65535"
	" ELSE a.k2 END) WHERE a.dim = 'reason';"
	"CREATE VIEW vcpu_stats AS SELECT a.run_id AS run_id, a.k1 AS pid, a.k2 AS vcpu, a.count AS count,"
	" round(1.0 * a.count / r.exits, 6) AS share, a.lat_min AS lat_min,"
	" round(1.0 * a.lat_sum / nullif(a.lat_count, 0), 1) AS lat_mean, a.lat_p99 AS lat_p99,"
	" a.lat_max AS lat_max, CASE WHEN r.time_unit IS NULL"
	" THEN round(a.count * 1e9 / nullif(a.last_ts - a.first_ts, 0), 1) END AS rate,"
	" coalesce(r.time_unit, 'ns') AS time_unit"
	" FROM agg a JOIN runs r ON r.run_id = a.run_id WHERE a.dim = 'vcpu';"
	"CREATE VIEW exits_per_second AS SELECT s.run_id AS run_id, s.sec - (SELECT min(sec) FROM agg_seconds m"
	" WHERE m.run_id = s.run_id) AS second, s.sec AS monotonic_second, s.count AS count FROM agg_seconds s;"
	/* Top ports / MSRs / GPAs: from the aggregates, or by scanning the exits of a run whose aggregate for
	 * that dimension had too many distinct keys to keep (runs.agg_incomplete). */
	"CREATE VIEW io_port_stats AS SELECT run_id, k1 AS port, count, lat_mean, lat_max FROM ("
	" SELECT run_id, k1, count, round(1.0 * lat_sum / nullif(lat_count, 0), 1) AS lat_mean, lat_max"
	" FROM agg WHERE dim = 'port');"
	"CREATE VIEW msr_stats AS SELECT run_id, k1 AS msr, count,"
	" round(1.0 * lat_sum / nullif(lat_count, 0), 1) AS lat_mean, lat_max FROM agg WHERE dim = 'msr';"
	"CREATE VIEW gpa_stats AS SELECT a.run_id AS run_id, a.k1 AS gpa, a.count AS count,"
	" round(1.0 * a.lat_sum / nullif(a.lat_count, 0), 1) AS lat_mean, a.lat_max AS lat_max FROM agg a"
	" JOIN runs r ON r.run_id = a.run_id WHERE a.dim = 'gpa' AND coalesce(r.agg_incomplete, '') NOT LIKE '%gpa%'"
	" UNION ALL SELECT e.run_id, e.gpa, count(*), round(avg(e.latency_ns), 1), max(e.latency_ns)"
	" FROM runs r CROSS JOIN exits e ON e.run_id = r.run_id WHERE r.agg_incomplete LIKE '%gpa%'"
	" AND e.gpa IS NOT NULL GROUP BY e.run_id, e.gpa;"
	"CREATE VIEW top_io_ports AS SELECT * FROM io_port_stats ORDER BY count DESC;"
	"CREATE VIEW top_msrs AS SELECT * FROM msr_stats ORDER BY count DESC;"
	"CREATE VIEW top_gpas AS SELECT * FROM gpa_stats ORDER BY count DESC;"
	"CREATE VIEW slowest_exits AS SELECT run_id, seq, ts_ns, vcpu, isa, reason, latency_ns, rip, qualification"
	" FROM exits WHERE latency_ns IS NOT NULL ORDER BY latency_ns DESC LIMIT 100;";

int xs_schema_version(sqlite3 *db, char *err, size_t errlen)
{
	int64_t v;
	if (xs_sql_int(db, "PRAGMA user_version", &v, err, errlen))
		return -1;
	/* user_version is a signed 32-bit field anybody can set: no exitscope ever wrote a negative one. */
	if (v < 0 || v > INT32_MAX)
		return xs_sql_fail(err, errlen,
				   "schema version (PRAGMA user_version) %lld was not written by exitscope",
				   (long long)v);
	return (int)v;
}

static int create_guest_state(sqlite3 *db, char *err, size_t errlen)
{
	const struct xs_gs_column *cols;
	size_t n = xs_gs_columns(&cols);
	size_t len = 128 + n * 32;
	char *sql = xs_malloc(len);
	size_t off =
		(size_t)snprintf(sql, len, "CREATE TABLE guest_state(id INTEGER PRIMARY KEY, valid INTEGER NOT NULL");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(sql + off, len - off, ", %s INTEGER", cols[i].name);
	snprintf(sql + off, len - off, ")");
	int rc = xs_sql_exec(db, sql, err, errlen);
	free(sql);
	return rc;
}

static int step_v1(sqlite3 *db, char *err, size_t errlen)
{
	if (xs_sql_exec(db, schema_v1, err, errlen) || create_guest_state(db, err, errlen))
		return -1;
	return 0;
}

static int step_v2(sqlite3 *db, char *err, size_t errlen)
{
	if (xs_sql_exec(db, schema_v2, err, errlen))
		return -1;
	/* Exits written at version 1 get their aggregates now. */
	return xs_aggstore_backfill(db, err, errlen);
}

static int step_v3(sqlite3 *db, char *err, size_t errlen)
{
	return xs_sql_exec(db, schema_v3, err, errlen);
}

static int (*const steps[XS_DB_SCHEMA_VERSION])(sqlite3 *, char *, size_t) = {step_v1, step_v2, step_v3};

static int drop_views(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "SELECT name FROM sqlite_schema WHERE type = 'view'", &st, err, errlen))
		return -1;
	char **names = NULL;
	size_t n = 0;
	/* Every view is dropped or the migration fails: out of memory exits (xs_*), never skips a view. */
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		names = xs_realloc(names, (n + 1) * sizeof(*names));
		names[n++] = xs_strdup(name ? name : "");
	}
	sqlite3_finalize(st);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rc) {
			/* %w doubles any quote in the name: a view named by a hostile file stays one identifier. */
			char *sql = sqlite3_mprintf("DROP VIEW \"%w\"", names[i]);
			rc = sql ? xs_sql_exec(db, sql, err, errlen) : xs_sql_fail(err, errlen, "out of memory");
			sqlite3_free(sql);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int table_count(sqlite3 *db, int64_t *n, char *err, size_t errlen)
{
	return xs_sql_int(db, "SELECT count(*) FROM sqlite_schema", n, err, errlen);
}

int xs_schema_migrate(sqlite3 *db, int target, char *err, size_t errlen)
{
	if (target < 1 || target > XS_DB_SCHEMA_VERSION)
		return xs_sql_fail(err, errlen, "no schema version %d", target);
	if (xs_sql_exec(db, "BEGIN IMMEDIATE", err, errlen))
		return -1;
	/* Read the version inside the write transaction: two processes opening a new file cannot both create it. */
	int v = xs_schema_version(db, err, errlen);
	int64_t objects = 0;
	if (v < 0 || table_count(db, &objects, err, errlen))
		goto fail;
	if (v == 0 && objects) {
		xs_sql_fail(err, errlen, "an SQLite database, but not an exitscope store");
		goto fail;
	}
	if (v > XS_DB_SCHEMA_VERSION) {
		xs_sql_fail(err, errlen,
			    "schema version %d is newer than this exitscope understands (%d): upgrade exitscope", v,
			    XS_DB_SCHEMA_VERSION);
		goto fail;
	}
	if (v >= target) {
		xs_sql_exec(db, "COMMIT", err, errlen);
		return 0;
	}
	if (v == 0) {
		char sql[96];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", XS_DB_APPLICATION_ID);
		if (xs_sql_exec(db, sql, err, errlen))
			goto fail;
	}
	if (drop_views(db, err, errlen))
		goto fail;
	for (int step = v; step < target; step++) {
		char sql[64];
		if (steps[step](db, err, errlen)) {
			/* Tables of a later version under an older user_version: say that, not "table exists". */
			char why[256];
			snprintf(why, sizeof(why), "%s", err);
			xs_sql_fail(
				err, errlen,
				"cannot migrate schema version %d to %d: %s (the tables do not match user_version %d)",
				step, step + 1, why, v);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", step + 1);
		if (xs_sql_exec(db, sql, err, errlen))
			goto fail;
	}
	if (target == XS_DB_SCHEMA_VERSION && xs_sql_exec(db, views, err, errlen))
		goto fail;
	if (xs_sql_exec(db, "DELETE FROM db_info WHERE key = 'names.fingerprint'", err, errlen))
		goto fail;
	if (xs_sql_exec(db, "COMMIT", err, errlen))
		goto fail;
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- name tables, filled from the decoder ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "\xff", 1);
}

uint64_t xs_schema_names_fingerprint(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned int isa = 0; isa < XS_ISA_COUNT; isa++) {
		const struct xs_reason_info *t;
		size_t n = xs_reason_table(isa, &t);
		h = fnv_str(h, xs_isa_name(isa));
		for (size_t i = 0; i < n; i++) {
			h = fnv(h, &t[i].code, sizeof(t[i].code));
			h = fnv_str(h, t[i].name);
			h = fnv_str(h, t[i].description);
		}
	}
	for (unsigned int s = 0; s < XS_SRC_COUNT; s++)
		h = fnv_str(h, xs_source_name(s));
	for (unsigned int k = 0; k < XS_D_COUNT; k++)
		h = fnv_str(h, xs_detail_kind_name(k));
	return h;
}

static int fill_names(sqlite3 *db, char *err, size_t errlen)
{
	if (xs_sql_exec(db,
			"DELETE FROM isa_names; DELETE FROM source_names; DELETE FROM detail_kind_names;"
			"DELETE FROM reason_names;",
			err, errlen))
		return -1;
	sqlite3_stmt *isa = NULL, *src = NULL, *kind = NULL, *reason = NULL;
	int rc = xs_sql_prepare(db, "INSERT INTO isa_names VALUES (?, ?)", &isa, err, errlen);
	if (!rc)
		rc = xs_sql_prepare(db, "INSERT INTO source_names VALUES (?, ?)", &src, err, errlen);
	if (!rc)
		rc = xs_sql_prepare(db, "INSERT INTO detail_kind_names VALUES (?, ?)", &kind, err, errlen);
	if (!rc)
		rc = xs_sql_prepare(db, "INSERT INTO reason_names VALUES (?, ?, ?, ?)", &reason, err, errlen);
	for (unsigned int i = 0; i < XS_ISA_COUNT && !rc; i++) {
		sqlite3_bind_int(isa, 1, (int)i);
		sqlite3_bind_text(isa, 2, xs_isa_name(i), -1, SQLITE_STATIC);
		rc = xs_sql_step_done(db, isa, err, errlen);
		const struct xs_reason_info *t;
		size_t n = xs_reason_table(i, &t);
		for (size_t j = 0; j < n && !rc; j++) {
			sqlite3_bind_int(reason, 1, (int)i);
			sqlite3_bind_int64(reason, 2, t[j].code);
			sqlite3_bind_text(reason, 3, t[j].name, -1, SQLITE_STATIC);
			sqlite3_bind_text(reason, 4, t[j].description, -1, SQLITE_STATIC);
			rc = xs_sql_step_done(db, reason, err, errlen);
		}
	}
	for (unsigned int i = 0; i < XS_SRC_COUNT && !rc; i++) {
		sqlite3_bind_int(src, 1, (int)i);
		sqlite3_bind_text(src, 2, xs_source_name(i), -1, SQLITE_STATIC);
		rc = xs_sql_step_done(db, src, err, errlen);
	}
	for (unsigned int i = 0; i < XS_D_COUNT && !rc; i++) {
		sqlite3_bind_int(kind, 1, (int)i);
		sqlite3_bind_text(kind, 2, xs_detail_kind_name(i), -1, SQLITE_STATIC);
		rc = xs_sql_step_done(db, kind, err, errlen);
	}
	sqlite3_finalize(isa);
	sqlite3_finalize(src);
	sqlite3_finalize(kind);
	sqlite3_finalize(reason);
	return rc;
}

bool xs_schema_names_stale(sqlite3 *db)
{
	char want[24], have[24] = "";
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)xs_schema_names_fingerprint());
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT value FROM db_info WHERE key = 'names.fingerprint'", -1, &st, NULL) !=
	    SQLITE_OK)
		return true;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(have, sizeof(have), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return strcmp(have, want) != 0;
}

int xs_schema_refresh_names(sqlite3 *db, char *err, size_t errlen)
{
	if (!xs_schema_names_stale(db))
		return 0;
	char want[24];
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)xs_schema_names_fingerprint());
	sqlite3_stmt *st;
	if (xs_sql_exec(db, "BEGIN IMMEDIATE", err, errlen))
		return -1;
	if (fill_names(db, err, errlen) ||
	    xs_sql_prepare(db, "INSERT OR REPLACE INTO db_info VALUES ('names.fingerprint', ?)", &st, err, errlen)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
	int rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	if (rc || xs_sql_exec(db, "COMMIT", err, errlen)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}
