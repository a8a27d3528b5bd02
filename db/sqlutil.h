/* SPDX-License-Identifier: MIT */
/*
 * Small helpers around the SQLite calls db/ makes: each failure becomes one line in the caller's err buffer
 * ("disk I/O error: INSERT INTO ..."), and the functions return 0 or -1.
 */
#ifndef EXITSCOPE_DB_SQLUTIL_H
#define EXITSCOPE_DB_SQLUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "db/sqlite_api.h"

/* Format a message into err; returns -1 so callers can `return xs_sql_fail(...)`. */
int xs_sql_fail(char *err, size_t errlen, const char *fmt, ...) XS_PRINTF(3, 4);

/* Run SQL that returns no rows (several statements allowed). */
int xs_sql_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

int xs_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen);

/* Step a statement that returns no row, then reset it (bindings are kept). */
int xs_sql_step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen);

/* The first column of the first row as an integer (0 when NULL or no row). */
int xs_sql_int(sqlite3 *db, const char *sql, int64_t *out, char *err, size_t errlen);

/* The message for an SQLite result code on this connection, with "not an SQLite database" made plain. */
const char *xs_sql_errmsg(sqlite3 *db, int rc);

#endif
