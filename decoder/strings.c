// SPDX-License-Identifier: MIT
#include "decoder/strings.h"

size_t xs_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int xs_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int xs_strncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
		if (x != y || !x)
			return x - y;
	}
	return 0;
}

int xs_strcasecmp(const char *a, const char *b)
{
	return xs_strncasecmp(a, b, (size_t)-1);
}

bool xs_str_to_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned int d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && lower((unsigned char)*s) >= 'a' && lower((unsigned char)*s) <= 'f')
			d = (unsigned int)(lower((unsigned char)*s) - 'a' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}
