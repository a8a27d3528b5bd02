/* SPDX-License-Identifier: MIT */
/*
 * A client of ClickHouse's HTTP interface (libcurl): one statement per request, its data (INSERT rows) in the
 * body, an optional query_id. Replies are read whole; errors come back as one line naming the server and the
 * cause ("cannot reach ClickHouse at http://127.0.0.1:8123: Couldn't connect to server", "ClickHouse error 60:
 * Table exitscope.exits doesn't exist."). Not thread-safe: one connection, reused (HTTP keep-alive).
 */
#ifndef EXITSCOPE_FLEET_CLICKHOUSE_H
#define EXITSCOPE_FLEET_CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>

struct xs_ch;

struct xs_ch_reply {
	char *body; /* NUL-terminated; owned by the client, valid until the next request */
	size_t len;
	long status; /* HTTP status */
};

/* Wire totals: what left and came back, headers included. */
struct xs_ch_wire {
	uint64_t requests, sent, received;
};

/*
 * Check the URL's shape (http:// or https://, a host, no fragment) and prepare a client. Credentials and
 * settings may ride in the URL's query ("?user=u&password=p"). NULL with a one-line message in err.
 */
struct xs_ch *xs_ch_open(const char *url, char *err, size_t errlen);
void xs_ch_close(struct xs_ch *c);

/*
 * Run sql (its data in body, body_len bytes, or none). 0 when the server answered 200; else -1 and one line in
 * err (unreachable, timed out, refused, or the server's own exception). timeout_s bounds the whole request.
 * With gzip the body travels gzip-compressed (Content-Encoding: gzip, which ClickHouse decodes).
 */
int xs_ch_query(struct xs_ch *c, const char *sql, const char *query_id, const char *body, size_t body_len, int gzip,
		long timeout_s, struct xs_ch_reply *out, char *err, size_t errlen);

void xs_ch_wire(const struct xs_ch *c, struct xs_ch_wire *out);

/* sql-quoted: 'text' with ' and \ escaped, appended to buf (capacity len); false when it does not fit. */
int xs_ch_quote(char *buf, size_t len, const char *text);

#endif
