// SPDX-License-Identifier: MIT
#include "analysis/format.h"

#include "common/text.h"

const char *xs_fmt_ns(double ns, char *buf, size_t len)
{
	return xs_fmt_latency(ns, false, buf, len);
}

void xs_fputs_json(FILE *out, const char *s)
{
	putc_unlocked('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f) /* bytes past ASCII as Latin-1: always valid JSON */
			fprintf(out, "\\u%04x", c);
		else
			putc_unlocked(c, out);
	}
	putc_unlocked('"', out);
}
