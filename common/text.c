// SPDX-License-Identifier: MIT
#include "common/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"

size_t xs_utf8_char_len(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0; /* a continuation byte, or a lead byte no valid character has */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A character a terminal acts on rather than shows: C0, DEL, and C1 (U+0080..U+009F, as C2 80..C2 9F). */
static bool is_control(const unsigned char *s, size_t len)
{
	return (len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (len == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

char *xs_text_safe(const char *s, char *buf, size_t len)
{
	if (!len)
		return buf;
	size_t out = 0, n = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t cl = xs_utf8_char_len(p + i, n - i);
		if (cl && !is_control(p + i, cl)) {
			if (out + cl >= len)
				break;
			memcpy(buf + out, p + i, cl);
			out += cl;
			i += cl;
			continue;
		}
		/* Show each byte of what is not a printable character. */
		size_t bytes = cl ? cl : 1;
		if (out + 4 * bytes >= len)
			break;
		for (size_t k = 0; k < bytes; k++)
			out += (size_t)snprintf(buf + out, len - out, "\\x%02x", p[i + k]);
		i += bytes;
	}
	buf[out] = 0;
	return buf;
}

char *xs_text_safe_dup(const char *s)
{
	size_t len = strlen(s) * 4 + 1;
	return xs_text_safe(s, xs_malloc(len), len);
}

void xs_json_fputs(FILE *out, const char *s)
{
	fputc('"', out);
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t cl = xs_utf8_char_len(p + i, n - i);
		if (!cl) {
			fputs("\\ufffd", out); /* not UTF-8: the replacement character, one per byte */
			i++;
			continue;
		}
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (is_control(p + i, cl)) {
			fprintf(out, "\\u%04x", cl == 1 ? c : p[i + 1]); /* C1: U+0080..U+009F is the second byte */
		} else {
			fwrite(p + i, 1, cl, out);
		}
		i += cl;
	}
	fputc('"', out);
}

const char *xs_fmt_latency(double v, bool ticks, char *buf, size_t len)
{
	static const char *const ns[4] = {"ns", "us", "ms", "s"}, *const tsc[4] = {"ticks", "kticks", "Mticks",
										   "Gticks"};
	const char *const *unit = ticks ? tsc : ns;
	if (v < 1e3)
		snprintf(buf, len, "%.0f%s", v, unit[0]);
	else if (v < 1e6)
		snprintf(buf, len, "%.2f%s", v / 1e3, unit[1]);
	else if (v < 1e9)
		snprintf(buf, len, "%.2f%s", v / 1e6, unit[2]);
	else
		snprintf(buf, len, "%.2f%s", v / 1e9, unit[3]);
	return buf;
}
