// SPDX-License-Identifier: MIT
/*
 * The SQL functions answer what the decoder answers, or NULL, or an error: never a wrong value. Each case
 * here once gave a wrong answer (issue 18): a name read as code 0, a 64-bit reason cut to 32 bits, a NULL
 * qualification or a missing info2 decoded as 0, a whole real refused, a field name cut at a NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/sqlfuncs.h"

static sqlite3 *db;

static int setup(void **state)
{
	(void)state;
	char err[256];
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || xs_sql_register_functions(db, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

/* The one value a query gives as text ("NULL" for NULL), or "ERROR: message". */
static char *answer(const char *sql)
{
	static char out[4200];
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, sizeof(out), "ERROR: %s", sqlite3_errmsg(db));
		return out;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		snprintf(out, sizeof(out), "ERROR: %s", sqlite3_errmsg(db));
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(out, sizeof(out), "NULL");
	else
		snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void expect(const char *sql, const char *want)
{
	const char *got = answer(sql);
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'", sql, got, want);
}

static void expect_error(const char *sql)
{
	const char *got = answer(sql);
	if (strncmp(got, "ERROR: ", 7))
		fail_msg("%s: got '%s', want an error", sql, got);
}

static void test_names_where_codes_are_expected(void **state)
{
	(void)state;
	expect("SELECT exit_name('vmx', 'CR_ACCESS')", "CR_ACCESS");
	expect("SELECT exit_name('vmx', 'no_such_reason')", "NULL");
	expect("SELECT exit_field('vmx', 'CR_ACCESS', 3, 'cr')", "3");
	/* SVM NPF: EXITINFO1 is the fault's error code, not a CR access. */
	expect("SELECT json_extract(exit_decode('svm', 'NPF', 4, 0x1000), '$.user')", "1");
	expect("SELECT json_extract(exit_decode('svm', 'NPF', 4, 0x1000), '$.cr') IS NULL", "1");
	expect("SELECT exit_isa(2.0)", "svm");
	expect("SELECT exit_isa('2')", "svm");
	expect("SELECT exit_name(1.0, 28.0)", "CR_ACCESS");
}

static void test_out_of_range_is_an_error(void **state)
{
	(void)state;
	expect_error("SELECT exit_name(1, 4294967296 + 28)");
	expect_error("SELECT exit_name(1, -1)");
	expect_error("SELECT exit_name(1, 28.5)");
	expect_error("SELECT exit_isa(2.5)");
	expect_error("SELECT exit_isa(x'02')");
	expect_error("SELECT exit_decode(1, 28, 1.5)");
	expect_error("SELECT exit_decode(1, 0, 0, 0, 4294967296)");
	expect_error("SELECT exit_field(1, 28, 0, 'cr' || char(0) || 'zz')");
	expect_error("SELECT exit_isa('vmx' || char(0) || 'x')");
	/* An error wins over a NULL elsewhere in the call. */
	expect_error("SELECT exit_decode(NULL, 28, 1.5)");
	/* A code nobody knows is NULL, not an error. */
	expect("SELECT exit_isa(7)", "NULL");
	expect("SELECT exit_name(1, 35)", "NULL");
	/* The whole qualification range is valid (stored as a negative 64-bit integer). */
	expect("SELECT exit_field(1, 48, -1, 'read') ", "1");
}

static void test_unknown_inputs_give_null(void **state)
{
	(void)state;
	expect("SELECT exit_decode(1, 28, NULL)", "NULL");
	expect("SELECT exit_field(1, 28, NULL, 'cr')", "NULL");
	expect("SELECT exit_field(1, 28, 0, NULL)", "NULL");
	/* SVM NPF's address is info2: unknown without it, known with it. */
	expect("SELECT exit_field(2, 1024, 4, 'gpa')", "NULL");
	expect("SELECT exit_field(2, 1024, 4, 'gpa', NULL)", "NULL");
	expect("SELECT exit_field(2, 1024, 4, 'gpa', 4096)", "4096");
	expect("SELECT exit_field(2, 1024, 4, 'user')", "1");
	expect("SELECT json_extract(exit_decode(2, 1024, 4), '$.gpa') IS NULL", "1");
	/* A field name longer than any is no field, even if a prefix of it is one. */
	expect("SELECT exit_field(1, 28, 3, 'cr' || printf('%.80c', 'x') || '_name')", "NULL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_where_codes_are_expected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_range_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_inputs_give_null, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
