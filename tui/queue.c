// SPDX-License-Identifier: MIT
#include "tui/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/util.h"

/*
 * Ring positions are byte offsets that only grow; pos % cap is where they are in the buffer. Every record size
 * is a multiple of 64 and cap is a power of two (at least 64 full records), so a record that does not fit before the
 * end of the buffer leaves a gap of at least 64 bytes: a zero `version` there tells the consumer to skip to the
 * buffer's start.
 */
#define SLOT 64u
_Static_assert(XS_RECORD_CORE_SIZE % SLOT == 0 && XS_RECORD_FULL_SIZE % SLOT == 0, "record sizes are 64-aligned");

struct meta_entry {
	char *key, *value;
};

struct tui_queue {
	pthread_mutex_t lock;
	pthread_cond_t room;
	unsigned char *buf;
	size_t cap;
	uint64_t head, tail;
	uint64_t accepted, dropped;
	bool shut;
	struct meta_entry *meta;
	size_t nmeta;
	uint64_t meta_gen;
};

struct tui_queue *tui_queue_new(size_t bytes)
{
	struct tui_queue *q = xs_calloc(1, sizeof(*q));
	size_t min = 64 * XS_RECORD_FULL_SIZE;
	if (bytes < min)
		bytes = min;
	/* A power of two: ring offsets are a mask, not a division, on every record. */
	q->cap = 1;
	while (q->cap < bytes)
		q->cap <<= 1;
	/* 64-byte aligned so records can be read in place; slack after the end so a 192-byte record at the very end
	 * can be viewed as a whole struct without reading past the allocation. */
	if (posix_memalign((void **)&q->buf, SLOT, q->cap + XS_RECORD_FULL_SIZE))
		xs_die("out of memory for a %zu-byte record queue", q->cap);
	memset(q->buf + q->cap, 0, XS_RECORD_FULL_SIZE);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->room, NULL);
	return q;
}

void tui_queue_free(struct tui_queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nmeta; i++) {
		free(q->meta[i].key);
		free(q->meta[i].value);
	}
	free(q->meta);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	free(q);
}

void tui_queue_shutdown(struct tui_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->shut = true;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
}

/* Bytes a record of `size` needs at head, counting the gap it leaves when it does not fit before the end. */
static size_t needed(const struct tui_queue *q, size_t size)
{
	size_t off = (size_t)(q->head & (q->cap - 1)), to_end = q->cap - off;
	return to_end < size ? to_end + size : size;
}

static void put(struct tui_queue *q, const struct xs_exit_record *r, size_t size)
{
	size_t off = (size_t)(q->head & (q->cap - 1)), to_end = q->cap - off;
	if (to_end < size) {
		memset(q->buf + off, 0, sizeof(uint16_t)); /* version 0: skip to the start */
		q->head += to_end;
		off = 0;
	}
	unsigned char *p = q->buf + off;
	memcpy(p, r, size);
	uint16_t size16 = (uint16_t)size; /* keep `size` consistent with the flags, whatever the producer set */
	memcpy(p + 2, &size16, sizeof(size16));
	q->head += size;
	q->accepted++;
}

struct queue_sink {
	struct xs_sink base;
	struct tui_queue *q;
	bool lossless;
};

static int queue_sink_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct queue_sink *qs = (struct queue_sink *)s;
	struct tui_queue *q = qs->q;
	int rc = 0;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++) {
		size_t size = xs_record_wire_size(&recs[i]);
		bool fits = q->cap - (size_t)(q->head - q->tail) >= needed(q, size);
		while (qs->lossless && !fits && !q->shut) {
			pthread_cond_wait(&q->room, &q->lock);
			fits = q->cap - (size_t)(q->head - q->tail) >= needed(q, size);
		}
		if (q->shut) {
			q->dropped += n - i;
			s->dropped += n - i;
			rc = -EPIPE;
			break;
		}
		if (!fits) {
			/* A live producer never waits: count the loss; a smaller record after it may still fit. */
			q->dropped++;
			s->dropped++;
			continue;
		}
		put(q, &recs[i], size);
	}
	pthread_mutex_unlock(&q->lock);
	s->written += n;
	return rc;
}

static void meta_set(struct tui_queue *q, const char *key, const char *value)
{
	for (size_t i = 0; i < q->nmeta; i++) {
		if (!strcmp(q->meta[i].key, key)) {
			free(q->meta[i].value);
			q->meta[i].value = xs_strdup(value);
			return;
		}
	}
	q->meta = xs_realloc(q->meta, (q->nmeta + 1) * sizeof(*q->meta));
	q->meta[q->nmeta].key = xs_strdup(key);
	q->meta[q->nmeta].value = xs_strdup(value);
	q->nmeta++;
}

static int queue_sink_meta(struct xs_sink *s, const char *key, const char *value)
{
	struct tui_queue *q = ((struct queue_sink *)s)->q;
	pthread_mutex_lock(&q->lock);
	meta_set(q, key, value);
	q->meta_gen++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static int queue_sink_close(struct xs_sink *s)
{
	free(s);
	return 0;
}

static const struct xs_sink_ops queue_sink_ops = {queue_sink_write, queue_sink_meta, NULL, queue_sink_close};

struct xs_sink *tui_queue_sink(struct tui_queue *q, bool lossless)
{
	struct queue_sink *s = xs_calloc(1, sizeof(*s));
	s->base.ops = &queue_sink_ops;
	s->base.name = "dashboard queue";
	s->q = q;
	s->lossless = lossless;
	return &s->base;
}

/* ---- consumer ---- */

bool tui_queue_acquire(struct tui_queue *q, struct tui_queue_span *span)
{
	pthread_mutex_lock(&q->lock);
	span->base = q->buf;
	span->cap = q->cap;
	span->pos = q->tail;
	span->end = q->head;
	span->count = 0;
	pthread_mutex_unlock(&q->lock);
	return span->pos != span->end;
}

const struct xs_exit_record *tui_queue_span_next(struct tui_queue_span *span)
{
	while (span->pos < span->end) {
		size_t off = (size_t)(span->pos & (span->cap - 1));
		const unsigned char *p = span->base + off;
		uint16_t version;
		memcpy(&version, p, sizeof(version));
		if (!version) {
			span->pos += span->cap - off;
			continue;
		}
		const struct xs_exit_record *r = (const struct xs_exit_record *)(const void *)p;
		span->pos += xs_record_wire_size(r);
		span->count++;
		return r;
	}
	return NULL;
}

void tui_queue_release(struct tui_queue *q, const struct tui_queue_span *span)
{
	pthread_mutex_lock(&q->lock);
	/* Release only what was read: records the caller did not reach stay for the next acquire. */
	q->tail = span->pos;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
}

void tui_queue_counts(struct tui_queue *q, struct tui_queue_counts *out)
{
	pthread_mutex_lock(&q->lock);
	out->accepted = q->accepted;
	out->dropped = q->dropped;
	out->used_bytes = (size_t)(q->head - q->tail);
	out->cap_bytes = q->cap;
	pthread_mutex_unlock(&q->lock);
}

/* ---- metadata ---- */

uint64_t tui_queue_meta_generation(struct tui_queue *q)
{
	pthread_mutex_lock(&q->lock);
	uint64_t g = q->meta_gen;
	pthread_mutex_unlock(&q->lock);
	return g;
}

bool tui_queue_meta_get(struct tui_queue *q, const char *key, char *buf, size_t len)
{
	bool found = false;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nmeta && !found; i++) {
		if (!strcmp(q->meta[i].key, key)) {
			xs_text_safe(q->meta[i].value, buf, len); /* metadata is outside text: no raw escapes */
			found = true;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return found;
}

uint64_t tui_queue_meta_sum(struct tui_queue *q, const char *prefix)
{
	uint64_t sum = 0;
	size_t pl = strlen(prefix);
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nmeta; i++) {
		uint64_t v;
		if (!strncmp(q->meta[i].key, prefix, pl) && xs_parse_u64(q->meta[i].value, &v))
			sum += v;
	}
	pthread_mutex_unlock(&q->lock);
	return sum;
}
