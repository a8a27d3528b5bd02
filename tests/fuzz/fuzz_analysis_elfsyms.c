// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as an ELF guest symbol file (--guest-symbols vmlinux). The input always
 * starts as ELF (the magic is forced) so libelf and our section/symbol checks see it; parsing must never crash
 * or read out of bounds, and a table it returns must answer lookups consistently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/symtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 4);
	memcpy(buf, "\177ELF", 4);
	memcpy(buf + 4, data, size);
	char err[256];
	struct xs_symtab *t = xs_symtab_parse(buf, size + 4, "fuzz.elf", 0, err, sizeof(err));
	if (t) {
		for (size_t i = 0; i < xs_symtab_count(t); i++) {
			const struct xs_symbol *s = xs_symtab_at(t, (uint32_t)i);
			if (s->end <= s->addr || xs_symtab_find(t, s->addr) != i)
				__builtin_trap();
			char out[600];
			xs_symtab_format(t, true, s->end - 1, out, sizeof(out));
		}
		xs_symtab_free(t);
	}
	free(buf);
	return 0;
}
