// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the SQL functions (db/sqlfuncs.h) called through SQLite with arguments of every type —
 * NULL, integers of any size, reals whole and fractional, numerals and names as text, text with a NUL, blobs,
 * junk — and every answer checked against the decoder's own: a value must be the decoder's value for what the
 * arguments mean, NULL only where something needed is unknown, an error only for an argument that cannot be
 * what it stands for. Where info2 or intr_info is absent, a value given must hold whatever they were.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/sqlfuncs.h"
#include "decoder/decoder.h"
#include "decoder/strings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "check failed: %s (%s)\n", #cond, sql); \
			__builtin_trap();                                       \
		}                                                               \
	} while (0)

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* What an argument means, as the functions' contract (db/sqlfuncs.c) says. */
enum meaning { M_NULL, M_BAD, M_VALUE, M_UNSURE };

struct arg {
	enum meaning m;
	uint64_t value; /* M_VALUE */
	/* how it is bound */
	int type;
	int64_t i;
	double d;
	char text[96];
	int text_len;
};

enum role { R_ISA, R_REASON, R_U64, R_U32, R_FIELD };

static const char *const fields[] = {"cr",
				     "access_type",
				     "access_type_name",
				     "gpr",
				     "gpr_name",
				     "port",
				     "direction",
				     "direction_name",
				     "size",
				     "gpa",
				     "read",
				     "write",
				     "user",
				     "present",
				     "vector",
				     "vector_name",
				     "valid",
				     "type",
				     "type_name",
				     "msr",
				     "no_such",
				     "exit_qualification",
				     "linear_address_valid"};

/* Make one argument for `role` from the input; isa is the isa chosen so far (0: unknown). */
static void make_arg(struct input *in, enum role role, uint8_t isa, struct arg *a)
{
	memset(a, 0, sizeof(*a));
	unsigned int kind = (unsigned int)take(in, 1) % 9;
	uint64_t bits = take(in, 8);
	uint64_t max = role == R_U64 ? UINT64_MAX : role == R_ISA ? UINT64_MAX : UINT32_MAX;
	if (role == R_FIELD && kind != 0 && kind != 5 && kind != 6)
		kind = 4;
	switch (kind) {
	case 0:
		a->type = SQLITE_NULL;
		a->m = M_NULL;
		return;
	case 1: /* an integer: small ones often, so that real codes come up */
	case 2: {
		int64_t v = kind == 1 ? (int64_t)(bits % 1100) : (int64_t)bits;
		a->type = SQLITE_INTEGER;
		a->i = v;
		if (v < 0 && role != R_U64 && role != R_ISA) {
			a->m = M_BAD;
		} else if (role == R_ISA) {
			a->m = v >= 1 && v < XS_ISA_COUNT ? M_VALUE : (v < 0 ? M_NULL : M_NULL);
		} else {
			a->m = (uint64_t)v <= max ? M_VALUE : M_BAD;
		}
		a->value = (uint64_t)v;
		return;
	}
	case 3: { /* a real: whole or not */
		double d = (double)(bits % 2000) / ((bits >> 40) & 1 ? 2.0 : 1.0);
		if ((bits >> 41) & 1)
			d = ldexp(1.0, (int)(bits >> 48) % 70);
		a->type = SQLITE_FLOAT;
		a->d = d;
		if (d != floor(d) || d >= 18446744073709551616.0 || (role != R_U64 && role != R_ISA && d > (double)max))
			a->m = M_BAD;
		else if (role == R_ISA)
			a->m = d >= 1 && d < XS_ISA_COUNT ? M_VALUE : M_NULL;
		else
			a->m = M_VALUE;
		a->value = a->m == M_VALUE ? (uint64_t)d : 0;
		return;
	}
	case 4: /* a name */
		a->type = SQLITE_TEXT;
		if (role == R_ISA) {
			unsigned int n = 1 + (unsigned int)(bits % (XS_ISA_COUNT - 1));
			snprintf(a->text, sizeof(a->text), "%s", xs_isa_name(n));
			a->m = M_VALUE;
			a->value = n;
		} else if (role == R_REASON && isa) {
			const struct xs_reason_info *t;
			size_t n = xs_reason_table(isa, &t);
			if (!n || !t[bits % n].name) {
				snprintf(a->text, sizeof(a->text), "NO_SUCH_REASON");
				a->m = M_NULL;
			} else {
				snprintf(a->text, sizeof(a->text), "%s", t[bits % n].name);
				a->m = M_VALUE;
				a->value = t[bits % n].code;
			}
		} else if (role == R_FIELD) {
			snprintf(a->text, sizeof(a->text), "%s", fields[bits % (sizeof(fields) / sizeof(fields[0]))]);
			a->m = M_VALUE;
		} else {
			snprintf(a->text, sizeof(a->text), "IO_INSTRUCTION");
			a->m = role == R_REASON ? M_NULL : M_BAD;
		}
		a->text_len = (int)strlen(a->text);
		return;
	case 5: /* text with a NUL in it */
		a->type = SQLITE_TEXT;
		memcpy(a->text, "cr\0zz", 5);
		a->text_len = 5;
		a->m = M_BAD;
		return;
	case 6:
		a->type = SQLITE_BLOB;
		a->m = role == R_FIELD ? M_BAD : M_BAD;
		memcpy(a->text, &bits, 8);
		a->text_len = 8;
		return;
	case 7: /* a numeral */
		a->type = SQLITE_TEXT;
		snprintf(a->text, sizeof(a->text), (bits >> 63) ? "0x%llx" : "%llu",
			 (unsigned long long)(bits >> 62 & 1 ? bits % 1100 : bits));
		a->text_len = (int)strlen(a->text);
		a->m = M_UNSURE;
		return;
	default: { /* junk text */
		size_t n = (size_t)(bits % 16);
		if (n > in->n)
			n = in->n;
		memcpy(a->text, in->p, n);
		for (size_t i = 0; i < n; i++)
			if (!a->text[i])
				a->text[i] = 'x';
		in->p += n;
		in->n -= n;
		a->type = SQLITE_TEXT;
		a->text_len = (int)n;
		a->m = M_UNSURE;
		return;
	}
	}
}

static void bind(sqlite3_stmt *st, int col, const struct arg *a)
{
	switch (a->type) {
	case SQLITE_NULL:
		sqlite3_bind_null(st, col);
		break;
	case SQLITE_INTEGER:
		sqlite3_bind_int64(st, col, a->i);
		break;
	case SQLITE_FLOAT:
		sqlite3_bind_double(st, col, a->d);
		break;
	case SQLITE_TEXT:
		sqlite3_bind_text(st, col, a->text, a->text_len, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_blob(st, col, a->text, a->text_len, SQLITE_STATIC);
		break;
	}
}

static sqlite3 *db;

/* The decoder's value of a field (or its name, for "x_name"): true if it has one. */
static bool oracle_field(const struct xs_decoded *d, const char *name, uint64_t *v, const char **vname)
{
	const struct xs_field *f = xs_decoded_field(d, name);
	if (f) {
		*v = f->value;
		*vname = NULL;
		return true;
	}
	size_t n = strlen(name);
	if (n > 5 && !strcmp(name + n - 5, "_name")) {
		char base[96];
		snprintf(base, sizeof(base), "%.*s", (int)(n - 5), name);
		f = xs_decoded_field(d, base);
		if (f && f->value_name) {
			*vname = f->value_name;
			return true;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db) {
		char err[256];
		if (sqlite3_open(":memory:", &db) != SQLITE_OK || xs_sql_register_functions(db, err, sizeof(err)))
			abort();
	}
	struct input in = {data, size};
	unsigned int fn = (unsigned int)take(&in, 1) % 4;
	unsigned int extra = (unsigned int)take(&in, 1) % 3; /* info2, intr_info given */
	struct arg a[6];
	make_arg(&in, R_ISA, 0, &a[0]);
	uint8_t isa = a[0].m == M_VALUE ? (uint8_t)a[0].value : 0;
	if (a[0].m == M_UNSURE && a[0].type == SQLITE_TEXT) {
		if (xs_isa_from_name(a[0].text, &isa))
			a[0].m = M_VALUE, a[0].value = isa;
		else
			a[0].m = M_NULL, isa = 0;
	}
	const char *sql;
	static const char *const sqls[4][3] = {
		{"SELECT exit_isa(?1)", NULL, NULL},
		{"SELECT exit_name(?1, ?2)", NULL, NULL},
		{"SELECT exit_field(?1, ?2, ?3, ?4)", "SELECT exit_field(?1, ?2, ?3, ?4, ?5)",
		 "SELECT exit_field(?1, ?2, ?3, ?4, ?5, ?6)"},
		{"SELECT exit_decode(?1, ?2, ?3)", "SELECT exit_decode(?1, ?2, ?3, ?5)",
		 "SELECT exit_decode(?1, ?2, ?3, ?5, ?6)"},
	};
	if (fn < 2)
		extra = 0;
	sql = sqls[fn][extra];
	make_arg(&in, R_REASON, isa, &a[1]);
	if (a[1].m == M_UNSURE) {
		uint32_t r;
		uint64_t n;
		const char *t = a[1].text;
		if (xs_str_to_u64(t, &n) && n > UINT32_MAX)
			a[1].m = M_BAD;
		else if (isa && xs_reason_parse(isa, t, &r))
			a[1].m = M_VALUE, a[1].value = r;
		else
			a[1].m = M_NULL;
	}
	make_arg(&in, R_U64, isa, &a[2]);
	make_arg(&in, R_FIELD, isa, &a[3]);
	make_arg(&in, R_U64, isa, &a[4]);
	make_arg(&in, R_U32, isa, &a[5]);
	for (int i = 2; i < 6; i++) {
		if (a[i].m != M_UNSURE)
			continue;
		uint64_t n;
		if (xs_str_to_u64(a[i].text, &n) && (i != 5 || n <= UINT32_MAX))
			a[i].m = M_VALUE, a[i].value = n;
		else
			a[i].m = M_BAD;
	}
	uint64_t fill2 = take(&in, 8), fill4 = take(&in, 4);

	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		abort();
	bool used[6] = {true, fn >= 1, fn >= 2, fn == 2, fn >= 2 && extra >= 1, fn >= 2 && extra >= 2};
	for (int i = 0; i < 6; i++)
		if (used[i])
			bind(st, i + 1, &a[i]);
	int rc = sqlite3_step(st);
	bool error = rc != SQLITE_ROW;
	int type = error ? SQLITE_NULL : sqlite3_column_type(st, 0);

	/* The verdict the contract asks for: an error if any argument is bad, else NULL if one is unknown. */
	bool any_bad = false, any_null = false;
	for (int i = 0; i < 4; i++) {
		if (!used[i])
			continue;
		if (a[i].m == M_BAD && !(i == 3 && a[i].type == SQLITE_NULL))
			any_bad = true;
		if (a[i].m == M_NULL)
			any_null = true;
	}
	for (int i = 4; i < 6; i++)
		if (used[i] && a[i].m == M_BAD)
			any_bad = true;
	CHECK(error == any_bad);
	if (!error && any_null)
		CHECK(type == SQLITE_NULL);
	if (error || any_null || any_bad) {
		sqlite3_finalize(st);
		return 0;
	}

	uint32_t reason = (uint32_t)a[1].value;
	if (fn == 0) {
		CHECK(type == SQLITE_TEXT && !strcmp((const char *)sqlite3_column_text(st, 0), xs_isa_name(isa)));
	} else if (fn == 1) {
		const char *want = xs_reason_name(isa, reason);
		CHECK(want ? type == SQLITE_TEXT && !strcmp((const char *)sqlite3_column_text(st, 0), want)
			   : type == SQLITE_NULL);
	} else {
		/* Two decodes with the absent values filled differently: a value given must match both. */
		bool have2 = used[4] && a[4].m == M_VALUE, have4 = used[5] && a[5].m == M_VALUE;
		struct xs_decoded d1, d2;
		xs_decode_values(isa, reason, a[2].value, have2 ? a[4].value : fill2,
				 have4 ? (uint32_t)a[5].value : (uint32_t)fill4, -1, &d1);
		xs_decode_values(isa, reason, a[2].value, have2 ? a[4].value : ~fill2,
				 have4 ? (uint32_t)a[5].value : ~(uint32_t)fill4, -1, &d2);
		if (fn == 2) {
			uint64_t v1 = 0, v2 = 0;
			const char *n1 = NULL, *n2 = NULL;
			bool k1 = oracle_field(&d1, a[3].text, &v1, &n1), k2 = oracle_field(&d2, a[3].text, &v2, &n2);
			if (type == SQLITE_INTEGER) {
				int64_t got = sqlite3_column_int64(st, 0);
				CHECK(k1 && !n1 && (uint64_t)got == v1);
				CHECK(k2 && !n2 && (uint64_t)got == v2);
			} else if (type == SQLITE_TEXT) {
				const char *got = (const char *)sqlite3_column_text(st, 0);
				CHECK(k1 && n1 && !strcmp(got, n1));
				CHECK(k2 && n2 && !strcmp(got, n2));
			} else {
				CHECK(type == SQLITE_NULL);
				/* NULL only when the field does not exist or depends on what is absent. */
				if (have2 && have4 && k1)
					CHECK(!k1);
			}
		} else {
			CHECK(type == SQLITE_TEXT);
			char *json = strdup((const char *)sqlite3_column_text(st, 0));
			if (have2 && have4) {
				char want[4096];
				xs_decoded_fields_json(&d1, want, sizeof(want));
				CHECK(!strcmp(json, want));
			}
			/* Each field given is the decoder's value whatever the absent inputs were. */
			sqlite3_stmt *je;
			if (sqlite3_prepare_v2(db, "SELECT key, value, type FROM json_each(?1)", -1, &je, NULL) !=
			    SQLITE_OK)
				abort();
			sqlite3_bind_text(je, 1, json, -1, SQLITE_STATIC);
			while (sqlite3_step(je) == SQLITE_ROW) {
				const char *key = (const char *)sqlite3_column_text(je, 0);
				const char *jt = (const char *)sqlite3_column_text(je, 2);
				uint64_t v1 = 0, v2 = 0;
				const char *n1 = NULL, *n2 = NULL;
				bool k1 = oracle_field(&d1, key, &v1, &n1), k2 = oracle_field(&d2, key, &v2, &n2);
				CHECK(k1 && k2);
				if (!strcmp(jt, "text")) {
					const char *got = (const char *)sqlite3_column_text(je, 1);
					CHECK(n1 && n2 && !strcmp(got, n1) && !strcmp(got, n2));
				} else {
					/* Numbers above 2^63 do not fit SQLite's integer: read the digits from the
					 * JSON. */
					char pat[112];
					snprintf(pat, sizeof(pat), "\"%s\":", key);
					const char *at = strstr(json, pat);
					CHECK(at && !n1 && v1 == v2);
					CHECK(strtoull(at + strlen(pat), NULL, 10) == v1);
				}
			}
			sqlite3_finalize(je);
			free(json);
		}
	}
	sqlite3_finalize(st);
	return 0;
}
