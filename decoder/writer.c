// SPDX-License-Identifier: MIT
#include "decoder/writer.h"
#include "decoder/strings.h"

void xs_w_mem(struct xs_writer *w, const char *s, size_t n)
{
	size_t room = w->pos + 1 < w->len ? w->len - 1 - w->pos : 0;
	size_t copy = n < room ? n : room;
	/* A freestanding build may turn this into a call to memcpy, which every environment provides. */
	__builtin_memcpy(w->buf + w->pos, s, copy);
	w->pos += n;
}

void xs_w_str(struct xs_writer *w, const char *s)
{
	xs_w_mem(w, s, xs_strlen(s));
}

void xs_w_u64(struct xs_writer *w, uint64_t v)
{
	if (v < 10) { /* most decoded fields are single bits */
		xs_w_ch(w, (char)('0' + v));
		return;
	}
	char tmp[20];
	size_t n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	xs_w_mem(w, tmp + sizeof(tmp) - n, n);
}

void xs_w_i64(struct xs_writer *w, int64_t v)
{
	if (v < 0) {
		xs_w_ch(w, '-');
		xs_w_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		xs_w_u64(w, (uint64_t)v);
	}
}

void xs_w_hex(struct xs_writer *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[18];
	size_t n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v & 0xf];
		v >>= 4;
	} while (v);
	tmp[sizeof(tmp) - 1 - n++] = 'x';
	tmp[sizeof(tmp) - 1 - n++] = '0';
	xs_w_mem(w, tmp + sizeof(tmp) - n, n);
}

void xs_w_json_str(struct xs_writer *w, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	xs_w_ch(w, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* Escape controls, quotes, backslashes and every non-ASCII byte: the output is always valid JSON,
		 * whatever bytes the input line held. */
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		xs_w_mem(w, s + start, i - start);
		start = i + 1;
		if (c == '"' || c == '\\') {
			xs_w_ch(w, '\\');
			xs_w_ch(w, (char)c);
		} else {
			xs_w_mem(w, "\\u00", 4);
			xs_w_ch(w, digits[c >> 4]);
			xs_w_ch(w, digits[c & 0xf]);
		}
	}
	xs_w_mem(w, s + start, n - start);
	xs_w_ch(w, '"');
}

size_t xs_w_finish(struct xs_writer *w)
{
	if (w->len)
		w->buf[w->pos < w->len ? w->pos : w->len - 1] = 0;
	return w->pos;
}
