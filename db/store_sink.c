// SPDX-License-Identifier: MIT
#include "db/store_sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/record_ring.h"
#include "common/util.h"
#include "db/encoder.h"
#include "db/runs.h"
#include "db/sqlutil.h"
#include "db/store.h"

/*
 * The queue (common/record_ring.h) holds queue_records core records' worth of bytes; a record with its
 * guest-state block takes three times that. The producer stores at head under the lock; the writer reads
 * [tail, head) without the lock and releases it after its commit.
 */
#define UNIT XS_RECORD_CORE_SIZE
#define DEFAULT_QUEUE 262144
#define DEFAULT_BATCH 65536
#define DEFAULT_LINGER_MS 100
#define MIN_BATCH 4096 /* core records: the writer wakes at once when this much is queued */
/*
 * Checkpoints (copying the WAL into the database, with its fsyncs) run on their own thread and connection,
 * so the writer never waits for the disk to sync. One starts when the WAL holds CHECKPOINT_FRAMES pages. If
 * the writer outruns them and the WAL passes WAL_LIMIT_FRAMES, the writer checkpoints itself (RESTART), which
 * bounds the WAL file.
 */
#define CHECKPOINT_FRAMES 8192
#define WAL_LIMIT_FRAMES (1 << 18)

struct meta_item {
	char *key, *value;
};

struct store_sink {
	struct xs_sink base;
	char *path;
	sqlite3 *db;
	int64_t run_id;
	struct xs_encoder *enc;
	struct xs_store_sink_opts opts;

	struct xs_record_ring ring;
	pthread_mutex_t lock;
	pthread_cond_t more, room, done;
	pthread_t thread, checkpointer;
	bool thread_started, checkpointer_started, stop, writer_idle;
	/* checkpointer: its own connection, woken through ckpt_wake when the WAL grew */
	sqlite3 *ckpt_db;
	pthread_cond_t ckpt_wake;
	int wal_frames;
	bool ckpt_stop;
	unsigned int flushers;
	struct meta_item *meta;
	size_t nmeta, meta_cap;
	uint64_t meta_added, meta_applied;

	/* written by the writer thread; read under the lock or after join */
	int error; /* first negative errno */
	char errmsg[256];
	bool state_written;
	bool producer_failed; /* XS_META_RUN_FAILED was given: the run ends 'failed' */
	uint64_t committed, batches;
	double busy_s, cpu_s;
	atomic_uint_fast64_t lost; /* records the writer could not store */
	uint64_t stalls;	   /* under the lock, as ring.dropped */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int errno_of(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Under the lock: the first error wins. */
static void set_error(struct store_sink *s, int err, const char *msg)
{
	if (s->error)
		return;
	s->error = err;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s", msg);
}

static void sync_counters(struct store_sink *s)
{
	s->base.dropped = s->ring.dropped + atomic_load(&s->lost);
}

/* ---- checkpoints ---- */

/* Called by SQLite on the writer thread after each commit, with the WAL's size in pages. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)name;
	struct store_sink *s = arg;
	if (frames >= WAL_LIMIT_FRAMES) {
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		return SQLITE_OK;
	}
	if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&s->lock);
		s->wal_frames = frames;
		pthread_cond_signal(&s->ckpt_wake);
		pthread_mutex_unlock(&s->lock);
	}
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct store_sink *s = arg;
	pthread_setname_np(pthread_self(), "xs-store-ckpt");
	pthread_mutex_lock(&s->lock);
	while (!s->ckpt_stop) {
		if (s->wal_frames < CHECKPOINT_FRAMES) {
			pthread_cond_wait(&s->ckpt_wake, &s->lock);
			continue;
		}
		s->wal_frames = 0;
		pthread_mutex_unlock(&s->lock);
		/* PASSIVE: copies what it can without waiting for the writer or readers. */
		sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void start_checkpointer(struct store_sink *s)
{
	if (sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		/* Without it the writer checkpoints as SQLite normally does. */
		sqlite3_close_v2(s->ckpt_db);
		s->ckpt_db = NULL;
		return;
	}
	sqlite3_busy_timeout(s->ckpt_db, 1000);
	if (pthread_create(&s->checkpointer, NULL, checkpointer_main, s)) {
		sqlite3_close_v2(s->ckpt_db);
		s->ckpt_db = NULL;
		return;
	}
	s->checkpointer_started = true;
	sqlite3_wal_hook(s->db, wal_hook, s);
}

static void stop_checkpointer(struct store_sink *s)
{
	if (!s->checkpointer_started)
		return;
	sqlite3_wal_autocheckpoint(s->db, 1000); /* the writer's own checkpoints again, for the last commit */
	pthread_mutex_lock(&s->lock);
	s->ckpt_stop = true;
	pthread_cond_signal(&s->ckpt_wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->checkpointer, NULL);
	s->checkpointer_started = false;
	sqlite3_close_v2(s->ckpt_db);
	s->ckpt_db = NULL;
}

/* ---- the writer thread ---- */

static void apply_meta(struct store_sink *s, struct meta_item *items, size_t n, char *err, size_t errlen, int *rc)
{
	for (size_t i = 0; i < n; i++) {
		if (!*rc)
			*rc = xs_run_set_meta(s->db, s->run_id, items[i].key, items[i].value, err, errlen);
		free(items[i].key);
		free(items[i].value);
	}
}

/* One transaction: the queued metadata and the records under the cursor. */
static void write_batch(struct store_sink *s, struct xs_record_ring_cursor *cur, struct meta_item *meta, size_t nmeta,
			uint64_t *records)
{
	char err[256] = "";
	int rc = xs_encoder_begin(s->enc, err, sizeof(err));
	apply_meta(s, meta, nmeta, err, sizeof(err), &rc);
	uint64_t n = 0;
	const struct xs_exit_record *r;
	while ((r = xs_record_ring_next(&s->ring, cur))) {
		if (!rc)
			rc = xs_encoder_add(s->enc, r, err, sizeof(err));
		n++;
	}
	if (!rc)
		rc = xs_encoder_commit(s->enc, err, sizeof(err));
	*records = n;
	if (rc) {
		int code = xs_encoder_last_error(s->enc);
		atomic_fetch_add(&s->lost, n);
		pthread_mutex_lock(&s->lock);
		set_error(s, errno_of(code), err);
		pthread_mutex_unlock(&s->lock);
	}
}

/* After an error nothing more can be stored: count what arrives, so producers never block. */
static uint64_t discard_batch(struct store_sink *s, struct xs_record_ring_cursor *cur, struct meta_item *meta,
			      size_t nmeta)
{
	char ignore[8];
	int rc = 1;
	apply_meta(s, meta, nmeta, ignore, sizeof(ignore), &rc);
	uint64_t n = 0;
	while (xs_record_ring_next(&s->ring, cur))
		n++;
	atomic_fetch_add(&s->lost, n);
	return n;
}

static void *writer_main(void *arg)
{
	struct store_sink *s = arg;
	pthread_setname_np(pthread_self(), "xs-store-writer");
	size_t min_bytes = MIN_BATCH * UNIT, batch_bytes = (size_t)s->opts.batch_records * UNIT;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		/* Wait for work: a full enough batch, a flush, the end, or the linger time after the first record. */
		s->writer_idle = true;
		while (!xs_record_ring_used(&s->ring) && s->meta_applied == s->meta_added && !s->stop && !s->flushers)
			pthread_cond_wait(&s->more, &s->lock);
		if (xs_record_ring_used(&s->ring) < min_bytes && !s->stop && !s->flushers) {
			struct timespec until;
			deadline_in(&until, s->opts.linger_ms);
			while (xs_record_ring_used(&s->ring) < min_bytes && !s->stop && !s->flushers)
				if (pthread_cond_timedwait(&s->more, &s->lock, &until) == ETIMEDOUT)
					break;
		}
		s->writer_idle = false;
		if (!xs_record_ring_used(&s->ring) && s->meta_applied == s->meta_added) {
			pthread_cond_broadcast(&s->done);
			if (s->stop)
				break;
			if (s->flushers) /* nothing left to write for them: let them go before waiting again */
				pthread_cond_wait(&s->more, &s->lock);
			continue;
		}
		struct xs_record_ring_cursor cur;
		xs_record_ring_cursor(&s->ring, &cur, batch_bytes);
		struct meta_item *meta = s->meta;
		size_t nmeta = s->nmeta;
		uint64_t meta_seen = s->meta_added;
		s->meta = NULL;
		s->nmeta = s->meta_cap = 0;
		bool failed = s->error != 0;
		pthread_mutex_unlock(&s->lock);

		uint64_t n = 0;
		if (failed) {
			n = discard_batch(s, &cur, meta, nmeta);
		} else {
			double t0 = mono_s();
			write_batch(s, &cur, meta, nmeta, &n);
			s->busy_s += mono_s() - t0;
		}
		free(meta);

		pthread_mutex_lock(&s->lock);
		xs_record_ring_release(&s->ring, &cur);
		s->meta_applied = meta_seen;
		if (!s->error) {
			s->committed += n;
			s->batches++;
		}
		pthread_cond_broadcast(&s->room);
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->lock);
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	s->cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec * 1e-9;
	return NULL;
}

/* ---- the sink interface, called by the producer ---- */

static int store_write(struct xs_sink *sink, const struct xs_exit_record *recs, size_t n)
{
	struct store_sink *s = (struct store_sink *)sink;
	bool stalled = false, timed = s->opts.max_wait_ms >= 0;
	struct timespec until;
	pthread_mutex_lock(&s->lock);
	size_t i = 0;
	for (; i < n && !s->error; i++) {
		size_t size = xs_record_wire_size(&recs[i]);
		while (!xs_record_ring_fits(&s->ring, size) && !s->error) {
			if (!stalled) {
				stalled = true;
				s->stalls++;
				if (timed)
					deadline_in(&until, (unsigned int)s->opts.max_wait_ms);
			}
			pthread_cond_signal(&s->more);
			if (!timed)
				pthread_cond_wait(&s->room, &s->lock);
			else if (pthread_cond_timedwait(&s->room, &s->lock, &until) == ETIMEDOUT)
				goto full;
		}
		if (s->error)
			break;
		xs_record_ring_put(&s->ring, &recs[i], size);
	}
full:
	if (i < n)
		xs_record_ring_drop(&s->ring, n - i);
	s->base.written += n;
	if (s->writer_idle && xs_record_ring_used(&s->ring) >= MIN_BATCH * UNIT)
		pthread_cond_signal(&s->more);
	int rc = s->error;
	sync_counters(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int store_meta(struct xs_sink *sink, const char *key, const char *value)
{
	struct store_sink *s = (struct store_sink *)sink;
	pthread_mutex_lock(&s->lock);
	if (!strcmp(key, XS_META_RUN_FAILED))
		s->producer_failed = true;
	/* A later value for the same key replaces the queued one. */
	size_t i = 0;
	while (i < s->nmeta && strcmp(s->meta[i].key, key))
		i++;
	if (i == s->nmeta) {
		if (s->nmeta == s->meta_cap) {
			s->meta_cap = s->meta_cap ? s->meta_cap * 2 : 16;
			s->meta = xs_realloc(s->meta, s->meta_cap * sizeof(*s->meta));
		}
		s->meta[i].key = xs_strdup(key);
		s->meta[i].value = NULL;
		s->nmeta++;
	}
	free(s->meta[i].value);
	s->meta[i].value = xs_strdup(value ? value : "");
	s->meta_added++;
	int rc = s->error;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int store_flush(struct xs_sink *sink)
{
	struct store_sink *s = (struct store_sink *)sink;
	pthread_mutex_lock(&s->lock);
	uint64_t target = s->ring.head, meta_target = s->meta_added;
	s->flushers++;
	pthread_cond_signal(&s->more);
	while ((s->ring.tail < target || s->meta_applied < meta_target) && !s->error)
		pthread_cond_wait(&s->done, &s->lock);
	s->flushers--;
	int rc = s->error;
	sync_counters(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void stop_writer(struct store_sink *s)
{
	if (!s->thread_started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	s->thread_started = false;
}

static void free_sink(struct store_sink *s)
{
	xs_encoder_free(s->enc);
	xs_store_close(s->db);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].key);
		free(s->meta[i].value);
	}
	free(s->meta);
	xs_record_ring_free(&s->ring);
	free(s->path);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->room);
	pthread_cond_destroy(&s->done);
	pthread_cond_destroy(&s->ckpt_wake);
	free(s);
}

/* The run's own counters and final state, in one transaction. */
static int write_final(struct store_sink *s, char *err, size_t errlen)
{
	char dropped[32], stalls[32];
	snprintf(dropped, sizeof(dropped), "%llu", (unsigned long long)s->base.dropped);
	snprintf(stalls, sizeof(stalls), "%llu", (unsigned long long)s->stalls);
	int rc = xs_sql_exec(s->db, "BEGIN IMMEDIATE", err, errlen);
	if (!rc)
		rc = xs_run_set_meta(s->db, s->run_id, "counter.dropped.store", dropped, err, errlen);
	if (!rc)
		rc = xs_run_set_meta(s->db, s->run_id, "counter.store.stalls", stalls, err, errlen);
	if (!rc)
		rc = xs_run_finish(s->db, s->run_id, s->error || s->producer_failed ? "failed" : "complete", err,
				   errlen);
	if (!rc)
		rc = xs_sql_exec(s->db, "COMMIT", err, errlen);
	if (rc)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * After the writer stopped: the final state. On a full disk the first try can fail for want of a few pages;
 * folding the write-ahead log into the database and truncating it frees its space when the database file has
 * room for the log's pages, so a second try can still mark the run failed. When even that is impossible the
 * row keeps 'recording', the error says so, and readers show the run as 'incomplete' once this process has
 * exited (db/runs.h: the writer's identity is stored with the run).
 */
static void finish_run(struct store_sink *s)
{
	char err[256];
	sync_counters(s);
	s->state_written = true;
	if (write_final(s, err, sizeof(err))) {
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if (write_final(s, err, sizeof(err))) {
			bool had_error = s->error != 0;
			set_error(s, -EIO, err);
			if (!had_error && !write_final(s, err, sizeof(err)))
				return;
			/* Not even that fits: the row keeps 'recording'; readers show it 'incomplete' once we exit. */
			s->state_written = false;
			size_t n = strlen(s->errmsg);
			snprintf(s->errmsg + n, sizeof(s->errmsg) - n, "; the run could not be marked %s (%s)",
				 had_error ? "failed" : "complete", err);
			return;
		}
	}
	/* Leave one self-contained file behind: fold the WAL into the database. */
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

static void fill_info(struct store_sink *s, struct xs_store_sink_info *info)
{
	memset(info, 0, sizeof(*info));
	info->run_id = s->run_id;
	info->committed = s->committed;
	info->batches = s->batches;
	info->stalls = s->stalls;
	info->dropped = s->base.dropped;
	info->writer_cpu_s = s->cpu_s;
	info->writer_busy_s = s->busy_s;
	snprintf(info->error, sizeof(info->error), "%s", s->errmsg);
	info->state_written = s->state_written;
}

static int close_sink(struct store_sink *s, struct xs_store_sink_info *info)
{
	store_flush(&s->base);
	stop_writer(s);
	stop_checkpointer(s);
	finish_run(s);
	if (info)
		fill_info(s, info);
	if (s->error && !info)
		xs_err("store %s: %s", s->path, s->errmsg);
	int rc = s->error;
	free_sink(s);
	return rc;
}

static int store_close(struct xs_sink *sink)
{
	return close_sink((struct store_sink *)sink, NULL);
}

static const struct xs_sink_ops store_ops = {store_write, store_meta, store_flush, store_close};

int xs_is_store_sink(const struct xs_sink *s)
{
	return s && s->ops == &store_ops;
}

int xs_store_sink_close_info(struct xs_sink *sink, struct xs_store_sink_info *info)
{
	return close_sink((struct store_sink *)sink, info);
}

void xs_store_sink_info(struct xs_sink *sink, struct xs_store_sink_info *info)
{
	struct store_sink *s = (struct store_sink *)sink;
	pthread_mutex_lock(&s->lock);
	sync_counters(s);
	fill_info(s, info);
	pthread_mutex_unlock(&s->lock);
}

struct xs_sink *xs_store_sink_open(const char *path, const struct xs_store_sink_opts *opts, char *err, size_t errlen)
{
	struct store_sink *s = xs_calloc(1, sizeof(*s));
	if (opts)
		s->opts = *opts;
	if (!s->opts.queue_records)
		s->opts.queue_records = DEFAULT_QUEUE;
	if (!s->opts.batch_records)
		s->opts.batch_records = DEFAULT_BATCH;
	if (!s->opts.linger_ms)
		s->opts.linger_ms = DEFAULT_LINGER_MS;
	if (s->opts.queue_records < 16)
		s->opts.queue_records = 16;
	s->opts.imported_from = NULL; /* not kept past open */
	s->path = xs_strdup(path);
	s->base.ops = &store_ops;
	s->base.name = s->path;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, &ca);
	pthread_cond_init(&s->room, &ca);
	pthread_cond_init(&s->done, &ca);
	pthread_cond_init(&s->ckpt_wake, &ca);
	pthread_condattr_destroy(&ca);

	s->db = xs_store_open(path, XS_STORE_CREATE, err, errlen);
	if (!s->db)
		goto fail;
	char why[256];
	s->run_id = xs_run_create(s->db, opts ? opts->imported_from : NULL, why, sizeof(why));
	if (s->run_id < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	s->enc = xs_encoder_new(s->db, s->run_id, why, sizeof(why));
	if (!s->enc) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	xs_record_ring_init(&s->ring, (size_t)s->opts.queue_records * UNIT);
	start_checkpointer(s);
	if (pthread_create(&s->thread, NULL, writer_main, s)) {
		snprintf(err, errlen, "%s: cannot start the writer thread", path);
		goto fail;
	}
	s->thread_started = true;
	return &s->base;
fail:
	stop_checkpointer(s);
	free_sink(s);
	return NULL;
}
