/* SPDX-License-Identifier: MIT */
/*
 * What the two backends (bpf_backend.c, perf_backend.c) offer collector.c: start with the options and the
 * host's facts, hand checked events to a callback in each thread's order, report their own counters.
 */
#ifndef EXITSCOPE_COLLECTOR_BACKEND_H
#define EXITSCOPE_COLLECTOR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"
#include "collector/events.h"
#include "collector/kvm_host.h"

typedef void (*xs_col_event_fn)(void *ctx, const struct xs_ev_hdr *ev);

struct xs_col_backend_impl;

struct xs_col_backend_ops {
	const char *name;
	/* NULL with a message in err. */
	struct xs_col_backend_impl *(*open)(const struct xs_col_opts *o, const struct xs_kvm_host *host,
					    xs_col_event_fn fn, void *ctx, char *err, size_t errlen);
	int (*poll)(struct xs_col_backend_impl *b, int timeout_ms);
	void (*detach)(struct xs_col_backend_impl *b); /* stop producing; what is buffered can still be polled */
	int (*drain)(struct xs_col_backend_impl *b);   /* consume everything left */
	void (*counters)(struct xs_col_backend_impl *b, struct xs_col_counters *out); /* adds its own */
	/* adds its losses per host CPU (arrays of ncpu); may be NULL */
	void (*cpu_losses)(struct xs_col_backend_impl *b, uint64_t *ring_full, uint64_t *lost, size_t ncpu);
	void (*close)(struct xs_col_backend_impl *b);
	/* whether both kvm_exit halves are collected (the joiner merges them) */
	bool (*merges_halves)(struct xs_col_backend_impl *b);
	/* in hardware mode, why its kvm_exit records carry no guest-state snapshot, or NULL if they do */
	const char *(*no_guest_state)(struct xs_col_backend_impl *b);
	/* aggregation mode: every cell, summed over CPUs (0 or a negative errno); NULL if the backend has none */
	int (*read_agg)(struct xs_col_backend_impl *b, xs_col_agg_fn fn, void *ctx);
	/* aggregation mode: also stream every exit (on) or not */
	void (*set_stream)(struct xs_col_backend_impl *b, bool on);
	/* the backend's own run metadata (collector.* keys); may be NULL */
	void (*meta)(struct xs_col_backend_impl *b, struct xs_sink *sink);
};

/* The filter part of the BPF program's configuration (the perf backend's user-space filter takes the same). */
void xs_col_make_config(struct xs_bpf_config *cfg, const struct xs_col_opts *o, bool hw_mode);

extern const struct xs_col_backend_ops xs_col_bpf_backend;
extern const struct xs_col_backend_ops xs_col_perf_backend;

#endif
