// SPDX-License-Identifier: MIT
#include "db/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/sqlutil.h"

#ifndef XS_VERSION
#define XS_VERSION "dev"
#endif

/* The boot this machine is in: a pid means nothing across boots (or machines). */
static bool read_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ok && *buf;
}

/* A process's start time (clock ticks since boot, /proc/PID/stat field 22): a pid reused later differs. */
static bool process_start(long pid, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	if (!p)
		return false;
	/* After ") ": field 3 (state) onwards; the start time is field 22. */
	p++;
	for (int field = 2; field < 21 && p; field++)
		p = strchr(p + 1, ' ');
	return p && sscanf(p, " %llu", start) == 1;
}

int xs_writer_alive(const char *boot_id, int64_t pid, uint64_t start)
{
	char boot[64];
	unsigned long long now_start;
	if (!boot_id || pid <= 0 || !read_boot_id(boot, sizeof(boot)))
		return -1;
	if (strcmp(boot, boot_id))
		return 0; /* another boot or machine: that process is gone */
	if (!process_start((long)pid, &now_start))
		return 0;
	return now_start == start ? 1 : 0;
}

/* Record who writes the run, so readers can tell a live writer from a dead one (xs_writer_alive). */
static int set_writer(sqlite3 *db, int64_t run_id, char *err, size_t errlen)
{
	char boot[64], value[32];
	unsigned long long start;
	if (!read_boot_id(boot, sizeof(boot)) || !process_start((long)getpid(), &start))
		return 0; /* no /proc: readers will not know, and say 'incomplete' for a run left 'recording' */
	snprintf(value, sizeof(value), "%ld", (long)getpid());
	if (xs_run_set_meta(db, run_id, "writer.boot_id", boot, err, errlen) ||
	    xs_run_set_meta(db, run_id, "writer.pid", value, err, errlen))
		return -1;
	snprintf(value, sizeof(value), "%llu", start);
	return xs_run_set_meta(db, run_id, "writer.start", value, err, errlen);
}

int xs_run_writer_alive(sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT value FROM run_meta WHERE run_id = ?1 AND key = 'writer.boot_id'),"
			       " (SELECT value FROM run_meta WHERE run_id = ?1 AND key = 'writer.pid'),"
			       " (SELECT value FROM run_meta WHERE run_id = ?1 AND key = 'writer.start')",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int alive = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		alive = xs_writer_alive((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
					(uint64_t)sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	return alive;
}

/* run_state(run_id, state): the state a reader shows — 'recording' only while the writer lives. */
static void fn_run_state(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *state = (const char *)sqlite3_value_text(argv[1]);
	if (!state) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!strcmp(state, "recording") &&
	    xs_run_writer_alive(sqlite3_context_db_handle(ctx), sqlite3_value_int64(argv[0])) != 1)
		state = "incomplete";
	sqlite3_result_text(ctx, state, -1, SQLITE_TRANSIENT);
}

int xs_run_register_functions(sqlite3 *db, char *err, size_t errlen)
{
	int rc = sqlite3_create_function_v2(db, "run_state", 2, SQLITE_UTF8, NULL, fn_run_state, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return xs_sql_fail(err, errlen, "registering SQL function run_state: %s", sqlite3_errstr(rc));
	return 0;
}

int64_t xs_run_create(sqlite3 *db, const char *imported_from, char *err, size_t errlen)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sqlite3_stmt *st;
	/* The row and its writer's identity together, or neither (a full disk may refuse the second). */
	if (xs_sql_exec(db, "SAVEPOINT run_create", err, errlen))
		return -1;
	if (xs_sql_prepare(db, "INSERT INTO runs(created_at, imported_from, exitscope_version) VALUES (?, ?, ?)", &st,
			   err, errlen))
		goto fail;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	if (imported_from)
		sqlite3_bind_text(st, 2, imported_from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, XS_VERSION, -1, SQLITE_STATIC);
	int rc = xs_sql_step_done(db, st, err, errlen);
	sqlite3_finalize(st);
	int64_t run_id = sqlite3_last_insert_rowid(db);
	if (rc || set_writer(db, run_id, err, errlen) || xs_sql_exec(db, "RELEASE run_create", err, errlen))
		goto fail;
	return run_id;
fail:
	sqlite3_exec(db, "ROLLBACK TO run_create; RELEASE run_create", NULL, NULL, NULL);
	return -1;
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
	if (!sql && !strcmp(key, "vmx.time_unit")) /* the vmx backend: ts and latencies are emulated TSC ticks */
		sql = "UPDATE runs SET time_unit = CASE WHEN ?2 LIKE 'tsc-ticks%' THEN 'tsc_ticks' END WHERE run_id = "
		      "?1";
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

int64_t xs_run_by_meta(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT max(m.run_id) FROM run_meta m JOIN runs r USING (run_id) WHERE m.key = ?1 AND"
			       " m.value = ?2 AND run_state(r.run_id, r.state) IN ('complete', 'recording')",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int64_t run = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return run;
}
