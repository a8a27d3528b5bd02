// SPDX-License-Identifier: MIT
#include "tui/replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

#define BATCH 256	    /* records handed to the sink at once */
#define EARLY_NS 1000000ull /* records due within 1 ms go out with the current batch: no sleep per record */

struct replay {
	struct tui_source base;
	struct tui_replay_reader reader;
	double speed;
	struct xs_sink *sink;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;
	pthread_cond_t cond;  /* stop or resume */
	atomic_bool stopping; /* read on every record without the lock */
	bool paused;
	uint64_t paused_at, paused_ns; /* wall time paused so far shifts every due time */
	/* The mapping from recorded time to wall time, once the first record is seen. */
	bool anchored;
	uint64_t wall0, rec0;
	uint64_t last_ts; /* of the newest record handed over */
	bool ended;
};

static uint64_t wall_now(void)
{
	return xs_now_ns();
}

/* The recorded time due at wall time `wall` (under the lock): records up to it can go out without a look at
 * the clock. */
static uint64_t due_until(const struct replay *r, uint64_t wall)
{
	uint64_t played = wall > r->wall0 + r->paused_ns ? wall - r->wall0 - r->paused_ns : 0;
	return r->rec0 + (uint64_t)((double)played * r->speed);
}

/* Wall time at which a record of time ts is due (under the lock). */
static uint64_t due(const struct replay *r, uint64_t ts)
{
	uint64_t rec = ts > r->rec0 ? ts - r->rec0 : 0;
	return r->wall0 + r->paused_ns + (uint64_t)((double)rec / r->speed);
}

/* Wait until wall time `until` or until stopped; a pause extends the wait. Returns false when stopping. */
static bool wait_until(struct replay *r, uint64_t ts)
{
	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (atomic_load(&r->stopping))
			break;
		uint64_t until = due(r, ts), now = wall_now();
		if (!r->paused && until <= now + EARLY_NS)
			break;
		if (r->paused) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		/* The condition variable runs on CLOCK_REALTIME by default: wait a relative amount on it. */
		struct timespec abs;
		clock_gettime(CLOCK_REALTIME, &abs);
		uint64_t ns = until - now;
		abs.tv_sec += (time_t)(ns / 1000000000ull);
		abs.tv_nsec += (long)(ns % 1000000000ull);
		if (abs.tv_nsec >= 1000000000L) {
			abs.tv_sec++;
			abs.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->lock, &abs);
	}
	pthread_mutex_unlock(&r->lock);
	return !atomic_load(&r->stopping);
}

static bool flush(struct replay *r, struct xs_exit_record *batch, size_t *n)
{
	if (!*n)
		return true;
	int rc = xs_sink_write(r->sink, batch, *n);
	pthread_mutex_lock(&r->lock);
	r->last_ts = batch[*n - 1].ts;
	pthread_mutex_unlock(&r->lock);
	*n = 0;
	return rc == 0;
}

static void *replay_main(void *arg)
{
	struct replay *r = arg;
	pthread_setname_np(pthread_self(), "xs-top-replay");
	struct xs_exit_record *batch = xs_malloc(BATCH * sizeof(*batch));
	size_t n = 0;
	uint64_t records = 0, horizon = 0;
	bool paced = false;
	char err[600] = "";
	for (;;) {
		const char *key, *value;
		enum tui_replay_item item = r->reader.next(r->reader.ctx, &batch[n], &key, &value, err, sizeof(err));
		if (item == TUI_REPLAY_META) {
			if (!flush(r, batch, &n))
				break;
			xs_sink_meta(r->sink, key, value);
			continue;
		}
		if (item != TUI_REPLAY_RECORD) {
			flush(r, batch, &n);
			/* Ended before the state says so: whoever sees the end then reads the final clock. */
			pthread_mutex_lock(&r->lock);
			r->ended = true;
			pthread_mutex_unlock(&r->lock);
			if (item == TUI_REPLAY_ERROR)
				tui_source_end(&r->base, TUI_SOURCE_FAILED, "replay ended after %llu records: %s",
					       (unsigned long long)records, err);
			else
				tui_source_end(&r->base, TUI_SOURCE_FINISHED, "replay finished: %llu records",
					       (unsigned long long)records);
			break;
		}
		struct xs_exit_record *rec = &batch[n];
		records++;
		/* Records up to `horizon` are due (within EARLY_NS): they go out without the lock or the clock. A later
		 * one sends what is due and sleeps until it is due itself. */
		if (r->speed > 0 && !(rec->flags & XS_F_TS_TSC) && (!paced || rec->ts > horizon)) {
			pthread_mutex_lock(&r->lock);
			if (!r->anchored) {
				r->anchored = true;
				r->wall0 = wall_now();
				r->rec0 = rec->ts;
			}
			bool due_now = !r->paused && due(r, rec->ts) <= wall_now() + EARLY_NS;
			pthread_mutex_unlock(&r->lock);
			if (!due_now) {
				struct xs_exit_record keep = *rec;
				if (!flush(r, batch, &n) || !wait_until(r, keep.ts))
					break;
				batch[0] = keep;
			}
			pthread_mutex_lock(&r->lock);
			horizon = due_until(r, wall_now() + EARLY_NS);
			pthread_mutex_unlock(&r->lock);
			paced = true;
		}
		n++;
		if (n == BATCH && !flush(r, batch, &n))
			break;
		if (atomic_load_explicit(&r->stopping, memory_order_relaxed))
			break;
	}
	free(batch);
	pthread_mutex_lock(&r->lock);
	r->ended = true;
	pthread_mutex_unlock(&r->lock);
	if (tui_source_state(&r->base, NULL) == TUI_SOURCE_RUNNING)
		tui_source_end(&r->base, TUI_SOURCE_FINISHED, "replay stopped after %llu records",
			       (unsigned long long)records);
	return NULL;
}

static int replay_start(struct tui_source *s, struct xs_sink *sink, char *err, size_t errlen)
{
	struct replay *r = (struct replay *)s;
	r->sink = sink;
	int rc = pthread_create(&r->thread, NULL, replay_main, r);
	if (rc) {
		snprintf(err, errlen, "cannot start the replay thread: %s", strerror(rc));
		return -rc;
	}
	r->started = true;
	return 0;
}

static void replay_stop(struct tui_source *s)
{
	struct replay *r = (struct replay *)s;
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stopping, true);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (r->started)
		pthread_join(r->thread, NULL);
	r->started = false;
}

static void replay_pause(struct tui_source *s, bool paused)
{
	struct replay *r = (struct replay *)s;
	pthread_mutex_lock(&r->lock);
	/* The replay thread may still hand over what was due within EARLY_NS of now: no more. */
	if (paused && !r->paused) {
		r->paused_at = wall_now();
	} else if (!paused && r->paused) {
		r->paused_ns += wall_now() - r->paused_at;
	}
	r->paused = paused;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static uint64_t replay_clock(struct tui_source *s)
{
	struct replay *r = (struct replay *)s;
	uint64_t now = 0;
	pthread_mutex_lock(&r->lock);
	if (r->ended) {
		now = r->last_ts; /* the replay is over: its figures stay as they were at the end */
	} else if (r->anchored) {
		now = due_until(r, r->paused ? r->paused_at : wall_now());
	}
	pthread_mutex_unlock(&r->lock);
	return now;
}

static void replay_destroy(struct tui_source *s)
{
	struct replay *r = (struct replay *)s;
	if (r->reader.close)
		r->reader.close(r->reader.ctx);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct tui_source_ops replay_ops = {.start = replay_start,
						 .stop = replay_stop,
						 .pause = replay_pause,
						 .clock = replay_clock,
						 .destroy = replay_destroy};

struct tui_source *tui_replay_new(const char *label, struct tui_replay_reader reader, double speed)
{
	struct replay *r = xs_calloc(1, sizeof(*r));
	r->base.ops = &replay_ops;
	r->base.lossless = true;
	snprintf(r->base.label, sizeof(r->base.label), "%s", label);
	r->reader = reader;
	r->speed = speed;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return &r->base;
}
