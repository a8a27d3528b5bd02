// SPDX-License-Identifier: MIT
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "exitscope";

void xs_set_progname(const char *name)
{
	progname = name;
}

const char *xs_progname(void)
{
	return progname;
}

static void vreport(const char *fmt, va_list ap)
{
	/* One write per message so lines from several threads do not interleave. */
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s: ", progname);
	if (n < 0)
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
}

void xs_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

noreturn void xs_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	exit(1);
}

static void *check(void *p, size_t n)
{
	if (!p && n)
		xs_die("out of memory allocating %zu bytes", n);
	return p;
}

void *xs_malloc(size_t n)
{
	return check(malloc(n ? n : 1), n);
}

void *xs_calloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *xs_realloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1), n);
}

char *xs_strdup(const char *s)
{
	return check(strdup(s), strlen(s) + 1);
}

char *xs_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xs_die("out of memory formatting a string");
	return s;
}

bool xs_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	int base = 10;
	const char *digits = s;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		digits = s + 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		digits = s + 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		digits = s + 1;
	}
	if (!*digits || *digits == '-' || *digits == '+' || *digits == ' ')
		return false;
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(digits, &end, base);
	if (errno || !end || *end)
		return false;
	*out = v;
	return true;
}

bool xs_parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (!xs_parse_u64(s, &v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool xs_parse_seconds(const char *s, double *out)
{
	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	char *end = NULL;
	double v = strtod(s, &end);
	/* Bounded so that every caller may turn it into ns in 64 bits (1e9 s * 1e9 < 2^64): an unbounded
	 * value once overflowed the conversion and stopped a run at once. */
	if (errno || !end || *end || !isfinite(v) || v < 0 || v > XS_SECONDS_MAX)
		return false;
	*out = v;
	return true;
}

void xs_deadline_after_ms(struct timespec *ts, unsigned int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

uint64_t xs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

char *xs_join_args(const char *prog, int argc, char **argv)
{
	size_t len = strlen(prog) + 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = xs_malloc(len);
	strcpy(s, prog);
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

bool xs_process_cmdline(uint32_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	int fd = len ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	while (n > 0 && !buf[n - 1]) /* the last argument's NUL */
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = 0;
	return n > 0;
}
