// SPDX-License-Identifier: MIT
/* The metrics endpoint's HTTP/1.1 server (fleet/http_server.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "fleet/http_request.h"
#include "fleet/http_server.h"

struct xs_http_server {
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	xs_http_handler handler;
	void *ctx;
	char address[128];
	_Atomic uint64_t requests;
};

int xs_http_split_addr(const char *addr_port, char *host, size_t hostlen, unsigned int *port)
{
	const char *colon = strrchr(addr_port, ':');
	if (!colon)
		return 0;
	const char *h = addr_port;
	size_t n = (size_t)(colon - addr_port);
	if (n && h[0] == '[') { /* [v6]:port */
		if (h[n - 1] != ']')
			return 0;
		h++;
		n -= 2;
	} else if (memchr(h, ':', n)) {
		return 0; /* a bare IPv6 address needs brackets */
	}
	uint64_t p;
	if (n >= hostlen || !xs_parse_range(colon + 1, 0, 65535, &p))
		return 0;
	memcpy(host, h, n);
	host[n] = 0;
	*port = (unsigned int)p;
	return 1;
}

/* Write all of buf, each wait bounded by the deadline. */
static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		uint64_t now = xs_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = {fd, POLLOUT, 0};
		int rc = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (rc <= 0) {
			if (rc < 0 && errno == EINTR)
				continue;
			return rc ? -errno : -ETIMEDOUT;
		}
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

static void respond(int fd, int status, const char *ctype, const char *body, size_t len, int head_only,
		    uint64_t deadline)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, status_text(status), ctype, len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (send_all(fd, head, (size_t)n, deadline) == 0 && !head_only)
		send_all(fd, body, len, deadline);
}

static void respond_error(int fd, int status, uint64_t deadline)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, status_text(status));
	respond(fd, status, "text/plain; charset=utf-8", body, (size_t)n, 0, deadline);
}

static void serve_connection(struct xs_http_server *s, int fd)
{
	char buf[XS_HTTP_HEAD_MAX];
	size_t len = 0;
	uint64_t deadline = xs_now_ns() + (uint64_t)XS_HTTP_IO_TIMEOUT_MS * 1000000;
	struct xs_http_request req;
	enum xs_http_parse rc = XS_HTTP_INCOMPLETE;
	while (rc == XS_HTTP_INCOMPLETE) {
		uint64_t now = xs_now_ns();
		if (now >= deadline) {
			respond_error(fd, 408, now + 100000000);
			return;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue; /* the deadline check answers 408 */
		ssize_t r = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return; /* the client went away before finishing its request */
		len += (size_t)r;
		rc = xs_http_parse_request(buf, len, &req);
	}
	atomic_fetch_add(&s->requests, 1);
	if (rc != XS_HTTP_OK) {
		respond_error(fd, rc == XS_HTTP_TOO_LARGE ? 431 : rc == XS_HTTP_VERSION ? 505 : 400, deadline);
		return;
	}
	if (req.uri_too_long) {
		respond_error(fd, 414, deadline);
		return;
	}
	int head_only = !strcmp(req.method, "HEAD");
	if (!head_only && strcmp(req.method, "GET")) {
		respond_error(fd, 405, deadline);
		return;
	}
	char *body = NULL;
	size_t body_len = 0;
	FILE *out = open_memstream(&body, &body_len);
	if (!out) {
		respond_error(fd, 500, deadline);
		return;
	}
	const char *ctype = "text/plain; charset=utf-8";
	int status = s->handler(s->ctx, req.path, out, &ctype);
	fclose(out);
	if (status == 200)
		respond(fd, 200, ctype, body, body_len, head_only, deadline);
	else
		respond_error(fd, status, deadline);
	free(body);
}

static void drain(int fd)
{
	char buf[4096];
	uint64_t deadline = xs_now_ns() + 200000000ull;
	size_t total = 0;
	while (total < (1u << 20)) {
		uint64_t now = xs_now_ns();
		if (now >= deadline)
			return;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			return;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			return;
		total += (size_t)r;
	}
}

static void *server_main(void *arg)
{
	struct xs_http_server *s = arg;
	pthread_setname_np(pthread_self(), "xs-metrics-http");
	for (;;) {
		struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue; /* EAGAIN, a connection reset before accept, EMFILE: the next poll retries */
		serve_connection(s, fd);
		/* Tell the client we are done writing, and read what it still sends for a moment before closing:
		 * closing with unread input resets the connection, and the client could lose our answer (a 431
		 * to a client still sending its oversized head). */
		shutdown(fd, SHUT_WR);
		drain(fd);
		close(fd);
	}
	return NULL;
}

struct xs_http_server *xs_http_server_start(const char *addr_port, xs_http_handler handler, void *ctx, char *err,
					    size_t errlen)
{
	char host[96], portstr[8];
	unsigned int port;
	if (!xs_http_split_addr(addr_port, host, sizeof(host), &port)) {
		snprintf(err, errlen, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9464, [::1]:9464, :9464)", addr_port);
		return NULL;
	}
	snprintf(portstr, sizeof(portstr), "%u", port);
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	int gai = getaddrinfo(host[0] ? host : NULL, portstr, &hints, &ai);
	if (gai) {
		snprintf(err, errlen, "'%s': %s (give a numeric address)", addr_port, gai_strerror(gai));
		return NULL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	struct xs_http_server *s = xs_calloc(1, sizeof(*s));
	s->fd = fd;
	s->handler = handler;
	s->ctx = ctx;
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	char numeric[INET6_ADDRSTRLEN] = "?";
	unsigned int bound = port;
	if (!getsockname(fd, (struct sockaddr *)&sa, &salen)) {
		if (sa.ss_family == AF_INET6) {
			struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&sa;
			inet_ntop(AF_INET6, &a6->sin6_addr, numeric, sizeof(numeric));
			bound = ntohs(a6->sin6_port);
		} else {
			struct sockaddr_in *a4 = (struct sockaddr_in *)&sa;
			inet_ntop(AF_INET, &a4->sin_addr, numeric, sizeof(numeric));
			bound = ntohs(a4->sin_port);
		}
	}
	snprintf(s->address, sizeof(s->address), sa.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", numeric, bound);
	int rc = pipe2(s->stop_pipe, O_CLOEXEC);
	if (!rc)
		rc = pthread_create(&s->thread, NULL, server_main, s);
	if (rc) {
		snprintf(err, errlen, "cannot start the metrics server thread: %s", strerror(rc < 0 ? errno : rc));
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

const char *xs_http_server_address(const struct xs_http_server *s)
{
	return s->address;
}

uint64_t xs_http_server_requests(const struct xs_http_server *s)
{
	return atomic_load(&s->requests);
}

void xs_http_server_stop(struct xs_http_server *s)
{
	if (!s)
		return;
	char c = 1;
	if (write(s->stop_pipe[1], &c, 1) != 1)
		xs_err("metrics server: cannot signal its thread to stop: %s", strerror(errno));
	pthread_join(s->thread, NULL);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	close(s->fd);
	free(s);
}
