/* SPDX-License-Identifier: MIT */
/*
 * Guest symbol tables: which guest function a recorded RIP lies in.
 *
 * Sources (all outside input, validated; a bad one is refused with a one-line reason):
 *   - an ELF file with a symbol table (a guest vmlinux, a guest binary, a built-in guest's image): the
 *     function and untyped code symbols of executable sections (.symtab, else .dynsym), read with libelf;
 *   - a System.map or a kallsyms dump ("ADDR TYPE NAME [MODULE]" lines): the text symbols (t, T, w, W);
 *   - a list the caller already has (the built-in guests' embedded symbols).
 * A symbol with a size covers [addr, addr + size); one without (assembly labels, System.map) covers up to the
 * next symbol, or to the end of its ELF section; the last sizeless symbol of a text map covers only its own
 * address. An address no symbol covers is reported as uncovered, never attributed to the nearest name.
 *
 * A KASLR offset (the guest kernel's relocation) is added to every address of a vmlinux or System.map. A
 * kallsyms dump is already relocated: pass 0.
 *
 * Lookups are pure (binary search, no allocation); a table is immutable once built, so threads may share it.
 */
#ifndef EXITSCOPE_ANALYSIS_SYMTAB_H
#define EXITSCOPE_ANALYSIS_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_SYM_NONE UINT32_MAX /* index of "no symbol covers this address" */
#define XS_SYM_NAME_MAX 512    /* longer names are refused as damage */

struct xs_symbol {
	uint64_t addr, end; /* covers [addr, end) */
	const char *name;
};

struct xs_symtab;

/* Parse a symbol file already in memory; `what` names it in errors. NULL with a message in err on failure. */
struct xs_symtab *xs_symtab_parse(const void *buf, size_t len, const char *what, uint64_t offset, char *err,
				  size_t errlen);
/* Read and parse a file. */
struct xs_symtab *xs_symtab_load(const char *path, uint64_t offset, char *err, size_t errlen);

/*
 * A table from known symbols (names copied): each covers up to the next one, the last up to `limit`
 * (an image's end; 0: only its own address).
 */
struct xs_symtab *xs_symtab_from_list(const char *const *names, const uint64_t *addrs, size_t n, uint64_t limit);

void xs_symtab_free(struct xs_symtab *t);

size_t xs_symtab_count(const struct xs_symtab *t);
const struct xs_symbol *xs_symtab_at(const struct xs_symtab *t, uint32_t index);
void xs_symtab_set_origin(struct xs_symtab *t, const char *origin);
/* Where the table came from: "vmlinux (ELF .symtab)", "System.map (text map)", "built-in guest mixed". */
const char *xs_symtab_origin(const struct xs_symtab *t);

/* The index of the symbol covering addr, or XS_SYM_NONE. */
uint32_t xs_symtab_find(const struct xs_symtab *t, uint64_t addr);

/*
 * "name+0x1a" ("name" at offset 0) for a covered address, "0xADDR (no symbol)" otherwise, "(no RIP)" when
 * has_addr is false. A NULL table symbolizes nothing. Returns buf.
 */
const char *xs_symtab_format(const struct xs_symtab *t, bool has_addr, uint64_t addr, char *buf, size_t len);

#endif
