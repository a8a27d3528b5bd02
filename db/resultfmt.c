// SPDX-License-Identifier: MIT
#include "db/resultfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/util.h"
#include "db/sqlutil.h"

/* Rows buffered to size the table's columns; later rows print with those widths. */
#define TABLE_SAMPLE_ROWS 1000
#define CELL_MAX 4096

bool xs_result_format_parse(const char *name, enum xs_result_format *fmt)
{
	if (!strcmp(name, "table"))
		*fmt = XS_FMT_TABLE;
	else if (!strcmp(name, "csv"))
		*fmt = XS_FMT_CSV;
	else if (!strcmp(name, "json"))
		*fmt = XS_FMT_JSON;
	else
		return false;
	return true;
}

/* One cell as text (table and csv): NULL empty, blobs as x'..'. malloc'd. */
static char *cell_text(sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		return xs_strdup("");
	case SQLITE_BLOB: {
		int n = sqlite3_column_bytes(st, c);
		const unsigned char *b = sqlite3_column_blob(st, c);
		char *s = xs_malloc((size_t)n * 2 + 4);
		size_t off = 0;
		s[off++] = 'x';
		s[off++] = '\'';
		for (int i = 0; i < n; i++)
			off += (size_t)sprintf(s + off, "%02x", b[i]);
		s[off++] = '\'';
		s[off] = 0;
		return s;
	}
	default:
		/* Cells hold outside text (host names, command lines): no raw escape reaches the terminal. */
		return xs_text_safe_dup((const char *)sqlite3_column_text(st, c));
	}
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void json_string(FILE *out, const char *s)
{
	xs_json_fputs(out, s); /* valid UTF-8 whatever the cell holds */
}

static void json_cell(FILE *out, sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		fputs("null", out);
		break;
	case SQLITE_INTEGER:
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, c);
		if (isfinite(d))
			fprintf(out, "%.17g", d);
		else
			fputs("null", out);
		break;
	}
	case SQLITE_BLOB: {
		int n = sqlite3_column_bytes(st, c);
		const unsigned char *b = sqlite3_column_blob(st, c);
		fputc('"', out);
		for (int i = 0; i < n; i++)
			fprintf(out, "%02x", b[i]);
		fputc('"', out);
		break;
	}
	default:
		json_string(out, (const char *)sqlite3_column_text(st, c));
	}
}

static bool is_numeric_column(sqlite3_stmt *st, int c)
{
	int t = sqlite3_column_type(st, c);
	return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

static void table_row(FILE *out, char **cells, const int *width, const bool *right, int ncol)
{
	for (int c = 0; c < ncol; c++) {
		const char *sep = c ? "  " : "";
		if (c == ncol - 1 && !right[c])
			fprintf(out, "%s%s", sep, cells[c]);
		else
			fprintf(out, "%s%*s", sep, right[c] ? width[c] : -width[c], cells[c]);
	}
	fputc('\n', out);
}

static int step_error(sqlite3 *db, int rc, char *err, size_t errlen)
{
	return xs_sql_fail(err, errlen, "%s", xs_sql_errmsg(db, rc));
}

static long long print_table(FILE *out, sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen)
{
	int ncol = sqlite3_column_count(st);
	int *width = xs_calloc((size_t)ncol, sizeof(*width));
	bool *right = xs_calloc((size_t)ncol, sizeof(*right));
	char ***rows = xs_calloc(TABLE_SAMPLE_ROWS, sizeof(*rows));
	long long n = 0;
	int rc;
	for (int c = 0; c < ncol; c++)
		width[c] = (int)strlen(sqlite3_column_name(st, c));
	/* Sample rows for the widths; a column is right-aligned when its sampled values are numbers. */
	bool numeric_seen[ncol > 0 ? ncol : 1], text_seen[ncol > 0 ? ncol : 1];
	memset(numeric_seen, 0, sizeof(numeric_seen));
	memset(text_seen, 0, sizeof(text_seen));
	size_t sampled = 0;
	while (sampled < TABLE_SAMPLE_ROWS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **cells = xs_calloc((size_t)ncol, sizeof(*cells));
		for (int c = 0; c < ncol; c++) {
			cells[c] = cell_text(st, c);
			int w = (int)strlen(cells[c]);
			if (w > width[c])
				width[c] = w > CELL_MAX ? CELL_MAX : w;
			if (is_numeric_column(st, c))
				numeric_seen[c] = true;
			else if (sqlite3_column_type(st, c) != SQLITE_NULL)
				text_seen[c] = true;
		}
		rows[sampled++] = cells;
	}
	if (sampled < TABLE_SAMPLE_ROWS && rc != SQLITE_DONE) {
		n = -1;
		step_error(db, rc, err, errlen);
	}
	for (int c = 0; c < ncol; c++)
		right[c] = numeric_seen[c] && !text_seen[c];
	if (n >= 0) {
		char **head = xs_calloc((size_t)ncol, sizeof(*head));
		for (int c = 0; c < ncol; c++)
			head[c] = (char *)sqlite3_column_name(st, c);
		table_row(out, head, width, right, ncol);
		for (int c = 0; c < ncol; c++) {
			for (int i = 0; i < width[c] + (c ? 2 : 0); i++)
				fputc(i < 2 && c ? ' ' : '-', out);
		}
		fputc('\n', out);
		free(head);
	}
	for (size_t i = 0; i < sampled; i++) {
		if (n >= 0) {
			table_row(out, rows[i], width, right, ncol);
			n++;
		}
		for (int c = 0; c < ncol; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	if (n >= 0 && sampled == TABLE_SAMPLE_ROWS) {
		char **cells = xs_calloc((size_t)ncol, sizeof(*cells));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int c = 0; c < ncol; c++)
				cells[c] = cell_text(st, c);
			table_row(out, cells, width, right, ncol);
			for (int c = 0; c < ncol; c++)
				free(cells[c]);
			n++;
		}
		free(cells);
		if (rc != SQLITE_DONE) {
			n = -1;
			step_error(db, rc, err, errlen);
		}
	}
	free(rows);
	free(width);
	free(right);
	return n;
}

long long xs_result_print(FILE *out, sqlite3 *db, sqlite3_stmt *st, enum xs_result_format fmt, char *err, size_t errlen)
{
	if (fmt == XS_FMT_TABLE)
		return print_table(out, db, st, err, errlen);
	int ncol = sqlite3_column_count(st);
	long long n = 0;
	int rc;
	if (fmt == XS_FMT_CSV) {
		for (int c = 0; c < ncol; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, sqlite3_column_name(st, c));
		}
		fputc('\n', out);
	} else {
		fputc('[', out);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == XS_FMT_CSV) {
			for (int c = 0; c < ncol; c++) {
				char *s = cell_text(st, c);
				if (c)
					fputc(',', out);
				csv_field(out, s);
				free(s);
			}
			fputc('\n', out);
		} else {
			fputs(n ? ",\n{" : "{", out);
			for (int c = 0; c < ncol; c++) {
				if (c)
					fputc(',', out);
				json_string(out, sqlite3_column_name(st, c));
				fputc(':', out);
				json_cell(out, st, c);
			}
			fputc('}', out);
		}
		n++;
	}
	if (fmt == XS_FMT_JSON)
		fputs("]\n", out);
	if (rc != SQLITE_DONE)
		return step_error(db, rc, err, errlen);
	return n;
}

int xs_result_run_sql(FILE *out, sqlite3 *db, const char *sql, enum xs_result_format fmt, char *err, size_t errlen)
{
	const char *tail = sql;
	bool printed = false;
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return xs_sql_fail(err, errlen, "%s", sqlite3_errmsg(db));
		if (!st) /* whitespace or a comment */
			continue;
		long long n;
		if (sqlite3_column_count(st)) {
			if (printed && fmt == XS_FMT_TABLE)
				fputc('\n', out);
			n = xs_result_print(out, db, st, fmt, err, errlen);
			printed = true;
		} else {
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				;
			n = rc == SQLITE_DONE ? 0 : step_error(db, rc, err, errlen);
		}
		sqlite3_finalize(st);
		if (n < 0)
			return -1;
	}
	return 0;
}
