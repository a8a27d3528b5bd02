// SPDX-License-Identifier: MIT
/* ClickHouse's HTTP interface through libcurl (fleet/clickhouse.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "fleet/clickhouse.h"
#include "fleet/clickhouse_reply.h"

#ifndef XS_NO_LIBCURL
#include <curl/curl.h>
#include <pthread.h>
#include <zlib.h>

#define REPLY_MAX (64u << 20) /* a reply larger than this is refused: ship's queries return a few rows */

struct xs_ch {
	CURL *curl;
	char *url;  /* as given, for messages */
	char *base; /* scheme://host:port/path?params& ready for query= */
	char *body;
	size_t len, cap;
	int overflow;
	struct xs_ch_wire wire;
	unsigned char *zbuf; /* the compressed body */
	size_t zcap;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct xs_ch *c = arg;
	size_t len = size * n;
	if (c->len + len + 1 > REPLY_MAX) {
		c->overflow = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (c->len + len + 1 > c->cap) {
		while (c->len + len + 1 > c->cap)
			c->cap = c->cap ? c->cap * 2 : 4096;
		c->body = xs_realloc(c->body, c->cap);
	}
	memcpy(c->body + c->len, data, len);
	c->len += len;
	c->body[c->len] = 0;
	return len;
}

struct xs_ch *xs_ch_open(const char *url, char *err, size_t errlen)
{
	pthread_once(&curl_once, curl_init);
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL;
	struct xs_ch *c = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		snprintf(err, errlen, "'%s' is not a URL (give http://HOST:PORT, e.g. http://127.0.0.1:8123)", url);
		goto out;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		snprintf(err, errlen, "'%s': ClickHouse's HTTP interface needs http:// or https://, not %s://", url,
			 scheme);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0)) {
		snprintf(err, errlen, "'%s': a URL fragment (#...) has no meaning here", url);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &query, 0) && strstr(query, "query=")) {
		snprintf(err, errlen, "'%s': the URL must not carry a query= of its own", url);
		goto out;
	}
	c = xs_calloc(1, sizeof(*c));
	c->curl = curl_easy_init();
	if (!c->curl) {
		snprintf(err, errlen, "cannot start libcurl");
		free(c);
		c = NULL;
		goto out;
	}
	c->url = xs_strdup(url);
	c->base = xs_asprintf("%s%s", url, query ? "&" : strchr(url, '?') ? "" : "?");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(fragment);
	curl_url_cleanup(u);
	return c;
}

void xs_ch_close(struct xs_ch *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->url);
	free(c->base);
	free(c->body);
	free(c->zbuf);
	free(c);
}

/* gzip body into c->zbuf (level 1: most of the gain for little CPU); its length, or 0 on failure. */
static size_t gzip_body(struct xs_ch *c, const char *body, size_t len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	size_t need = deflateBound(&z, (uLong)len);
	if (need > c->zcap) {
		c->zbuf = xs_realloc(c->zbuf, need);
		c->zcap = need;
	}
	z.next_in = (Bytef *)body;
	z.avail_in = (uInt)len;
	z.next_out = c->zbuf;
	z.avail_out = (uInt)need;
	int rc = deflate(&z, Z_FINISH);
	size_t out = rc == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return out;
}

int xs_ch_query(struct xs_ch *c, const char *sql, const char *query_id, const char *body, size_t body_len, int gzip,
		long timeout_s, struct xs_ch_reply *out, char *err, size_t errlen)
{
	if (gzip && body && body_len && body_len < UINT32_MAX) {
		size_t z = gzip_body(c, body, body_len);
		if (!z) {
			snprintf(err, errlen, "cannot gzip a request body of %zu bytes", body_len);
			return -1;
		}
		body = (const char *)c->zbuf;
		body_len = z;
	} else {
		gzip = 0;
	}
	char *esc_sql = curl_easy_escape(c->curl, sql, 0);
	char *esc_id = query_id ? curl_easy_escape(c->curl, query_id, 0) : NULL;
	char *full = xs_asprintf("%squery=%s%s%s", c->base, esc_sql, esc_id ? "&query_id=" : "", esc_id ? esc_id : "");
	curl_free(esc_sql);
	curl_free(esc_id);

	CURL *h = c->curl;
	c->len = 0;
	c->overflow = 0;
	if (c->body)
		c->body[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
	struct curl_slist *headers = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
	if (gzip)
		headers = curl_slist_append(headers, "Content-Encoding: gzip");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(headers);
	free(full);

	curl_off_t up = 0, down = 0;
	long req_size = 0, hdr_size = 0;
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req_size);
	curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr_size);
	c->wire.requests++;
	c->wire.sent += (uint64_t)up + (uint64_t)req_size;
	c->wire.received += (uint64_t)down + (uint64_t)hdr_size;

	out->body = c->body ? c->body : "";
	out->len = c->len;
	out->status = 0;
	if (rc != CURLE_OK) {
		if (c->overflow)
			snprintf(err, errlen, "ClickHouse at %s sent a reply over %u MiB", c->url, REPLY_MAX >> 20);
		else
			snprintf(err, errlen, "cannot reach ClickHouse at %s: %s", c->url, curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	if (out->status != 200) {
		char line[400];
		int code = xs_ch_error_line(out->body, out->len, line, sizeof(line));
		if (code >= 0)
			snprintf(err, errlen, "ClickHouse %s", line);
		else
			snprintf(err, errlen, "%s does not answer like ClickHouse's HTTP interface (HTTP %ld: %s)",
				 c->url, out->status, line);
		return -1;
	}
	return 0;
}

void xs_ch_wire(const struct xs_ch *c, struct xs_ch_wire *out)
{
	*out = c->wire;
}

#else
/*
 * A static build (STATIC=1, the test hosts' initramfs) has no libcurl: Debian ships no static libraries for its
 * dependencies (GSSAPI, LDAP, nghttp2, libssh2, ...). There the client refuses, saying why.
 */
struct xs_ch {
	int unused;
};

struct xs_ch *xs_ch_open(const char *url, char *err, size_t errlen)
{
	snprintf(err, errlen, "this exitscope is linked statically, without libcurl: ship %s needs the dynamic build",
		 url);
	return NULL;
}

void xs_ch_close(struct xs_ch *c)
{
	(void)c;
}

int xs_ch_query(struct xs_ch *c, const char *sql, const char *query_id, const char *body, size_t body_len, int gzip,
		long timeout_s, struct xs_ch_reply *out, char *err, size_t errlen)
{
	(void)c, (void)sql, (void)query_id, (void)body, (void)body_len, (void)gzip, (void)timeout_s;
	memset(out, 0, sizeof(*out));
	snprintf(err, errlen, "this exitscope is linked statically, without libcurl");
	return -1;
}

void xs_ch_wire(const struct xs_ch *c, struct xs_ch_wire *out)
{
	(void)c;
	memset(out, 0, sizeof(*out));
}
#endif

int xs_ch_quote(char *buf, size_t len, const char *text)
{
	size_t o = strlen(buf);
	if (o + 1 >= len)
		return 0;
	buf[o++] = '\'';
	for (; *text; text++) {
		if (*text == '\'' || *text == '\\') {
			if (o + 1 >= len)
				return 0;
			buf[o++] = '\\';
		}
		if (o + 1 >= len)
			return 0;
		buf[o++] = *text;
	}
	if (o + 2 > len)
		return 0;
	buf[o++] = '\'';
	buf[o] = 0;
	return 1;
}
