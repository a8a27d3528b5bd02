/* SPDX-License-Identifier: MIT */
/*
 * A bounded string builder with snprintf's contract: it writes at most len bytes including the NUL, and
 * counts the length it needed, so a caller can detect truncation and retry with a bigger buffer. No libc:
 * the renderers built on it link into the freestanding VT-x test kernel as well.
 */
#ifndef EXITSCOPE_DECODER_WRITER_H
#define EXITSCOPE_DECODER_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct xs_writer {
	char *buf;
	size_t len; /* capacity including the NUL */
	size_t pos; /* bytes needed so far (may exceed len) */
};

static inline void xs_w_init(struct xs_writer *w, char *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->pos = 0;
}

static inline void xs_w_ch(struct xs_writer *w, char c)
{
	if (w->pos + 1 < w->len)
		w->buf[w->pos] = c;
	w->pos++;
}

void xs_w_mem(struct xs_writer *w, const char *s, size_t n);
void xs_w_str(struct xs_writer *w, const char *s);
void xs_w_u64(struct xs_writer *w, uint64_t v);
void xs_w_i64(struct xs_writer *w, int64_t v);
void xs_w_hex(struct xs_writer *w, uint64_t v); /* 0x-prefixed lower-case hex */
/* A JSON string literal, quoted; control characters and invalid bytes are escaped (\u00XX). */
void xs_w_json_str(struct xs_writer *w, const char *s, size_t n);
/* NUL-terminate (truncating if needed) and return the length needed, as snprintf does. */
size_t xs_w_finish(struct xs_writer *w);

#endif
