/* SPDX-License-Identifier: MIT */
/*
 * Printing SQL results for people and scripts: `exitscope query` and `exitscope runs`.
 *   table  aligned columns under a header (widths from the first rows; NULL prints empty)
 *   csv    RFC 4180, header line first, NULL as an empty field
 *   json   one array of objects per statement; integers and reals as numbers, blobs as hex strings
 */
#ifndef EXITSCOPE_DB_RESULTFMT_H
#define EXITSCOPE_DB_RESULTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "db/sqlite_api.h"

enum xs_result_format { XS_FMT_TABLE, XS_FMT_CSV, XS_FMT_JSON };

bool xs_result_format_parse(const char *name, enum xs_result_format *fmt);

/* Step st to the end, printing its rows. Returns the row count, or -1 with a message in err. */
long long xs_result_print(FILE *out, sqlite3 *db, sqlite3_stmt *st, enum xs_result_format fmt, char *err,
			  size_t errlen);

/* Run every statement of sql in turn, printing those that return columns. 0, or -1 with a message. */
int xs_result_run_sql(FILE *out, sqlite3 *db, const char *sql, enum xs_result_format fmt, char *err, size_t errlen);

#endif
