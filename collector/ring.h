/* SPDX-License-Identifier: MIT */
/*
 * The consumer side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF), as libbpf's ring_buffer but publishing how
 * far it has read once per batch of records instead of after each one.
 *
 * Why not libbpf's: the BPF program reads the consumer position at every reservation, and libbpf writes it
 * after every record, so while a batch is drained the cache line holding it moves between the producing and
 * the consuming CPU once per event, a cost both sides pay (bench/collector_synth.c measures the consumer).
 * Here the position is written once per batch, or every XS_RING_PUBLISH_BYTES while a long batch drains so
 * the producer never waits long for room.
 *
 * Records are handed to the callback in ring order, pointing into the ring (valid during the call only).
 * Discarded records are skipped. Not thread-safe: one consumer thread.
 */
#ifndef EXITSCOPE_COLLECTOR_RING_H
#define EXITSCOPE_COLLECTOR_RING_H

#include <stddef.h>

#define XS_RING_PUBLISH_BYTES (256u << 10)

struct xs_ring;

typedef void (*xs_ring_fn)(void *ctx, const void *data, size_t size);

/* Map the ring of BPF map map_fd (its max_entries is ring_bytes). NULL with a message in err on failure. */
struct xs_ring *xs_ring_open(int map_fd, size_t ring_bytes, xs_ring_fn fn, void *ctx, char *err, size_t errlen);

/* Wait up to timeout_ms for the producer's wake-up, then consume everything there is: records consumed, or
 * a negative errno (an interrupted wait is not an error: 0). */
int xs_ring_poll(struct xs_ring *r, int timeout_ms);

/* Consume everything there is now, without waiting: records consumed. */
int xs_ring_consume(struct xs_ring *r);

void xs_ring_free(struct xs_ring *r);

#endif
