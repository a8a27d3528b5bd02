// SPDX-License-Identifier: MIT
/* Fuzz the metrics endpoint's request parser (any bytes a network client sends): no input may crash it or read
 * past its length; what it accepts has a head inside the input, a GET-shaped method and a path from '/'. The
 * parse of a prefix never contradicts the whole: a head found in a prefix is found, at the same length, in
 * the whole input. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * XS_HTTP_HEAD_MAX)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct xs_http_request req, whole;
	enum xs_http_parse rc = xs_http_parse_request(buf, size, &whole);
	if (rc == XS_HTTP_OK) {
		assert(whole.head_len > 0 && whole.head_len <= size);
		assert(whole.method[0] && strlen(whole.method) < sizeof(whole.method));
		assert(whole.uri_too_long || whole.path[0] == '/' || whole.path[0] == '*');
		assert(whole.minor >= 0 && whole.minor <= 9);
		/* The head alone parses the same. */
		struct xs_http_request head;
		assert(xs_http_parse_request(buf, whole.head_len, &head) == XS_HTTP_OK);
		assert(head.head_len == whole.head_len && !strcmp(head.path, whole.path));
	}
	/* A prefix that already holds a full head agrees with the whole input. */
	size_t cut = size ? data[0] % (size + 1) : 0;
	if (xs_http_parse_request(buf, cut, &req) == XS_HTTP_OK)
		assert(rc == XS_HTTP_OK && req.head_len == whole.head_len);
	free(buf);
	return 0;
}
