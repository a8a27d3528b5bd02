// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a System.map or kallsyms dump (--guest-symbols). Inputs that start like
 * an ELF file are left to fuzz_analysis_elfsyms. Parsing must never crash; a table it returns must be sorted,
 * every symbol must cover at least its own address, and lookups must find it.
 */
#include <stdint.h>
#include <string.h>

#include "analysis/symtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 4 && !memcmp(data, "\177ELF", 4))
		return 0;
	char err[256];
	struct xs_symtab *t = xs_symtab_parse(data, size, "fuzz.map", 0x1000, err, sizeof(err));
	if (!t)
		return 0;
	uint64_t prev = 0;
	for (size_t i = 0; i < xs_symtab_count(t); i++) {
		const struct xs_symbol *s = xs_symtab_at(t, (uint32_t)i);
		if (s->end <= s->addr || (i && s->addr <= prev) || xs_symtab_find(t, s->addr) != i)
			__builtin_trap();
		prev = s->addr;
	}
	xs_symtab_free(t);
	return 0;
}
