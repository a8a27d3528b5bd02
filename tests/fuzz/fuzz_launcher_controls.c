// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a control file (launcher/controls.c). The parser must never crash or
 * overrun, must leave the controls untouched on error, and whatever it accepts must print canonically and
 * parse back to the same controls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/controls.h"

struct replay {
	struct xs_controls c;
	int failed;
};

static void reparse(void *ctx, const char *key, const char *value)
{
	struct replay *r = ctx;
	char err[512];
	if (xs_controls_set(&r->c, key, value, err, sizeof(err))) {
		fprintf(stderr, "canonical %s=%s does not parse back: %s\n", key, value, err);
		r->failed = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_controls c, before;
	char err[512];
	xs_controls_init(&c);
	before = c;
	if (xs_controls_parse_text(&c, (const char *)data, size, "fuzz", err, sizeof(err))) {
		if (memcmp(&c, &before, sizeof(c)))
			abort(); /* an error must leave the controls as they were */
		if (!memchr(err, 0, sizeof(err)) || strchr(err, '\n'))
			abort(); /* one line, terminated */
		return 0;
	}
	struct replay r;
	xs_controls_init(&r.c);
	r.failed = 0;
	xs_controls_visit(&c, reparse, &r);
	if (r.failed)
		abort();
	/* "given" may differ: cpuid overrides set to none drop out; everything else must match. */
	r.c.given = c.given;
	if (memcmp(&r.c, &c, sizeof(c)))
		abort();
	return 0;
}
