/* SPDX-License-Identifier: MIT */
/*
 * The guest symbols of report, export, query and top: --guest-symbols FILE (an ELF, a System.map, a kallsyms
 * dump, or guest:NAME[:MODE] for a built-in guest) and --guest-kaslr-offset N. Without a file, a run of a
 * built-in guest is symbolized from that guest's own image (its name and mode are in the run's metadata).
 */
#ifndef EXITSCOPE_CLI_GUEST_SYMBOLS_H
#define EXITSCOPE_CLI_GUEST_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/symtab.h"
#include "cli/exit_source.h"
#include "cli/options.h"

/* getopt_long codes of the two options (above any short option). */
#define XS_OPT_GUEST_SYMBOLS 0x4701
#define XS_OPT_GUEST_KASLR 0x4702
#define XS_GUEST_SYMBOL_OPTIONS                                                   \
	{"guest-symbols", required_argument, NULL, XS_OPT_GUEST_SYMBOLS},         \
	{                                                                         \
		"guest-kaslr-offset", required_argument, NULL, XS_OPT_GUEST_KASLR \
	}
#define XS_GUEST_SYMBOLS_HELP                                                                                    \
	"  --guest-symbols FILE     guest symbols: an ELF with a symbol table, a System.map, a kallsyms dump,\n" \
	"                           or guest:NAME[:MODE] (built-in guests are symbolized without it)\n"          \
	"  --guest-kaslr-offset N   added to the addresses of a vmlinux or System.map (KASLR)\n"

struct xs_guest_symbols {
	const char *path;
	uint64_t kaslr;
	struct xs_symtab *table; /* from path */
	struct builtin_cache {
		char key[48];
		struct xs_symtab *table; /* NULL: that run's guest has no built-in symbols */
	} cache[16];
	size_t ncache;
	char used[512]; /* which tables served, for the report header */
};

/* The two options as a group of an option table (cli/options.h), filling a struct xs_guest_symbols. */
extern const struct xs_opt_group xs_guest_symbols_group;
/* Take one of the two options; false (message printed) for a bad value. */
bool xs_guest_symbols_option(struct xs_guest_symbols *g, int opt, const char *arg, const char *cmd);
/* Load --guest-symbols; -1 with the message printed. */
int xs_guest_symbols_load(struct xs_guest_symbols *g, const char *cmd);
/* The table for a run of the source (NULL: none known). */
const struct xs_symtab *xs_guest_symbols_for(struct xs_guest_symbols *g, struct xs_exit_source *src, int64_t run);
/* A built-in guest's table ("mixed", mode 64), or NULL. */
struct xs_symtab *xs_guest_symbols_builtin(const char *name, unsigned int mode);
/* "guest mixed (built-in, long mode)", "vmlinux (ELF .symtab, ...)", or "none". */
const char *xs_guest_symbols_used(const struct xs_guest_symbols *g);
void xs_guest_symbols_free(struct xs_guest_symbols *g);

#endif
