/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus / OpenMetrics view of a record stream: a thread-safe sink feeding one shared aggregator
 * (common/agg.h), and a renderer of the text exposition format (version 0.0.4) from that aggregator.
 *
 * Scrapes cost bounded work: a scrape walks the aggregator's cells (one per pid x vCPU x reason seen), never the
 * records, and holds the lock only for those walks. Label cardinality is bounded: at most max_vms VMs have
 * their own series, given to new VMs while slots are free (the busiest first when several arrive at once) and
 * kept; the rest are summed into pid="other",vm="other" (how many is itself a gauge); within a VM the first
 * max_vcpus vCPUs seen (the busiest first) have their own series, the rest vcpu="other". Slots are sticky so
 * every series only grows (a true counter); with a live source a VM whose process has been gone for 5 minutes
 * gives its slot up. Latency histograms are per (isa, reason) over all VMs, on fixed power-of-two bucket bounds. So at
 * most (max_vms + 1) x (max_vcpus + 1) x reasons exit series exist, whatever the host runs.
 */
#ifndef EXITSCOPE_FLEET_METRICS_H
#define EXITSCOPE_FLEET_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "common/agg.h"
#include "common/sink.h"

#define XS_METRICS_MAX_VMS_DEFAULT 20
#define XS_METRICS_MAX_VCPUS_DEFAULT 64
#define XS_METRICS_CPUS 1024 /* per-CPU loss counters kept for CPUs below this; the rest summed as cpu="other" */

/* The VM name of pid (from its command line, or the run's guest), or NULL. Called under the metrics lock: when a
 * pid is first seen (the callee caches what it finds, while the process still exists) and at each scrape. */
typedef const char *(*xs_metrics_vm_name_fn)(void *arg, uint32_t pid);

struct xs_metrics;

struct xs_metrics *xs_metrics_new(unsigned int max_vms, unsigned int max_vcpus, xs_metrics_vm_name_fn vm_name,
				  void *vm_name_arg);
void xs_metrics_free(struct xs_metrics *m);

/*
 * A sink adding every record to the metrics (thread-safe; it does not own m). Run metadata it understands:
 * run.guest (names the VMs /proc cannot), counter.dropped.ring and counter.lost.perf (totals, shown when no
 * per-CPU figures come), counter.dropped.ring.per_cpu and counter.lost.perf.per_cpu ("CPU:COUNT,..."),
 * counter.agg_full (aggregation mode: exits the kernel's cell map had no room for).
 */
struct xs_sink *xs_metrics_sink(struct xs_metrics *m);

/*
 * Exits the source counted itself (the collector's aggregation mode, no record per exit): fn adds what it
 * counted since its last call to the metrics' aggregator, under the lock. fn's result is returned.
 */
typedef int (*xs_metrics_count_fn)(void *ctx, struct xs_agg *agg);
int xs_metrics_add_counted(struct xs_metrics *m, xs_metrics_count_fn fn, void *ctx);

/* The pids are live processes of this host (the collector): a VM whose process is gone gives its slot up. */
void xs_metrics_set_live(struct xs_metrics *m, int live);

/* Whether the source still runs (the exitscope_source_running gauge). */
void xs_metrics_set_running(struct xs_metrics *m, int running);

/* Write the exposition text. */
void xs_metrics_render(struct xs_metrics *m, FILE *out);

/* A copy of the aggregator as it is now (for the end-of-run summary); free it with xs_agg_free. */
struct xs_agg *xs_metrics_snapshot(struct xs_metrics *m);

/* Records added, and scrapes rendered so far. */
uint64_t xs_metrics_records(struct xs_metrics *m);

#endif
