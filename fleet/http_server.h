/* SPDX-License-Identifier: MIT */
/*
 * A small HTTP/1.1 server for the metrics endpoint: one thread, one connection at a time, GET and HEAD only,
 * "Connection: close" after every answer. Each connection gets XS_HTTP_IO_TIMEOUT_MS to send its head and
 * take the answer, so a slow or silent client delays the next scrape by at most that, never the producer:
 * the server thread does nothing else. Why not libmicrohttpd: one path, one verb, one client (Prometheus)
 * need ~200 lines we can fuzz and reason about, where the library brings its own thread pools and options.
 */
#ifndef EXITSCOPE_FLEET_HTTP_SERVER_H
#define EXITSCOPE_FLEET_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XS_HTTP_IO_TIMEOUT_MS 2000

/*
 * Write the answer's body for path to out. Return the HTTP status: 200 with *content_type set, or 404 (the
 * server writes its own short body for errors). Called on the server thread.
 */
typedef int (*xs_http_handler)(void *ctx, const char *path, FILE *out, const char **content_type);

struct xs_http_server;

/*
 * Listen on "ADDR:PORT" ("127.0.0.1:9464", "[::1]:9464", ":9464" for every address; port 0 picks one) and
 * serve from a thread. NULL with a one-line message ("cannot listen on 127.0.0.1:9464: Address already in
 * use") in err.
 */
struct xs_http_server *xs_http_server_start(const char *addr_port, xs_http_handler handler, void *ctx, char *err,
					    size_t errlen);
/* The address it listens on, as "ADDR:PORT" with the real port. */
const char *xs_http_server_address(const struct xs_http_server *s);
/* Requests answered so far (any status). */
uint64_t xs_http_server_requests(const struct xs_http_server *s);
/* Stop the thread, close the socket, free. */
void xs_http_server_stop(struct xs_http_server *s);

/* Split "ADDR:PORT" into host (empty for every address) and port. False when it is not that shape. */
int xs_http_split_addr(const char *addr_port, char *host, size_t hostlen, unsigned int *port);

#endif
