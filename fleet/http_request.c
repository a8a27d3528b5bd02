// SPDX-License-Identifier: MIT
/* The request-head parser of the metrics endpoint (fleet/http_request.h). */
#include <string.h>

#include "fleet/http_request.h"

/* RFC 9110 tchar: the characters of a method or a header field name. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the line starting at p (its CR, or LF when a bare LF ends it), or NULL. */
static const char *line_end(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	if (!lf)
		return NULL;
	return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

static const char *next_line(const char *eol)
{
	return *eol == '\r' ? eol + 2 : eol + 1;
}

static enum xs_http_parse request_line(const char *p, const char *eol, struct xs_http_request *req)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(req->method))
		return XS_HTTP_BAD;
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar((unsigned char)*q))
			return XS_HTTP_BAD;
	memcpy(req->method, p, (size_t)(sp1 - p));
	req->method[sp1 - p] = 0;

	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (!sp2 || sp2 == target)
		return XS_HTTP_BAD;
	for (const char *q = target; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return XS_HTTP_BAD;
	if (*target != '/' && !(sp2 - target == 1 && *target == '*'))
		return XS_HTTP_BAD; /* origin-form only (absolute-form is for proxies) */
	const char *qm = memchr(target, '?', (size_t)(sp2 - target));
	const char *path_end = qm ? qm : sp2;
	if ((size_t)(path_end - target) >= sizeof(req->path)) {
		req->uri_too_long = 1;
		req->path[0] = 0;
	} else {
		memcpy(req->path, target, (size_t)(path_end - target));
		req->path[path_end - target] = 0;
	}

	const char *ver = sp2 + 1;
	if (eol - ver != 8 || memcmp(ver, "HTTP/", 5) || ver[5] < '0' || ver[5] > '9' || ver[6] != '.' ||
	    ver[7] < '0' || ver[7] > '9')
		return XS_HTTP_BAD;
	if (ver[5] != '1')
		return XS_HTTP_VERSION;
	req->minor = ver[7] - '0';
	return XS_HTTP_OK;
}

/* A header field line: name ":" value, the name a token, no control characters but tab in the value. */
static int header_ok(const char *p, const char *eol)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	if (!colon || colon == p)
		return 0;
	for (const char *q = p; q < colon; q++)
		if (!is_tchar((unsigned char)*q))
			return 0;
	for (const char *q = colon + 1; q < eol; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
			return 0;
	return 1;
}

enum xs_http_parse xs_http_parse_request(const char *buf, size_t len, struct xs_http_request *req)
{
	memset(req, 0, sizeof(*req));
	const char *p = buf, *end = buf + (len > XS_HTTP_HEAD_MAX ? XS_HTTP_HEAD_MAX : len);
	/* RFC 9112 2.2: ignore at least one empty line before the request line. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	const char *eol = line_end(p, end);
	if (!eol)
		return len >= XS_HTTP_HEAD_MAX ? XS_HTTP_TOO_LARGE : XS_HTTP_INCOMPLETE;
	enum xs_http_parse rc = request_line(p, eol, req);
	if (rc != XS_HTTP_OK)
		return rc;
	for (p = next_line(eol);; p = next_line(eol)) {
		eol = line_end(p, end);
		if (!eol)
			return len >= XS_HTTP_HEAD_MAX ? XS_HTTP_TOO_LARGE : XS_HTTP_INCOMPLETE;
		if (eol == p) { /* the blank line: the head ends */
			req->head_len = (size_t)(next_line(eol) - buf);
			return XS_HTTP_OK;
		}
		if (*p == ' ' || *p == '\t' || !header_ok(p, eol))
			return XS_HTTP_BAD; /* obsolete line folding is refused (RFC 9112 5.2) */
	}
}
