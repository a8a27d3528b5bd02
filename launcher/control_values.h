/* SPDX-License-Identifier: MIT */
/*
 * The value grammars of the control spec (docs/controls.md): booleans, range lists, injection items,
 * breakpoints, durations. Internal to launcher/controls.c; split out so each file has one job.
 * Every parser returns 0, or -1 with a message in err that names what is wrong (not the key: the caller
 * prefixes it).
 */
#ifndef EXITSCOPE_LAUNCHER_CONTROL_VALUES_H
#define EXITSCOPE_LAUNCHER_CONTROL_VALUES_H

#include <stddef.h>

#include "launcher/controls.h"

int xs_cv_bool(const char *s, bool *out, char *err, size_t errlen);

/*
 * "all" | "none" | ITEM[,ITEM...], ITEM = N | N-M | N+LEN, every value at most max. allow_all: whether
 * "all" is accepted; max_ranges: at most this many items.
 */
int xs_cv_range_list(const char *s, uint64_t max, bool allow_all, unsigned int max_ranges, struct xs_range_list *out,
		     char *err, size_t errlen);
int xs_cv_range_list_format(const struct xs_range_list *l, char *buf, size_t len);

/* A duration: a number and a unit ns, us, ms or s ("250us"). */
int xs_cv_duration_ns(const char *s, uint64_t *out, char *err, size_t errlen);

/* One injection item: irq:VECTOR@WHEN, nmi@WHEN, exc:VECTOR[:ERROR]@WHEN. */
int xs_cv_inject(const char *s, struct xs_inject *out, char *err, size_t errlen);

/* One breakpoint: ADDR[/x|w|rw[/LEN]], ADDR a number or @symbol. */
int xs_cv_hwbp(const char *s, struct xs_hwbp *out, char *err, size_t errlen);

/* Split s at commas into at most max trimmed items (in a scratch copy); returns the count or -1. */
int xs_cv_split(char *s, char **items, int max);

/* Trim spaces in place; returns the trimmed start. */
char *xs_cv_trim(char *s);

#endif
