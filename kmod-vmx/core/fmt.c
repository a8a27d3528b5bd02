// SPDX-License-Identifier: MIT
/* The core's formatter: enough printf to name a control and print register values, nothing more. */
#include "kmod-vmx/core/fmt.h"

struct out {
	char *buf;
	kvmx_size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_padded(struct out *o, const char *s, kvmx_size_t n, unsigned int width, bool left, char pad)
{
	kvmx_size_t fill = width > n ? width - n : 0;

	if (!left)
		while (fill--)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill--)
			put(o, ' ');
}

static void put_number(struct out *o, u64 v, bool negative, unsigned int base, bool upper, unsigned int width,
		       bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (zero && width) {
			put(o, '-');
			width--;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, (kvmx_size_t)n, width, left, zero && !left ? '0' : ' ');
}

kvmx_size_t kvmx_vsnprintf(char *buf, kvmx_size_t len, const char *fmt, va_list ap)
{
	struct out o = {buf, len, 0};

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		bool left = false, zero = false;
		unsigned int width = 0, lng = 0;

		for (p++; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				left = true;
			else
				zero = true;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (unsigned int)(*p++ - '0');
		while (*p == 'l' || *p == 'z') {
			lng += *p == 'z' ? 2 : 1;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s, kvmx_strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			u64 mag = v < 0 ? (u64)0 - (u64)v : (u64)v;
			put_number(&o, mag, v < 0, 10, false, width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			u64 v = lng >= 2 ? va_arg(ap, unsigned long long)
				: lng	 ? va_arg(ap, unsigned long)
					 : va_arg(ap, unsigned int);
			put_number(&o, v, false, *p == 'u' ? 10 : 16, *p == 'X', width, left, zero);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (u64)(__UINTPTR_TYPE__)va_arg(ap, void *), false, 16, false, width, left, zero);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end: print nothing more */
			break;
		default: /* unknown conversion: show it as written */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

kvmx_size_t kvmx_snprintf(char *buf, kvmx_size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmx_size_t n = kvmx_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int kvmx_fail(struct kvmx_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	kvmx_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void kvmx_memset(void *dst, int c, kvmx_size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
}

void kvmx_memcpy(void *dst, const void *src, kvmx_size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

kvmx_size_t kvmx_strlen(const char *s)
{
	kvmx_size_t n = 0;

	while (s[n])
		n++;
	return n;
}
