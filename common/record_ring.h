/* SPDX-License-Identifier: MIT */
/*
 * The bounded record queue both buffered sinks are built on: the dashboard's queue (tui/queue.c) and the
 * store's queue in front of its writer thread (db/store_sink.c). Records are stored back to back at their
 * wire size (192 or 576 bytes) in one buffer; a record never wraps: when it does not fit before the end,
 * the bytes up to the end become padding (version 0) and it starts at the buffer's start. The consumer reads
 * records in place through a cursor and releases what it read. Records that did not fit are counted in
 * `dropped` by the caller's policy (drop at once, or wait first), never lost silently.
 *
 * No locking here: the owner serialises producers and the release under its own lock (it decides how a full
 * queue waits). The one consumer may read [tail, head) outside the lock: producers write only past head.
 */
#ifndef EXITSCOPE_COMMON_RECORD_RING_H
#define EXITSCOPE_COMMON_RECORD_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exitscope/record.h"

#define XS_RECORD_RING_ALIGN 64u /* every record size is a multiple: a gap before the end holds a version */

struct xs_record_ring {
	unsigned char *buf;
	size_t cap;		   /* bytes, a multiple of XS_RECORD_RING_ALIGN */
	uint64_t head, tail;	   /* bytes ever stored and released: head - tail are in use */
	size_t head_off, tail_off; /* where head and tail are in buf */
	uint64_t accepted;	   /* records stored */
	uint64_t dropped;	   /* records refused, counted through xs_record_ring_drop */
};

/* A queue of cap bytes (rounded up to a multiple of XS_RECORD_RING_ALIGN, at least one full record). */
void xs_record_ring_init(struct xs_record_ring *q, size_t cap);
void xs_record_ring_free(struct xs_record_ring *q);

static inline size_t xs_record_ring_used(const struct xs_record_ring *q)
{
	return (size_t)(q->head - q->tail);
}

/* Is there room for a record of `size` bytes at head, counting the padding it leaves before the end? */
static inline bool xs_record_ring_fits(const struct xs_record_ring *q, size_t size)
{
	size_t to_end = q->cap - q->head_off;
	return q->cap - xs_record_ring_used(q) >= (to_end < size ? to_end + size : size);
}

/*
 * Store r, `size` bytes (its wire size; its `size` field is set to match). The caller checked that it fits.
 * Inline, as next() is: both run once per record on the hot path.
 */
static inline void xs_record_ring_put(struct xs_record_ring *q, const struct xs_exit_record *r, size_t size)
{
	size_t to_end = q->cap - q->head_off;
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

static inline void xs_record_ring_drop(struct xs_record_ring *q, uint64_t n)
{
	q->dropped += n;
}

/* ---- consumer ---- */

/* Records [pos, end) of the ring, read in place. */
struct xs_record_ring_cursor {
	uint64_t pos, end;
	size_t off; /* pos's place in buf */
};

/* A cursor over everything stored now (or up to at most `limit` bytes from tail when limit is non-zero). */
void xs_record_ring_cursor(const struct xs_record_ring *q, struct xs_record_ring_cursor *c, size_t limit);

/*
 * The next record, or NULL at the cursor's end. Only the record's wire size is valid: read `gs` only when
 * XS_F_GUEST_STATE is set. A record that starts before the end is returned whole, so a limited cursor can
 * stop a little past its limit.
 */
static inline const struct xs_exit_record *xs_record_ring_next(const struct xs_record_ring *q,
							       struct xs_record_ring_cursor *c)
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

/* Give everything before the cursor back to the producers. */
void xs_record_ring_release(struct xs_record_ring *q, const struct xs_record_ring_cursor *c);

#endif
