// SPDX-License-Identifier: MIT
#include "db/sqlfuncs.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decoder/decoder.h"

#define JSON_MAX 4096

/* The isa argument: a stored number or a name. False (result NULL) for NULL or an unknown isa. */
static bool arg_isa(sqlite3_value *v, uint8_t *isa)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER: {
		sqlite3_int64 n = sqlite3_value_int64(v);
		if (n < 1 || n >= XS_ISA_COUNT)
			return false;
		*isa = (uint8_t)n;
		return true;
	}
	case SQLITE_TEXT:
		return xs_isa_from_name((const char *)sqlite3_value_text(v), isa);
	default:
		return false;
	}
}

static uint64_t arg_u64(sqlite3_value *v)
{
	return (uint64_t)sqlite3_value_int64(v);
}

/* Decode from arguments isa, reason, qualification [, info2 [, intr_info]] starting at argv[0]. */
static bool decode_args(int argc, sqlite3_value **argv, struct xs_decoded *d)
{
	uint8_t isa;
	if (!arg_isa(argv[0], &isa) || sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return false;
	uint64_t qual = sqlite3_value_type(argv[2]) == SQLITE_NULL ? 0 : arg_u64(argv[2]);
	uint64_t info2 = argc > 3 ? arg_u64(argv[3]) : 0;
	uint32_t intr = argc > 4 ? (uint32_t)arg_u64(argv[4]) : 0;
	xs_decode_values(isa, (uint32_t)arg_u64(argv[1]), qual, info2, intr, -1, d);
	return true;
}

static void fn_exit_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	uint8_t isa;
	if (!arg_isa(argv[0], &isa) || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const char *name = xs_reason_name(isa, (uint32_t)arg_u64(argv[1]));
	if (name)
		sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static void fn_exit_isa(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	uint8_t isa;
	if (arg_isa(argv[0], &isa))
		sqlite3_result_text(ctx, xs_isa_name(isa), -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static void fn_exit_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	/* exit_field(isa, reason, qual, field [, info2 [, intr_info]]): the field name is the 4th argument. */
	const char *field = (const char *)sqlite3_value_text(argv[3]);
	sqlite3_value *rest[5] = {argv[0], argv[1], argv[2], argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL};
	struct xs_decoded d;
	if (!field || !decode_args(argc - 1, rest, &d)) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct xs_field *f = xs_decoded_field(&d, field);
	if (f) {
		sqlite3_result_int64(ctx, (sqlite3_int64)f->value);
		return;
	}
	/* "access_type_name": the name of an enumerated field. */
	size_t n = strlen(field);
	if (n > 5 && !strcmp(field + n - 5, "_name")) {
		char base[64];
		snprintf(base, sizeof(base), "%.*s", (int)(n - 5), field);
		f = xs_decoded_field(&d, base);
		if (f && f->value_name) {
			sqlite3_result_text(ctx, f->value_name, -1, SQLITE_STATIC);
			return;
		}
	}
	sqlite3_result_null(ctx);
}

static void fn_exit_decode(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct xs_decoded d;
	if (!decode_args(argc, argv, &d)) {
		sqlite3_result_null(ctx);
		return;
	}
	char buf[JSON_MAX];
	size_t need = xs_decoded_fields_json(&d, buf, sizeof(buf));
	if (need >= sizeof(buf)) {
		sqlite3_result_error(ctx, "exit_decode: decoded JSON longer than 4096 bytes", -1);
		return;
	}
	sqlite3_result_text(ctx, buf, (int)need, SQLITE_TRANSIENT);
}

struct fn {
	const char *name;
	int nargs; /* -1: variable */
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
};

static const struct fn functions[] = {
	{"exit_name", 2, fn_exit_name},	    {"exit_isa", 1, fn_exit_isa},	{"exit_field", 4, fn_exit_field},
	{"exit_field", 5, fn_exit_field},   {"exit_field", 6, fn_exit_field},	{"exit_decode", 3, fn_exit_decode},
	{"exit_decode", 4, fn_exit_decode}, {"exit_decode", 5, fn_exit_decode},
};

int xs_sql_register_functions(sqlite3 *db, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		int rc = sqlite3_create_function_v2(db, functions[i].name, functions[i].nargs,
						    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
						    functions[i].fn, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "registering SQL function %s: %s", functions[i].name, sqlite3_errstr(rc));
			return -1;
		}
	}
	return 0;
}
