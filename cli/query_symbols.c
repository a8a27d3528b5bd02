// SPDX-License-Identifier: MIT
#include "cli/query_symbols.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "launcher/guests.h"

/* The built-in guest's table of a run, looked up in run_meta once per run and kept in syms' cache. */
static const struct xs_symtab *run_table(sqlite3 *db, struct xs_guest_symbols *g, sqlite3_int64 run)
{
	char guest[32] = "", mode[16] = "long";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT key, value FROM run_meta WHERE run_id = ? AND key IN ('run.guest', 'run.mode')",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
		if (k && v)
			snprintf(!strcmp(k, "run.guest") ? guest : mode,
				 !strcmp(k, "run.guest") ? sizeof(guest) : sizeof(mode), "%s", v);
	}
	sqlite3_finalize(st);
	if (!guest[0])
		return NULL;
	char key[48];
	snprintf(key, sizeof(key), "%s:%u", guest, xs_mode_parse(mode));
	for (size_t i = 0; i < g->ncache; i++)
		if (!strcmp(g->cache[i].key, key))
			return g->cache[i].table;
	if (g->ncache == XS_ARRAY_SIZE(g->cache))
		return NULL;
	struct xs_symtab *t = xs_guest_symbols_builtin(guest, xs_mode_parse(mode));
	snprintf(g->cache[g->ncache].key, sizeof(g->cache[g->ncache].key), "%s", key);
	g->cache[g->ncache++].table = t;
	return t;
}

static void symbol_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool with_offset)
{
	struct xs_guest_symbols *g = sqlite3_user_data(ctx);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return; /* no RIP recorded: NULL */
	if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) {
		sqlite3_result_error(ctx, "exit_symbol: rip must be an integer", -1);
		return;
	}
	const struct xs_symtab *t = g->table;
	if (!t && argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_INTEGER)
		t = run_table(sqlite3_context_db_handle(ctx), g, sqlite3_value_int64(argv[1]));
	else if (!t && argc == 1) {
		sqlite3_result_error(
			ctx,
			"exit_symbol(rip) needs --guest-symbols FILE; exit_symbol(rip, run_id) symbolizes a "
			"built-in guest's run",
			-1);
		return;
	}
	uint64_t rip = (uint64_t)sqlite3_value_int64(argv[0]);
	uint32_t i = xs_symtab_find(t, rip);
	if (i == XS_SYM_NONE)
		return; /* no symbol covers it: NULL, never a guess */
	const struct xs_symbol *s = xs_symtab_at(t, i);
	if (!with_offset || rip == s->addr) {
		sqlite3_result_text(ctx, s->name, -1, SQLITE_TRANSIENT);
		return;
	}
	char buf[XS_SYM_NAME_MAX + 24];
	snprintf(buf, sizeof(buf), "%s+0x%llx", s->name, (unsigned long long)(rip - s->addr));
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void exit_symbol(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	symbol_fn(ctx, argc, argv, true);
}

static void exit_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	symbol_fn(ctx, argc, argv, false);
}

int xs_query_symbols_register(sqlite3 *db, struct xs_guest_symbols *syms, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {{"exit_symbol", exit_symbol}, {"exit_function", exit_function}};
	for (size_t i = 0; i < XS_ARRAY_SIZE(fns); i++) {
		for (int nargs = 1; nargs <= 2; nargs++) {
			int rc = sqlite3_create_function(db, fns[i].name, nargs, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
							 syms, fns[i].fn, NULL, NULL);
			if (rc != SQLITE_OK) {
				snprintf(err, errlen, "registering %s: %s", fns[i].name, sqlite3_errstr(rc));
				return -1;
			}
		}
	}
	return 0;
}
