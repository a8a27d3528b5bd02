/* SPDX-License-Identifier: MIT */
/*
 * A strict JSON syntax check (RFC 8259) for the decoder's tests and fuzz targets: every line the decoder
 * renders must parse. Header-only; returns true when s[0..len) is exactly one JSON value.
 */
#ifndef EXITSCOPE_TEST_DECODER_JSON_CHECK_H
#define EXITSCOPE_TEST_DECODER_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct jc {
	const char *s;
	size_t len, pos;
	int depth;
};

static bool jc_value(struct jc *j);

static void jc_ws(struct jc *j)
{
	while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]) && j->s[j->pos])
		j->pos++;
}

static bool jc_lit(struct jc *j, const char *lit)
{
	size_t n = strlen(lit);
	if (j->len - j->pos < n || memcmp(j->s + j->pos, lit, n))
		return false;
	j->pos += n;
	return true;
}

static bool jc_string(struct jc *j)
{
	if (j->pos >= j->len || j->s[j->pos] != '"')
		return false;
	j->pos++;
	while (j->pos < j->len) {
		unsigned char c = (unsigned char)j->s[j->pos++];
		if (c == '"')
			return true;
		if (c < 0x20 || c >= 0x80) /* the decoder escapes every non-ASCII byte */
			return false;
		if (c == '\\') {
			if (j->pos >= j->len)
				return false;
			c = (unsigned char)j->s[j->pos++];
			if (c == 'u') {
				for (int i = 0; i < 4; i++) {
					if (j->pos >= j->len || !strchr("0123456789abcdefABCDEF", j->s[j->pos]) ||
					    !j->s[j->pos])
						return false;
					j->pos++;
				}
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return false;
			}
		}
	}
	return false;
}

static bool jc_digits(struct jc *j)
{
	size_t start = j->pos;
	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start;
}

static bool jc_number(struct jc *j)
{
	if (j->pos < j->len && j->s[j->pos] == '-')
		j->pos++;
	if (j->pos < j->len && j->s[j->pos] == '0')
		j->pos++;
	else if (!jc_digits(j))
		return false;
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (!jc_digits(j))
			return false;
	}
	if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->s[j->pos] == '+' || j->s[j->pos] == '-'))
			j->pos++;
		if (!jc_digits(j))
			return false;
	}
	return true;
}

static bool jc_container(struct jc *j, char close, bool object)
{
	if (++j->depth > 64)
		return false;
	j->pos++;
	jc_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		j->depth--;
		return true;
	}
	for (;;) {
		jc_ws(j);
		if (object) {
			if (!jc_string(j))
				return false;
			jc_ws(j);
			if (j->pos >= j->len || j->s[j->pos++] != ':')
				return false;
		}
		if (!jc_value(j))
			return false;
		jc_ws(j);
		if (j->pos >= j->len)
			return false;
		char c = j->s[j->pos++];
		if (c == close) {
			j->depth--;
			return true;
		}
		if (c != ',')
			return false;
	}
}

static bool jc_value(struct jc *j)
{
	jc_ws(j);
	if (j->pos >= j->len)
		return false;
	switch (j->s[j->pos]) {
	case '{':
		return jc_container(j, '}', true);
	case '[':
		return jc_container(j, ']', false);
	case '"':
		return jc_string(j);
	case 't':
		return jc_lit(j, "true");
	case 'f':
		return jc_lit(j, "false");
	case 'n':
		return jc_lit(j, "null");
	default:
		return jc_number(j);
	}
}

static inline bool json_valid(const char *s, size_t len)
{
	struct jc j = {s, len, 0, 0};
	if (!jc_value(&j))
		return false;
	jc_ws(&j);
	return j.pos == len;
}

#endif
