// SPDX-License-Identifier: MIT
/* Fuzz the dashboard's filter parser (typed by users, given with --filter): no input may crash it, and what it
 * accepts must print as a canonical text that parses back to the same filter. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tui/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool lookup(void *arg, const char *name, uint32_t *pid, char *err, size_t errlen)
{
	(void)arg;
	*pid = (uint32_t)strlen(name);
	if (name[0] == 'y')
		snprintf(err, errlen, "filter: no VM called '%s'", name);
	return name[0] != 'x' && name[0] != 'y'; /* x: a lookup that forgets to say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	if (size >= sizeof(text) || size < 1)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	struct tui_filter_ctx ctx = {data[0] & 0x1e, lookup, NULL};
	struct tui_filter f, again;
	char err[256];
	if (!tui_filter_parse(text, &ctx, &f, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n'))
			__builtin_trap(); /* a refusal always says why, on one line */
		return 0;
	}
	if (f.vm[0])
		return 0; /* vm=NAME prints as vm=NAME(pid N), which is for people */
	if (!tui_filter_parse(f.text, &ctx, &again, err, sizeof(err)))
		__builtin_trap();
	if (memcmp(&f.agg, &again.agg, sizeof(f.agg)) || strcmp(f.text, again.text))
		__builtin_trap();
	return 0;
}
