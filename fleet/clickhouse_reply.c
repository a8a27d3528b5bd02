// SPDX-License-Identifier: MIT
/* Parsing ClickHouse's HTTP replies (fleet/clickhouse_reply.h). */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "fleet/clickhouse_reply.h"

static const char *find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

/* Copy [p, end) as printable ASCII on one line. */
static void one_line(const char *p, const char *end, char *out, size_t outlen)
{
	size_t o = 0;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r'))
		p++;
	for (; p < end && o + 1 < outlen; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '?';
		if (c == ' ' && o && out[o - 1] == ' ')
			continue;
		out[o++] = (char)c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	if (outlen)
		out[o] = 0;
}

int xs_ch_error_line(const char *body, size_t len, char *out, size_t outlen)
{
	int code = -1;
	const char *p = body, *end = body + len;
	if (len > 6 && !memcmp(body, "Code: ", 6)) {
		code = 0;
		for (p = body + 6; p < end && *p >= '0' && *p <= '9' && code < 100000; p++)
			code = code * 10 + (*p - '0');
		const char *msg = find(p, (size_t)(end - p), "DB::Exception: ");
		if (msg) {
			p = msg + strlen("DB::Exception: ");
			const char *what = find(p, (size_t)(end - p), ", e.what() = ");
			if (what)
				end = what;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl && nl > p)
			end = nl; /* the first line: parse errors append a long per-column dump */
		char msgbuf[512];
		one_line(p, end, msgbuf, sizeof(msgbuf));
		snprintf(out, outlen, "error %d: %s", code, msgbuf);
		return code;
	}
	const char *nl = memchr(p, '\n', len);
	one_line(p, nl ? nl : end, out, outlen);
	if (outlen && !out[0])
		snprintf(out, outlen, "(empty reply)");
	return code;
}

size_t xs_ch_tsv_rows(const char *body, size_t len)
{
	size_t rows = 0;
	for (size_t i = 0; i < len; i++)
		rows += body[i] == '\n';
	if (len && body[len - 1] != '\n')
		rows++;
	return rows;
}

bool xs_ch_tsv_field(const char *body, size_t len, size_t row, size_t field, char *out, size_t outlen)
{
	const char *p = body, *end = body + len;
	for (size_t r = 0; r < row; r++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	if (p >= end)
		return false;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	for (size_t f = 0; f < field; f++) {
		const char *tab = memchr(p, '\t', (size_t)(eol - p));
		if (!tab)
			return false;
		p = tab + 1;
	}
	size_t o = 0;
	for (; p < eol && *p != '\t'; p++) {
		char c = *p;
		if (c == '\\') {
			if (++p >= eol)
				return false;
			switch (*p) {
			case 't':
				c = '\t';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '0':
				c = 0;
				break;
			default:
				c = *p;
				break; /* \\ \' and any other escaped character as itself */
			}
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = c;
	}
	if (!outlen)
		return false;
	out[o] = 0;
	return true;
}

bool xs_ch_tsv_u64(const char *body, size_t len, size_t row, size_t field, uint64_t *out)
{
	char buf[32];
	if (!xs_ch_tsv_field(body, len, row, field, buf, sizeof(buf)) || !buf[0])
		return false;
	for (const char *q = buf; *q; q++)
		if (*q < '0' || *q > '9')
			return false; /* no hex, no sign: ClickHouse prints UInt64 in decimal */
	return xs_parse_u64(buf, out) && (buf[0] != '0' || !buf[1]);
}
