/* SPDX-License-Identifier: MIT */
/*
 * Parsing the head of an HTTP/1.x request (RFC 9112), for the metrics endpoint: the request line and the
 * end of the header block. Only what a scrape needs is extracted (method, path without the query, version);
 * header fields are checked for shape and skipped. Pure: no I/O, the input is any bytes from the network.
 */
#ifndef EXITSCOPE_FLEET_HTTP_REQUEST_H
#define EXITSCOPE_FLEET_HTTP_REQUEST_H

#include <stddef.h>

#define XS_HTTP_HEAD_MAX 8192 /* a longer head is refused (431) */

enum xs_http_parse {
	XS_HTTP_INCOMPLETE = 0, /* no blank line yet: read more (up to XS_HTTP_HEAD_MAX) */
	XS_HTTP_OK = 1,		/* a well-formed head; the fields below are set */
	XS_HTTP_BAD = -1,	/* malformed: answer 400 */
	XS_HTTP_TOO_LARGE = -2, /* the head does not fit XS_HTTP_HEAD_MAX: answer 431 */
	XS_HTTP_VERSION = -3,	/* not HTTP/1.0 or 1.1: answer 505 */
};

struct xs_http_request {
	char method[16];
	char path[256];	 /* the target's path, without "?query"; a longer target is refused as 414 (URI_TOO_LONG) */
	int minor;	 /* HTTP/1.minor */
	size_t head_len; /* bytes of the head, the final CRLF CRLF included */
	int uri_too_long;
};

/* Parse buf[0..len). */
enum xs_http_parse xs_http_parse_request(const char *buf, size_t len, struct xs_http_request *req);

#endif
