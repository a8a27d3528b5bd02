// SPDX-License-Identifier: MIT
#include "collector/tidmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct xs_tidmap {
	size_t value_size, slot_size, cap, count;
	unsigned char *slots; /* each: u32 used, u32 tid, value (8-byte aligned) */
};

#define SLOT_HDR 8

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct xs_tidmap *xs_tidmap_new(size_t value_size)
{
	struct xs_tidmap *m = xs_calloc(1, sizeof(*m));
	m->value_size = value_size;
	m->slot_size = SLOT_HDR + round8(value_size);
	m->cap = 16;
	m->slots = xs_calloc(m->cap, m->slot_size);
	return m;
}

void xs_tidmap_free(struct xs_tidmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static unsigned char *slot(const struct xs_tidmap *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

static size_t home(uint32_t tid, size_t cap)
{
	return (size_t)(tid * 2654435761u) & (cap - 1);
}

/* The slot holding tid, or the empty slot where it would go. */
static size_t probe(const struct xs_tidmap *m, uint32_t tid)
{
	size_t i = home(tid, m->cap);
	for (;;) {
		uint32_t *h = (uint32_t *)slot(m, i);
		if (!h[0] || h[1] == tid)
			return i;
		i = (i + 1) & (m->cap - 1);
	}
}

void *xs_tidmap_find(const struct xs_tidmap *m, uint32_t tid)
{
	size_t i = probe(m, tid);
	uint32_t *h = (uint32_t *)slot(m, i);
	return h[0] ? slot(m, i) + SLOT_HDR : NULL;
}

static void grow(struct xs_tidmap *m)
{
	unsigned char *old = m->slots;
	size_t old_cap = m->cap;
	m->cap *= 2;
	m->slots = xs_calloc(m->cap, m->slot_size);
	for (size_t i = 0; i < old_cap; i++) {
		unsigned char *s = old + i * m->slot_size;
		if (!((uint32_t *)s)[0])
			continue;
		memcpy(slot(m, probe(m, ((uint32_t *)s)[1])), s, m->slot_size);
	}
	free(old);
}

void *xs_tidmap_get(struct xs_tidmap *m, uint32_t tid, bool *created)
{
	size_t i = probe(m, tid);
	uint32_t *h = (uint32_t *)slot(m, i);
	if (h[0]) {
		if (created)
			*created = false;
		return slot(m, i) + SLOT_HDR;
	}
	if (2 * (m->count + 1) > m->cap) {
		grow(m);
		i = probe(m, tid);
		h = (uint32_t *)slot(m, i);
	}
	h[0] = 1;
	h[1] = tid;
	memset(slot(m, i) + SLOT_HDR, 0, m->value_size);
	m->count++;
	if (created)
		*created = true;
	return slot(m, i) + SLOT_HDR;
}

void xs_tidmap_each(struct xs_tidmap *m, void (*fn)(void *ctx, uint32_t tid, void *value), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++) {
		uint32_t *h = (uint32_t *)slot(m, i);
		if (h[0])
			fn(ctx, h[1], slot(m, i) + SLOT_HDR);
	}
}

size_t xs_tidmap_count(const struct xs_tidmap *m)
{
	return m->count;
}
