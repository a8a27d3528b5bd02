/* SPDX-License-Identifier: MIT */
/*
 * Reading what ClickHouse's HTTP interface answers (pure; the input is any bytes from the network): its
 * exception text, made one line, and TabSeparated result rows.
 */
#ifndef EXITSCOPE_FLEET_CLICKHOUSE_REPLY_H
#define EXITSCOPE_FLEET_CLICKHOUSE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One line for an error reply: "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() =
 * DB::Exception" becomes "error 60: Table x doesn't exist."; any other body its first line, control characters
 * and non-ASCII bytes replaced, at most outlen - 1 bytes. Returns the ClickHouse error code, or -1 if none.
 */
int xs_ch_error_line(const char *body, size_t len, char *out, size_t outlen);

/*
 * The TabSeparated row `row` (0-based), field `field`, unescaped into out (NUL-terminated; \t \n \\ \0 and the
 * other escapes of the format decoded). False when there is no such row or field, or it does not fit.
 */
bool xs_ch_tsv_field(const char *body, size_t len, size_t row, size_t field, char *out, size_t outlen);

/* The same field as an unsigned number (the whole field must be one). */
bool xs_ch_tsv_u64(const char *body, size_t len, size_t row, size_t field, uint64_t *out);

/* Rows in a TabSeparated body (lines ending in \n; a last line without one counts). */
size_t xs_ch_tsv_rows(const char *body, size_t len);

#endif
