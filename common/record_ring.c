// SPDX-License-Identifier: MIT
#include "common/record_ring.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

_Static_assert(XS_RECORD_CORE_SIZE % XS_RECORD_RING_ALIGN == 0 && XS_RECORD_FULL_SIZE % XS_RECORD_RING_ALIGN == 0,
	       "record sizes are multiples of the ring's alignment");

void xs_record_ring_init(struct xs_record_ring *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap < XS_RECORD_FULL_SIZE)
		cap = XS_RECORD_FULL_SIZE;
	q->cap = (cap + XS_RECORD_RING_ALIGN - 1) / XS_RECORD_RING_ALIGN * XS_RECORD_RING_ALIGN;
	/*
	 * Aligned so records can be read in place; slack after the end so a 192-byte record at the very end can
	 * be viewed as a whole struct without reading past the allocation.
	 */
	if (posix_memalign((void **)&q->buf, XS_RECORD_RING_ALIGN, q->cap + XS_RECORD_FULL_SIZE))
		xs_die("out of memory for a %zu-byte record queue", q->cap);
	memset(q->buf + q->cap, 0, XS_RECORD_FULL_SIZE);
}

void xs_record_ring_free(struct xs_record_ring *q)
{
	free(q->buf);
	q->buf = NULL;
}

void xs_record_ring_cursor(const struct xs_record_ring *q, struct xs_record_ring_cursor *c, size_t limit)
{
	c->pos = q->tail;
	c->off = q->tail_off;
	c->end = q->head;
	if (limit && c->end - c->pos > limit)
		c->end = c->pos + limit;
}

void xs_record_ring_release(struct xs_record_ring *q, const struct xs_record_ring_cursor *c)
{
	q->tail = c->pos;
	q->tail_off = c->off;
}
