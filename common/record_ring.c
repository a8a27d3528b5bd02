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

void xs_record_ring_put(struct xs_record_ring *q, const struct xs_exit_record *r)
{
	size_t size = xs_record_wire_size(r), to_end = q->cap - q->head_off;
	if (to_end < size) {
		memset(q->buf + q->head_off, 0, sizeof(uint16_t)); /* version 0: skip to the start */
		q->head += to_end;
		q->head_off = 0;
	}
	unsigned char *p = q->buf + q->head_off;
	memcpy(p, r, size);
	uint16_t size16 = (uint16_t)size; /* keep `size` consistent with the flags, whatever the producer set */
	memcpy(p + offsetof(struct xs_exit_record, size), &size16, sizeof(size16));
	q->head += size;
	q->head_off += size;
	if (q->head_off == q->cap)
		q->head_off = 0;
	q->accepted++;
}

void xs_record_ring_cursor(const struct xs_record_ring *q, struct xs_record_ring_cursor *c, size_t limit)
{
	c->pos = q->tail;
	c->off = q->tail_off;
	c->end = q->head;
	if (limit && c->end - c->pos > limit)
		c->end = c->pos + limit;
}

const struct xs_exit_record *xs_record_ring_next(const struct xs_record_ring *q, struct xs_record_ring_cursor *c)
{
	while (c->pos < c->end) {
		const unsigned char *p = q->buf + c->off;
		uint16_t version;
		memcpy(&version, p, sizeof(version));
		if (!version) { /* padding up to the end of the buffer */
			c->pos += q->cap - c->off;
			c->off = 0;
			continue;
		}
		const struct xs_exit_record *r = (const struct xs_exit_record *)(const void *)p;
		size_t size = xs_record_wire_size(r);
		c->pos += size;
		c->off += size;
		if (c->off == q->cap)
			c->off = 0;
		return r;
	}
	return NULL;
}

void xs_record_ring_release(struct xs_record_ring *q, const struct xs_record_ring_cursor *c)
{
	q->tail = c->pos;
	q->tail_off = c->off;
}
