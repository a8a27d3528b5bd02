// SPDX-License-Identifier: MIT
#include "db/sqlutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int xs_sql_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *xs_sql_errmsg(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		return "not an SQLite database";
	case SQLITE_CORRUPT:
		return "the database is corrupt";
	case SQLITE_FULL:
		return "database or disk is full";
	case SQLITE_READONLY:
		return "the database is read-only";
	default:
		return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	}
}

/* The first line of a statement, for messages. */
static void snippet(const char *sql, char *out, size_t len)
{
	size_t n = strcspn(sql, "\n(");
	if (n > len - 1)
		n = len - 1;
	memcpy(out, sql, n);
	out[n] = 0;
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
}

int xs_sql_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	char what[48];
	snippet(sql, what, sizeof(what));
	return xs_sql_fail(err, errlen, "%s (%s)", xs_sql_errmsg(db, rc), what);
}

int xs_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc == SQLITE_OK)
		return 0;
	*st = NULL;
	char what[48];
	snippet(sql, what, sizeof(what));
	return xs_sql_fail(err, errlen, "%s (%s)", xs_sql_errmsg(db, rc), what);
}

int xs_sql_step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	rc = sqlite3_reset(st);
	char what[48];
	snippet(sqlite3_sql(st), what, sizeof(what));
	return xs_sql_fail(err, errlen, "%s (%s)", xs_sql_errmsg(db, rc), what);
}

int xs_sql_int(sqlite3 *db, const char *sql, int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, sql, &st, err, errlen))
		return -1;
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = sqlite3_finalize(st);
		char what[48];
		snippet(sql, what, sizeof(what));
		return xs_sql_fail(err, errlen, "%s (%s)", xs_sql_errmsg(db, rc), what);
	}
	sqlite3_finalize(st);
	return 0;
}
