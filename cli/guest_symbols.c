// SPDX-License-Identifier: MIT
#include "cli/guest_symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "common/util.h"
#include "launcher/guests.h"

static int take_symbols(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)err, (void)len;
	struct xs_guest_symbols *g = base;
	if (o->tag == XS_OPT_GUEST_SYMBOLS) {
		g->path = arg;
		return 0;
	}
	return xs_parse_u64(arg, &g->kaslr) ? 0 : -1;
}

static const struct xs_opt symbol_opts[] = {
	XS_OPT_ENTRY("guest-symbols", 0, "FILE",
		     "an ELF with a symbol table, a System.map, a kallsyms dump, or guest:NAME[:MODE]\n"
		     "(built-in guests are symbolized without it)",
		     .kind = XS_OPT_CALL, .call = take_symbols, .tag = XS_OPT_GUEST_SYMBOLS),
	XS_OPT_ENTRY("guest-kaslr-offset", 0, "N", "added to the addresses of a vmlinux or System.map (KASLR)",
		     .kind = XS_OPT_CALL, .call = take_symbols, .tag = XS_OPT_GUEST_KASLR,
		     .expect = "expected a number (0x1e000000)"),
	XS_OPT_END_ENTRY,
};

const struct xs_opt_group xs_guest_symbols_group = {"Guest symbols", symbol_opts};

bool xs_guest_symbols_option(struct xs_guest_symbols *g, int opt, const char *arg, const char *cmd)
{
	if (opt == XS_OPT_GUEST_SYMBOLS) {
		g->path = arg;
		return true;
	}
	if (!xs_parse_u64(arg, &g->kaslr)) {
		xs_err("%s: --guest-kaslr-offset wants a number (0x1e000000), not '%s'", cmd, arg);
		return false;
	}
	return true;
}

struct xs_symtab *xs_guest_symbols_builtin(const char *name, unsigned int mode)
{
	const struct xs_guest_blob *b = xs_guest_image(name, mode);
	if (!b)
		return NULL;
	size_t n = 0;
	for (const struct xs_guest_symbol *s = b->symbols; s->name; s++)
		n++;
	const char **names = xs_calloc(n ? n : 1, sizeof(*names));
	uint64_t *addrs = xs_calloc(n ? n : 1, sizeof(*addrs));
	uint64_t base = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		names[i] = b->symbols[i].name;
		addrs[i] = b->symbols[i].addr;
		if (addrs[i] < base)
			base = addrs[i];
	}
	/* the image starts at its lowest symbol (_start, at the load address) and ends with its bytes */
	struct xs_symtab *t = xs_symtab_from_list(names, addrs, n, n ? base + b->size : 0);
	free(names);
	free(addrs);
	char origin[96];
	snprintf(origin, sizeof(origin), "guest %s (built-in, %s mode)", name, xs_mode_name(mode));
	xs_symtab_set_origin(t, origin);
	return t;
}

static void note_used(struct xs_guest_symbols *g, const struct xs_symtab *t)
{
	const char *o = xs_symtab_origin(t);
	if (strstr(g->used, o))
		return;
	size_t len = strlen(g->used);
	snprintf(g->used + len, sizeof(g->used) - len, "%s%s", len ? "; " : "", o);
}

int xs_guest_symbols_load(struct xs_guest_symbols *g, const char *cmd)
{
	if (!g->path) {
		if (g->kaslr)
			xs_err("%s: --guest-kaslr-offset needs --guest-symbols", cmd);
		return g->kaslr ? -1 : 0;
	}
	if (!strncmp(g->path, "guest:", 6)) {
		char name[32];
		const char *colon = strchr(g->path + 6, ':');
		size_t n = colon ? (size_t)(colon - g->path - 6) : strlen(g->path + 6);
		unsigned int mode = 64;
		if (n >= sizeof(name) || (colon && !(mode = xs_mode_parse(colon + 1)))) {
			xs_err("%s: --guest-symbols %s: want guest:NAME[:real|protected|long]", cmd, g->path);
			return -1;
		}
		memcpy(name, g->path + 6, n);
		name[n] = 0;
		g->table = xs_guest_symbols_builtin(name, mode);
		if (!g->table) {
			xs_err("%s: --guest-symbols %s: no built-in guest '%s' in %s mode (exitscope run "
			       "--list-guests)",
			       cmd, g->path, name, xs_mode_name(mode));
			return -1;
		}
		return 0;
	}
	char err[512];
	g->table = xs_symtab_load(g->path, g->kaslr, err, sizeof(err));
	if (!g->table) {
		xs_err("%s: --guest-symbols %s", cmd, err);
		return -1;
	}
	return 0;
}

const struct xs_symtab *xs_guest_symbols_for(struct xs_guest_symbols *g, struct xs_exit_source *src, int64_t run)
{
	if (g->table) {
		if (!g->used[0])
			note_used(g, g->table);
		return g->table;
	}
	const char *guest = xs_exit_source_meta(src, run, "run.guest");
	if (!guest || !strncmp(guest, "image:", 6))
		return NULL;
	char name[32];
	snprintf(name, sizeof(name), "%s", guest);
	const char *mode_name = xs_exit_source_meta(src, run, "run.mode");
	unsigned int mode = mode_name ? xs_mode_parse(mode_name) : 64;
	char key[48];
	snprintf(key, sizeof(key), "%s:%u", name, mode);
	for (size_t i = 0; i < g->ncache; i++)
		if (!strcmp(g->cache[i].key, key))
			return g->cache[i].table;
	struct xs_symtab *t = xs_guest_symbols_builtin(name, mode);
	if (g->ncache < XS_ARRAY_SIZE(g->cache)) {
		snprintf(g->cache[g->ncache].key, sizeof(g->cache[g->ncache].key), "%s", key);
		g->cache[g->ncache++].table = t;
	} else {
		xs_symtab_free(t); /* more distinct guests than the cache holds: rare, and only slower */
		return NULL;
	}
	if (t)
		note_used(g, t);
	return t;
}

const char *xs_guest_symbols_used(const struct xs_guest_symbols *g)
{
	return g->used[0] ? g->used : "none (no --guest-symbols and no built-in guest: every RIP is uncovered)";
}

void xs_guest_symbols_free(struct xs_guest_symbols *g)
{
	xs_symtab_free(g->table);
	for (size_t i = 0; i < g->ncache; i++)
		xs_symtab_free(g->cache[i].table);
	memset(g, 0, sizeof(*g));
}
