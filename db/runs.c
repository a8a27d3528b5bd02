// SPDX-License-Identifier: MIT
#include "db/runs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/sqlutil.h"

#ifndef XS_VERSION
#define XS_VERSION "dev"
#endif

int64_t xs_run_create(sqlite3 *db, const char *imported_from, char *err, size_t errlen)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "INSERT INTO runs(created_at, imported_from, exitscope_version) VALUES (?, ?, ?)", &st,
			   err, errlen))
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	if (imported_from)
		sqlite3_bind_text(st, 2, imported_from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, XS_VERSION, -1, SQLITE_STATIC);
	int rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	return rc ? -1 : sqlite3_last_insert_rowid(db);
}

/* Metadata keys mirrored into a column of `runs`. */
static const struct {
	const char *key, *column;
} mirrored[] = {
	{"run.source", "source"},
	{"run.host", "host"},
	{"run.kernel", "kernel"},
	{"run.cpu_vendor", "cpu_vendor"},
	{"run.cpu_model", "cpu_model"},
	{"run.cmdline", "cmdline"},
	{"run.guest", "guest"},
	{"run.started_at", "started_at"},
	{"run.exit_status", "exit_status"},
};

int xs_run_set_meta(sqlite3 *db, int64_t run_id, const char *key, const char *value, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "INSERT OR REPLACE INTO run_meta VALUES (?, ?, ?)", &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
	int rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	if (rc)
		return -1;

	const char *sql = NULL;
	char buf[160];
	for (size_t i = 0; i < sizeof(mirrored) / sizeof(mirrored[0]); i++) {
		if (!strcmp(key, mirrored[i].key)) {
			snprintf(buf, sizeof(buf), "UPDATE runs SET %s = ?2 WHERE run_id = ?1", mirrored[i].column);
			sql = buf;
		}
	}
	if (!sql && (!strncmp(key, "counter.dropped.", 16) || !strncmp(key, "unsupported.", 12)))
		sql = "UPDATE runs SET dropped = (SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM run_meta"
		      " WHERE run_id = ?1 AND key LIKE 'counter.dropped.%'), unsupported = (SELECT count(*) FROM "
		      "run_meta"
		      " WHERE run_id = ?1 AND key LIKE 'unsupported.%') WHERE run_id = ?1";
	if (!sql)
		return 0;
	if (xs_sql_prepare(db, sql, &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int xs_run_finish(sqlite3 *db, int64_t run_id, const char *state, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "UPDATE runs SET state = ? WHERE run_id = ?", &st, err, errlen))
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, run_id);
	int rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	return rc;
}
