/* SPDX-License-Identifier: MIT */
/*
 * The sink: where a producer hands its exit records. A producer (launcher, collector, VT-x ring reader) only
 * knows this interface; cli/ decides what stands behind it (a record file, the SQLite store, a printer, the
 * dashboard's aggregator, or several at once through a tee).
 *
 * Contract:
 *  - write() takes a batch; the sink copies what it keeps, so the caller may reuse the buffer at once.
 *    A sink that cannot keep a record (a full queue, say) counts it in `dropped` and never blocks for long.
 *  - meta() attaches a key/value pair to the run (controls in effect, counters, host facts); a later value
 *    for the same key replaces the earlier one. Keys are documented in docs/record-format.md.
 *  - flush() makes everything written so far durable or visible; close() flushes, frees, and returns the
 *    first error seen. Every call returns 0 or a negative errno.
 *  - Sinks are not thread-safe: a producer with several threads wraps its sink in xs_sink_locked().
 *  - A producer that fails (no KVM, a guest that could not start, a collector that died) says so with the
 *    meta key XS_META_RUN_FAILED before close(): the store ends the run 'failed' rather than 'complete', and a
 *    record file gets no END chunk, so no reader takes what it holds for a whole recording.
 */
#ifndef EXITSCOPE_SINK_H
#define EXITSCOPE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

struct xs_sink;

/* The meta key of a failed run; its value says why. */
#define XS_META_RUN_FAILED "run.failed"

struct xs_sink_ops {
	int (*write)(struct xs_sink *s, const struct xs_exit_record *recs, size_t n);
	int (*meta)(struct xs_sink *s, const char *key, const char *value);
	int (*flush)(struct xs_sink *s);
	int (*close)(struct xs_sink *s); /* flushes and frees the sink */
};

struct xs_sink {
	const struct xs_sink_ops *ops;
	const char *name; /* for messages: "record file out.xsr", "store exits.db" */
	uint64_t written; /* records accepted */
	uint64_t dropped; /* records accepted but not kept (counted, reported) */
};

static inline int xs_sink_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	return s->ops->write(s, recs, n);
}

static inline int xs_sink_meta(struct xs_sink *s, const char *key, const char *value)
{
	return s->ops->meta ? s->ops->meta(s, key, value) : 0;
}

static inline int xs_sink_flush(struct xs_sink *s)
{
	return s->ops->flush ? s->ops->flush(s) : 0;
}

static inline int xs_sink_close(struct xs_sink *s)
{
	return s ? s->ops->close(s) : 0;
}

/* meta() with a formatted value. */
int xs_sink_metaf(struct xs_sink *s, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A tee: every call goes to each of the n sinks in order; the tee owns them and closes them. Returns the
 * first error of any sink but still calls the rest. `dropped` sums the children's.
 */
struct xs_sink *xs_sink_tee(struct xs_sink **sinks, size_t n);

/* Serialises calls from several threads onto `inner` (which it owns). */
struct xs_sink *xs_sink_locked(struct xs_sink *inner);

/* Keeps nothing: for runs that only want the end-of-run summary. */
struct xs_sink *xs_sink_null(void);

#endif
