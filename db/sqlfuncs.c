// SPDX-License-Identifier: MIT
#include "db/sqlfuncs.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decoder/strings.h"
#include "decoder/decoder.h"

#define JSON_MAX 4096

/*
 * Arguments. Every function answers NULL when an argument it needs is NULL (unknown in, unknown out) or names
 * an isa or reason the decoder does not know (by number or by name), and raises an error for an argument that
 * cannot be what it stands for (a blob, a fraction, a number out of the field's range, text with a NUL): never
 * a wrong value. Where a code is expected, its name is accepted.
 */
enum arg { ARG_OK, ARG_NULL, ARG_BAD };

struct call {
	sqlite3_context *ctx;
	const char *fn;
	bool failed;
};

static enum arg bad(struct call *c, const char *what, sqlite3_value *v)
{
	char msg[200];
	const unsigned char *text = sqlite3_value_type(v) == SQLITE_TEXT ? sqlite3_value_text(v) : NULL;
	if (text && (size_t)sqlite3_value_bytes(v) != strlen((const char *)text))
		snprintf(msg, sizeof(msg), "%s: a text with an embedded NUL is not %s", c->fn, what);
	else if (text)
		snprintf(msg, sizeof(msg), "%s: '%.60s' is not %s", c->fn, (const char *)text, what);
	else if (sqlite3_value_type(v) == SQLITE_FLOAT)
		snprintf(msg, sizeof(msg), "%s: %.17g is not %s", c->fn, sqlite3_value_double(v), what);
	else if (sqlite3_value_type(v) == SQLITE_INTEGER)
		snprintf(msg, sizeof(msg), "%s: %lld is not %s", c->fn, (long long)sqlite3_value_int64(v), what);
	else
		snprintf(msg, sizeof(msg), "%s: a blob is not %s", c->fn, what);
	sqlite3_result_error(c->ctx, msg, -1);
	c->failed = true;
	return ARG_BAD;
}

/* A text argument as given, refused when it holds a NUL (SQLite would hand us only its prefix). */
static const char *arg_text(sqlite3_value *v)
{
	const char *s = (const char *)sqlite3_value_text(v);
	if (s && (size_t)sqlite3_value_bytes(v) != strlen(s))
		return NULL;
	return s;
}

/*
 * An unsigned integer of `bits` bits: an integer (a 64-bit one may be stored negative, as two's complement),
 * a real with no fraction, or a numeral in text (decimal or 0x).
 */
static enum arg arg_uint(struct call *c, sqlite3_value *v, unsigned int bits, const char *what, uint64_t *out)
{
	uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return ARG_NULL;
	case SQLITE_INTEGER: {
		sqlite3_int64 n = sqlite3_value_int64(v);
		if (n < 0 && bits < 64)
			return bad(c, what, v);
		*out = (uint64_t)n;
		break;
	}
	case SQLITE_FLOAT: {
		double d = sqlite3_value_double(v);
		if (!isfinite(d) || d != floor(d) || d < -9223372036854775808.0 || d >= 18446744073709551616.0)
			return bad(c, what, v);
		*out = d < 0 ? (uint64_t)(int64_t)d : (uint64_t)d;
		if (d < 0 && bits < 64)
			return bad(c, what, v);
		break;
	}
	case SQLITE_TEXT: {
		const char *s = arg_text(v);
		if (!s || !xs_str_to_u64(s, out))
			return bad(c, what, v);
		break;
	}
	default:
		return bad(c, what, v);
	}
	if (*out > max)
		return bad(c, what, v);
	return ARG_OK;
}

/* The isa: a stored number or a name. ARG_NULL too for a number that is no isa (the answer is NULL). */
static enum arg arg_isa(struct call *c, sqlite3_value *v, uint8_t *isa)
{
	if (sqlite3_value_type(v) == SQLITE_TEXT) {
		const char *s = arg_text(v);
		if (s && xs_isa_from_name(s, isa))
			return ARG_OK;
		if (s)
			return ARG_NULL; /* a name or number, just not an isa's */
		return bad(c, "an isa (vmx, svm, kvm, host or 1-4)", v);
	}
	uint64_t n;
	enum arg a = arg_uint(c, v, 64, "an isa (vmx, svm, kvm, host or 1-4)", &n);
	if (a != ARG_OK)
		return a;
	if (n < 1 || n >= XS_ISA_COUNT)
		return ARG_NULL;
	*isa = (uint8_t)n;
	return ARG_OK;
}

/*
 * The exit reason: 32 bits (VMX flag bits included), or the reason's name in that isa. `isa` NULL: the isa is
 * unknown, so a name cannot be looked up (ARG_NULL) but a number is still checked.
 */
static enum arg arg_reason(struct call *c, const uint8_t *isa, sqlite3_value *v, uint32_t *reason)
{
	const char *what = "an exit reason (a name or a 32-bit code)";
	if (sqlite3_value_type(v) == SQLITE_TEXT) {
		const char *s = arg_text(v);
		uint64_t n;
		if (s && xs_str_to_u64(s, &n) && n > UINT32_MAX)
			return bad(c, what, v);
		if (s && !isa)
			return ARG_NULL;
		if (s)
			return xs_reason_parse(*isa, s, reason) ? ARG_OK : ARG_NULL; /* no such reason: NULL */
		return bad(c, what, v);
	}
	uint64_t n = 0;
	enum arg a = arg_uint(c, v, 32, what, &n);
	*reason = (uint32_t)n;
	return a;
}

/* Both of exit_name's arguments, checked in full whatever the other is: an error wins over a NULL. */
static enum arg isa_reason_args(struct call *c, sqlite3_value *visa, sqlite3_value *vreason, uint8_t *isa,
				uint32_t *reason)
{
	enum arg a = arg_isa(c, visa, isa);
	if (a == ARG_BAD)
		return ARG_BAD;
	enum arg b = arg_reason(c, a == ARG_OK ? isa : NULL, vreason, reason);
	if (b == ARG_BAD)
		return ARG_BAD;
	return a == ARG_OK && b == ARG_OK ? ARG_OK : ARG_NULL;
}

/*
 * What the decoder needs, from arguments isa, reason, qualification [, info2 [, intr_info]] at argv[0..].
 * An absent info2 or intr_info is not 0: `unknown` gets the same decode with every absent value's bits set,
 * so a field that differs between the two depends on what we were not told and has no answer.
 */
struct decode_call {
	struct xs_decoded d, unknown;
	bool partial; /* info2 or intr_info absent: compare with `unknown` */
};

static enum arg decode_args(struct call *c, int argc, sqlite3_value **argv, struct decode_call *dc)
{
	uint8_t isa = 0;
	uint32_t reason = 0;
	uint64_t qual = 0, info2 = 0, intr = 0;
	enum arg a[5] = {isa_reason_args(c, argv[0], argv[1], &isa, &reason), ARG_OK, ARG_NULL, ARG_NULL, ARG_NULL};
	if (a[0] == ARG_BAD || (a[2] = arg_uint(c, argv[2], 64, "a qualification (64 bits)", &qual)) == ARG_BAD ||
	    (argc > 3 && (a[3] = arg_uint(c, argv[3], 64, "info2 (64 bits)", &info2)) == ARG_BAD) ||
	    (argc > 4 && (a[4] = arg_uint(c, argv[4], 32, "intr_info (32 bits)", &intr)) == ARG_BAD))
		return ARG_BAD;
	if (a[0] != ARG_OK || a[2] != ARG_OK)
		return ARG_NULL;
	xs_decode_values(isa, reason, qual, info2, (uint32_t)intr, -1, &dc->d);
	dc->partial = a[3] != ARG_OK || a[4] != ARG_OK;
	if (dc->partial)
		xs_decode_values(isa, reason, qual, a[3] == ARG_OK ? info2 : UINT64_MAX,
				 a[4] == ARG_OK ? (uint32_t)intr : UINT32_MAX, -1, &dc->unknown);
	return ARG_OK;
}

/* Does the field's value depend on an argument that was not given? */
static bool field_unknown(const struct decode_call *dc, const struct xs_field *f)
{
	if (!dc->partial)
		return false;
	const struct xs_field *u = xs_decoded_field(&dc->unknown, f->name);
	if (!u || u->value != f->value)
		return true;
	if (!f->value_name != !u->value_name)
		return true;
	return f->value_name && strcmp(f->value_name, u->value_name);
}

static void fn_exit_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct call c = {ctx, "exit_name", false};
	uint8_t isa;
	uint32_t reason;
	if (isa_reason_args(&c, argv[0], argv[1], &isa, &reason) != ARG_OK) {
		if (!c.failed)
			sqlite3_result_null(ctx);
		return;
	}
	const char *name = xs_reason_name(isa, reason);
	if (name)
		sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static void fn_exit_isa(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct call c = {ctx, "exit_isa", false};
	uint8_t isa;
	if (arg_isa(&c, argv[0], &isa) == ARG_OK)
		sqlite3_result_text(ctx, xs_isa_name(isa), -1, SQLITE_STATIC);
	else if (!c.failed)
		sqlite3_result_null(ctx);
}

static void fn_exit_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	/* exit_field(isa, reason, qual, field [, info2 [, intr_info]]): the field name is the 4th argument. */
	struct call c = {ctx, "exit_field", false};
	sqlite3_value *rest[5] = {argv[0], argv[1], argv[2], argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL};
	struct decode_call dc;
	enum arg a = decode_args(&c, argc - 1, rest, &dc);
	if (a == ARG_BAD)
		return;
	const char *field = sqlite3_value_type(argv[3]) == SQLITE_TEXT ? arg_text(argv[3]) : NULL;
	if (!field && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
		bad(&c, "a field name", argv[3]);
		return;
	}
	if (a != ARG_OK || !field) {
		if (!c.failed)
			sqlite3_result_null(ctx);
		return;
	}
	const struct xs_field *f = xs_decoded_field(&dc.d, field);
	if (f) {
		if (field_unknown(&dc, f))
			sqlite3_result_null(ctx);
		else
			sqlite3_result_int64(ctx, (sqlite3_int64)f->value);
		return;
	}
	/* "access_type_name": the name of an enumerated field. */
	size_t n = strlen(field);
	char base[64];
	if (n > 5 && n - 5 < sizeof(base) && !strcmp(field + n - 5, "_name")) {
		memcpy(base, field, n - 5);
		base[n - 5] = 0;
		f = xs_decoded_field(&dc.d, base);
		if (f && f->value_name && !field_unknown(&dc, f)) {
			sqlite3_result_text(ctx, f->value_name, -1, SQLITE_STATIC);
			return;
		}
	}
	sqlite3_result_null(ctx);
}

static void fn_exit_decode(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct call c = {ctx, "exit_decode", false};
	struct decode_call dc;
	if (decode_args(&c, argc, argv, &dc) != ARG_OK) {
		if (!c.failed)
			sqlite3_result_null(ctx);
		return;
	}
	/* Leave out the fields that depend on an absent info2 or intr_info. */
	unsigned int kept = 0;
	for (unsigned int i = 0; i < dc.d.nfields; i++)
		if (!field_unknown(&dc, &dc.d.fields[i]))
			dc.d.fields[kept++] = dc.d.fields[i];
	dc.d.nfields = kept;
	char buf[JSON_MAX];
	size_t need = xs_decoded_fields_json(&dc.d, buf, sizeof(buf));
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
