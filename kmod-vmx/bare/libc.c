// SPDX-License-Identifier: MIT
/* The four functions GCC may call in freestanding code (struct copies, the decoder's tables). */
#include "kmod-vmx/core/types.h"

void *memcpy(void *dst, const void *src, kvmx_size_t n);
void *memmove(void *dst, const void *src, kvmx_size_t n);
void *memset(void *dst, int c, kvmx_size_t n);
int memcmp(const void *a, const void *b, kvmx_size_t n);

void *memcpy(void *dst, const void *src, kvmx_size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, kvmx_size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, kvmx_size_t n)
{
	u8 *d = dst;

	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, kvmx_size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}
