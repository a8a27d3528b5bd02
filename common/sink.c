// SPDX-License-Identifier: MIT
#include "common/sink.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"

int xs_sink_metaf(struct xs_sink *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *value = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		xs_die("out of memory formatting metadata %s", key);
	int rc = xs_sink_meta(s, key, value);
	free(value);
	return rc;
}

/* ---- tee ---- */

struct tee {
	struct xs_sink base;
	size_t n;
	struct xs_sink **sinks;
};

static void tee_sum(struct tee *t)
{
	uint64_t dropped = 0;
	for (size_t i = 0; i < t->n; i++)
		dropped += t->sinks[i]->dropped;
	t->base.dropped = dropped;
}

static int tee_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct tee *t = (struct tee *)s;
	int first = 0;
	for (size_t i = 0; i < t->n; i++) {
		int rc = xs_sink_write(t->sinks[i], recs, n);
		if (rc && !first)
			first = rc;
	}
	s->written += n;
	tee_sum(t);
	return first;
}

static int tee_meta(struct xs_sink *s, const char *key, const char *value)
{
	struct tee *t = (struct tee *)s;
	int first = 0;
	for (size_t i = 0; i < t->n; i++) {
		int rc = xs_sink_meta(t->sinks[i], key, value);
		if (rc && !first)
			first = rc;
	}
	return first;
}

static int tee_flush(struct xs_sink *s)
{
	struct tee *t = (struct tee *)s;
	int first = 0;
	for (size_t i = 0; i < t->n; i++) {
		int rc = xs_sink_flush(t->sinks[i]);
		if (rc && !first)
			first = rc;
	}
	tee_sum(t);
	return first;
}

static int tee_close(struct xs_sink *s)
{
	struct tee *t = (struct tee *)s;
	int first = 0;
	for (size_t i = 0; i < t->n; i++) {
		int rc = xs_sink_close(t->sinks[i]);
		if (rc && !first)
			first = rc;
	}
	free(t->sinks);
	free(t);
	return first;
}

static const struct xs_sink_ops tee_ops = {tee_write, tee_meta, tee_flush, tee_close};

struct xs_sink *xs_sink_tee(struct xs_sink **sinks, size_t n)
{
	struct tee *t = xs_calloc(1, sizeof(*t));
	t->base.ops = &tee_ops;
	t->base.name = "tee";
	t->n = n;
	t->sinks = xs_calloc(n, sizeof(*t->sinks));
	for (size_t i = 0; i < n; i++)
		t->sinks[i] = sinks[i];
	return &t->base;
}

/* ---- locked ---- */

struct locked {
	struct xs_sink base;
	struct xs_sink *inner;
	pthread_mutex_t lock;
};

static int locked_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct locked *l = (struct locked *)s;
	pthread_mutex_lock(&l->lock);
	int rc = xs_sink_write(l->inner, recs, n);
	s->written += n;
	s->dropped = l->inner->dropped;
	pthread_mutex_unlock(&l->lock);
	return rc;
}

static int locked_meta(struct xs_sink *s, const char *key, const char *value)
{
	struct locked *l = (struct locked *)s;
	pthread_mutex_lock(&l->lock);
	int rc = xs_sink_meta(l->inner, key, value);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

static int locked_flush(struct xs_sink *s)
{
	struct locked *l = (struct locked *)s;
	pthread_mutex_lock(&l->lock);
	int rc = xs_sink_flush(l->inner);
	s->dropped = l->inner->dropped;
	pthread_mutex_unlock(&l->lock);
	return rc;
}

static int locked_close(struct xs_sink *s)
{
	struct locked *l = (struct locked *)s;
	int rc = xs_sink_close(l->inner);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return rc;
}

static const struct xs_sink_ops locked_ops = {locked_write, locked_meta, locked_flush, locked_close};

struct xs_sink *xs_sink_locked(struct xs_sink *inner)
{
	struct locked *l = xs_calloc(1, sizeof(*l));
	l->base.ops = &locked_ops;
	l->base.name = inner->name;
	l->inner = inner;
	pthread_mutex_init(&l->lock, NULL);
	return &l->base;
}

/* ---- null ---- */

static int null_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	(void)recs;
	s->written += n;
	return 0;
}

static int null_close(struct xs_sink *s)
{
	free(s);
	return 0;
}

static const struct xs_sink_ops null_ops = {null_write, NULL, NULL, null_close};

struct xs_sink *xs_sink_null(void)
{
	struct xs_sink *s = xs_calloc(1, sizeof(*s));
	s->ops = &null_ops;
	s->name = "nothing";
	return s;
}
