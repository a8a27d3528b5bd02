/* SPDX-License-Identifier: MIT */
/*
 * The bounded queue between the threads that produce exit records (a replay, the launcher's vCPU threads, the
 * collector's ring reader) and the dashboard thread that aggregates them.
 *
 * Producers only see an xs_sink (tui_queue_sink). Records are stored back to back at their wire size (192 or
 * 576 bytes) in one byte ring (common/record_ring.h); the consumer reads them in place, so a record costs one
 * copy on the way in and none on the way out. When the ring is full a live producer's records are dropped and counted
 * (the sink's `dropped`, shown in the header); a lossless producer (a replay, which can wait) blocks until there is
 * room.
 *
 * Run metadata written through the sink (host facts, drop counters of the source) is kept in the queue for the
 * dashboard to read (tui_queue_meta_*). Every function is thread-safe; there is one consumer.
 */
#ifndef EXITSCOPE_TUI_QUEUE_H
#define EXITSCOPE_TUI_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record_ring.h"
#include "common/sink.h"
#include "exitscope/record.h"

struct tui_queue;

/* A queue of at least `bytes` bytes (rounded up to a power of two, at least 64 full-size records). */
struct tui_queue *tui_queue_new(size_t bytes);
/* Frees the queue; the sinks made from it must be closed first. */
void tui_queue_free(struct tui_queue *q);

/*
 * A sink that writes into q. lossless: write() waits for room instead of dropping (only for producers that can
 * wait: a replay). Several threads may write to one sink at once. Closing the sink does not free the queue.
 */
struct xs_sink *tui_queue_sink(struct tui_queue *q, bool lossless);

/* The consumer is gone: waiting lossless producers return -EPIPE and later writes are dropped. */
void tui_queue_shutdown(struct tui_queue *q);

/* ---- consumer side ---- */

/* Records the consumer took out of the ring and reads in place until tui_queue_release(). */
struct tui_queue_span {
	const struct xs_record_ring *ring;
	struct xs_record_ring_cursor cur;
	size_t count; /* records handed out by tui_queue_span_next so far */
};

/* Take everything queued now. Returns false when the queue is empty. */
bool tui_queue_acquire(struct tui_queue *q, struct tui_queue_span *span);
/*
 * The next record of the span, or NULL at its end. Only the record's wire size is valid memory for the
 * caller's purposes: read `gs` only when XS_F_GUEST_STATE is set.
 */
const struct xs_exit_record *tui_queue_span_next(struct tui_queue_span *span);
/* Give the span's memory back to the producers. */
void tui_queue_release(struct tui_queue *q, const struct tui_queue_span *span);

struct tui_queue_counts {
	uint64_t accepted; /* records stored in the ring */
	uint64_t dropped;  /* records refused because the ring was full (or the consumer was gone) */
	size_t used_bytes, cap_bytes;
};
void tui_queue_counts(struct tui_queue *q, struct tui_queue_counts *out);

/* ---- run metadata ---- */

/* Bumped on every meta write: the consumer re-reads only when it changed. */
uint64_t tui_queue_meta_generation(struct tui_queue *q);
/* Copy the value of key into buf (NUL-terminated, cut to len). False if the key was never written. */
bool tui_queue_meta_get(struct tui_queue *q, const char *key, char *buf, size_t len);
/* Sum of the u64 values of every key starting with prefix (e.g. "counter.dropped."); unparsable values count 0. */
uint64_t tui_queue_meta_sum(struct tui_queue *q, const char *prefix);

#endif
