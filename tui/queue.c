// SPDX-License-Identifier: MIT
#include "tui/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/record_ring.h"
#include "common/text.h"
#include "common/util.h"

struct meta_entry {
	char *key, *value;
};

struct tui_queue {
	pthread_mutex_t lock;
	pthread_cond_t room;
	struct xs_record_ring ring;
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
	size_t cap = 1;
	while (cap < bytes)
		cap <<= 1;
	xs_record_ring_init(&q->ring, cap);
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
	xs_record_ring_free(&q->ring);
	free(q);
}

void tui_queue_shutdown(struct tui_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->shut = true;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
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
		bool fits = xs_record_ring_fits(&q->ring, size);
		while (qs->lossless && !fits && !q->shut) {
			pthread_cond_wait(&q->room, &q->lock);
			fits = xs_record_ring_fits(&q->ring, size);
		}
		if (q->shut) {
			xs_record_ring_drop(&q->ring, n - i);
			s->dropped += n - i;
			rc = -EPIPE;
			break;
		}
		if (!fits) {
			/* A live producer never waits: count the loss; a smaller record after it may still fit. */
			xs_record_ring_drop(&q->ring, 1);
			s->dropped++;
			continue;
		}
		xs_record_ring_put(&q->ring, &recs[i], size);
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
	span->ring = &q->ring;
	xs_record_ring_cursor(&q->ring, &span->cur, 0);
	span->count = 0;
	pthread_mutex_unlock(&q->lock);
	return span->cur.pos != span->cur.end;
}

const struct xs_exit_record *tui_queue_span_next(struct tui_queue_span *span)
{
	const struct xs_exit_record *r = xs_record_ring_next(span->ring, &span->cur);
	if (r)
		span->count++;
	return r;
}

void tui_queue_release(struct tui_queue *q, const struct tui_queue_span *span)
{
	pthread_mutex_lock(&q->lock);
	/* Release only what was read: records the caller did not reach stay for the next acquire. */
	xs_record_ring_release(&q->ring, &span->cur);
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
}

void tui_queue_counts(struct tui_queue *q, struct tui_queue_counts *out)
{
	pthread_mutex_lock(&q->lock);
	out->accepted = q->ring.accepted;
	out->dropped = q->ring.dropped;
	out->used_bytes = xs_record_ring_used(&q->ring);
	out->cap_bytes = q->ring.cap;
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
