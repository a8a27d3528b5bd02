/* SPDX-License-Identifier: MIT */
/*
 * A small snprintf for the freestanding core and the bare kernel: %s %c %d %u %x %X %p and %%, with the
 * length modifiers l, ll and z, a field width and the '0' and '-' flags. Always NUL-terminates (len > 0) and
 * returns the length the whole output needed, like snprintf.
 */
#ifndef KVMX_FMT_H
#define KVMX_FMT_H

#ifdef __KERNEL__
#include <linux/stdarg.h> /* the kernel builds without the compiler's headers */
#else
#include <stdarg.h>
#endif

#include "kmod-vmx/core/types.h"

kvmx_size_t kvmx_vsnprintf(char *buf, kvmx_size_t len, const char *fmt, va_list ap);
kvmx_size_t kvmx_snprintf(char *buf, kvmx_size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Fill an error with a formatted message. Returns -1 so callers can `return kvmx_fail(err, ...)`. */
int kvmx_fail(struct kvmx_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Freestanding helpers the core uses instead of libc. */
void kvmx_memset(void *dst, int c, kvmx_size_t n);
void kvmx_memcpy(void *dst, const void *src, kvmx_size_t n);
kvmx_size_t kvmx_strlen(const char *s);

#endif
