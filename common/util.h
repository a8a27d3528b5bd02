/* SPDX-License-Identifier: MIT */
/* Small helpers every exitscope program uses: errors, allocation that fails loudly, number parsing, clocks. */
#ifndef EXITSCOPE_UTIL_H
#define EXITSCOPE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define XS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define XS_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* The program name errors are prefixed with ("exitscope" unless set). */
void xs_set_progname(const char *name);
const char *xs_progname(void);

/* "exitscope: <message>" on stderr. */
void xs_err(const char *fmt, ...) XS_PRINTF(1, 2);
/* Like xs_err, then exit(1). */
noreturn void xs_die(const char *fmt, ...) XS_PRINTF(1, 2);

/* Allocators that print and exit on failure: callers never see NULL. */
void *xs_malloc(size_t n);
void *xs_calloc(size_t n, size_t size);
void *xs_realloc(void *p, size_t n);
char *xs_strdup(const char *s);
char *xs_asprintf(const char *fmt, ...) XS_PRINTF(1, 2);
/* "prog arg1 arg2 ..." (malloc'd): a command line for run metadata. */
char *xs_join_args(const char *prog, int argc, char **argv);
/*
 * The command line of process PID from /proc/PID/cmdline, its arguments joined by spaces, in buf (cut to len):
 * how a VM process is named in run metadata (`target.cmdline`). False when the process is gone or has none.
 */
bool xs_process_cmdline(uint32_t pid, char *buf, size_t len);

/*
 * Parse a whole string as an unsigned number: decimal, 0x hex, 0b binary, or 0o/leading-0 octal; an optional
 * size suffix is not accepted. Returns false (and leaves *out alone) on empty input, junk, or overflow.
 */
bool xs_parse_u64(const char *s, uint64_t *out);
/* As xs_parse_u64, and the value must lie in [min, max]. */
bool xs_parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A non-negative duration in seconds, fractions allowed ("2.5"), at most XS_SECONDS_MAX (~31 years). */
#define XS_SECONDS_MAX 1e9
bool xs_parse_seconds(const char *s, double *out);

/* CLOCK_MONOTONIC in ns: the clock exit records use. */
uint64_t xs_now_ns(void);
/* CLOCK_REALTIME timeout_ms from now, for pthread_cond_timedwait. */
struct timespec;
void xs_deadline_after_ms(struct timespec *ts, unsigned int timeout_ms);

#endif
