/* SPDX-License-Identifier: MIT */
/*
 * The store as a sink (common/sink.h): what `exitscope run -o x.db`, `record -o x.db` and `import` write
 * through. write() copies records into a bounded in-memory queue and returns; one writer thread drains the
 * queue into SQLite, one transaction per batch. When the queue is full, write() waits at most max_wait_ms
 * (counted as a stall), then drops what does not fit (counted in `dropped` and stored as
 * counter.dropped.store): the producer never waits on the disk for long, and nothing is lost silently.
 * Each sink is one run of the store.
 */
#ifndef EXITSCOPE_DB_STORE_SINK_H
#define EXITSCOPE_DB_STORE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sink.h"

struct xs_store_sink_opts {
	size_t queue_records;	    /* queue capacity in core records; 0: 262144 (48 MiB) */
	int max_wait_ms;	    /* how long write() waits for room; < 0: wait as long as it takes (import) */
	unsigned int batch_records; /* most records per transaction; 0: 65536 */
	unsigned int linger_ms;	    /* how long the writer waits for a fuller batch; 0: 100 */
	const char *imported_from;  /* recorded in runs.imported_from */
};

#define XS_STORE_DEFAULT_MAX_WAIT_MS 20

/* A new run in the store at path (created when absent). NULL with a one-line message in err. */
struct xs_sink *xs_store_sink_open(const char *path, const struct xs_store_sink_opts *opts, char *err, size_t errlen);

/* True when s was made by xs_store_sink_open. */
int xs_is_store_sink(const struct xs_sink *s);

struct xs_store_sink_info {
	int64_t run_id;
	uint64_t committed;   /* records in committed transactions */
	uint64_t batches;     /* transactions */
	uint64_t stalls;      /* write() calls that found the queue full */
	uint64_t dropped;     /* records not stored */
	double writer_cpu_s;  /* CPU time of the writer thread (after close: all of it) */
	double writer_busy_s; /* wall time the writer spent in transactions */
	char error[256];      /* the first error, or "" */
	bool state_written;   /* after close: the run's final state ('complete' or 'failed') is stored */
};
void xs_store_sink_info(struct xs_sink *s, struct xs_store_sink_info *info);

/*
 * close() that also reports the final figures (the writer thread's whole CPU time, say). Unlike close() it
 * prints nothing: the caller says what went wrong (info->error) in its own words.
 */
int xs_store_sink_close_info(struct xs_sink *s, struct xs_store_sink_info *info);

#endif
