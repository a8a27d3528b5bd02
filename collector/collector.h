/* SPDX-License-Identifier: MIT */
/*
 * The collector: every exit of every VM on the host, from the KVM tracepoints, as exit records handed to a
 * sink. Two backends produce the same events for the same joiner (collector/joiner.h):
 *
 *   bpf   a libbpf CO-RE program (collector/exitscope.bpf.c) with filters compiled in, one ring buffer with
 *         batched wake-ups, a guest-state snapshot from struct kvm_vcpu at every kvm_exit
 *   perf  perf_event_open on the same tracepoints, one mmap'd ring per CPU; no kernel-memory reads, so no
 *         guest state and no struct kvm_run contents (an MSR-filter exit's index and data)
 *
 * `auto` tries BPF and falls back to perf when BPF cannot load, saying why (xs_collector_fallback_reason).
 * Nothing is lost silently: ring reservation failures (per CPU, in the BPF program), perf ring overruns,
 * events that failed their checks, records the joiner could not join and records the sink dropped are
 * counted (xs_collector_counters) and written to the run's metadata as counter.* keys.
 */
#ifndef EXITSCOPE_COLLECTOR_H
#define EXITSCOPE_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/bpf_config.h"
#include "collector/filter.h"
#include "common/sink.h"

enum xs_col_backend { XS_COL_AUTO, XS_COL_BPF, XS_COL_PERF };

/* Which kvm_exit programs the BPF backend loads (auto: by what the kernel's BTF says about the vendor). */
enum xs_col_exit_source { XS_EXIT_SRC_AUTO, XS_EXIT_SRC_BTF, XS_EXIT_SRC_TP, XS_EXIT_SRC_BOTH };

/* Which programs the detail tracepoints get: tp_btf (raw arguments) or classic; auto: tp_btf, else classic. */
enum xs_col_detail_source { XS_DETAIL_SRC_AUTO, XS_DETAIL_SRC_BTF, XS_DETAIL_SRC_TP };

struct xs_col_opts {
	enum xs_col_backend backend;
	uint32_t pid; /* only this process (tgid); 0: all */
	bool vcpu_filter;
	uint32_t vcpu;
	struct xs_col_filter reasons; /* by_reason false: every reason */
	const char *reason_list;      /* the reason list as given, for the run's metadata */
	uint32_t events;	      /* XS_TP_BIT set; 0: XS_TP_DEFAULT */
	uint32_t sample_n;	      /* keep 1 exit in N; 0 or 1: all */
	enum xs_bpf_gs_level gs_level;
	size_t ring_bytes; /* BPF ring size, or each perf ring's; 0: default */
	enum xs_col_exit_source exit_source;
	enum xs_col_detail_source detail_source;
	bool verbose;	/* libbpf's and the kernel verifier's messages on stderr */
	bool synthetic; /* benchmarks only: also load the synthetic producer (bench/collector_synth.c) */
	/*
	 * Aggregation mode (BPF backend only): exits are counted in the kernel per cell (collector/agg_map.h)
	 * and read with xs_collector_read_agg; no record reaches the sink.
	 */
	bool aggregate;
	uint32_t agg_cells; /* aggregation mode's map size (cells); 0: XS_AGG_DEFAULT_CELLS */
};

#define XS_COL_DEFAULT_RING_BYTES (16u << 20)
#define XS_COL_DEFAULT_PERF_RING_BYTES (4u << 20)

struct xs_col_counters {
	uint64_t events;       /* events consumed */
	uint64_t records;      /* records handed to the sink */
	uint64_t dropped_ring; /* BPF: events the ring had no room for */
	uint64_t lost_perf;    /* perf: samples the kernel lost (ring full) */
	uint64_t bad_events;   /* events that failed their checks (not used) */
	uint64_t unjoined;     /* detail events with no exit to join (hardware mode) */
	uint64_t filtered;     /* hits dropped by the vCPU or reason filter */
	uint64_t sampled_out;  /* hits dropped by sampling */
	uint64_t read_fail;    /* BPF: kernel reads that failed (events marked incomplete) */
	uint64_t wakeups;      /* BPF: forced consumer wake-ups */
	uint64_t orphan_entries, orphan_runs, unpaired_halves, details_folded;
	uint64_t sink_errors; /* writes the sink refused */
	uint64_t agg_full;    /* aggregation mode: exits not counted, the kernel's cell map was full */
};

struct xs_collector;

struct xs_agg_map_key;
struct xs_agg_map_val;
/* One aggregation-mode cell: its totals since the collector started, summed over CPUs. */
typedef void (*xs_col_agg_fn)(void *ctx, const struct xs_agg_map_key *k, const struct xs_agg_map_val *v);

/*
 * Load, attach and start collecting into sink (which the caller keeps and closes). NULL with a one-line
 * message in err when no backend can start.
 */
struct xs_collector *xs_collector_open(const struct xs_col_opts *opts, struct xs_sink *sink, char *err, size_t errlen);

/* Consume what the kernel has, waiting at most timeout_ms for it. 0, or a negative errno. */
int xs_collector_poll(struct xs_collector *c, int timeout_ms);

/* Detach, consume what is left, emit the open records, write the counters to the sink's metadata. */
int xs_collector_stop(struct xs_collector *c);

void xs_collector_close(struct xs_collector *c);

void xs_collector_get_counters(struct xs_collector *c, struct xs_col_counters *out);

/*
 * The losses per host CPU, for CPUs 0..ncpu-1 (zeroed first): events the BPF ring had no room for, samples the
 * perf rings lost. Together they sum to the totals of xs_collector_get_counters (for CPUs below ncpu).
 */
void xs_collector_get_cpu_losses(struct xs_collector *c, uint64_t *ring_full, uint64_t *lost, size_t ncpu);

/*
 * Aggregation mode (opts.aggregate): hand every cell the kernel counted so far to fn. 0, or a negative errno
 * (-EOPNOTSUPP when the collector does not aggregate).
 */
int xs_collector_read_agg(struct xs_collector *c, xs_col_agg_fn fn, void *ctx);

/*
 * Aggregation mode: also stream every exit to the sink while on (the counts stay in the kernel's cells; a
 * stream switched on mid-exit starts with the next whole one). No effect on a collector that streams anyway.
 */
void xs_collector_set_stream(struct xs_collector *c, bool on);

const char *xs_collector_backend_name(const struct xs_collector *c); /* "bpf" or "perf" */
/* Why `auto` fell back to perf, or NULL. */
const char *xs_collector_fallback_reason(const struct xs_collector *c);
/* Whether exits are counted in the kernel (opts.aggregate with the BPF backend; perf streams every exit). */
bool xs_collector_aggregating(const struct xs_collector *c);
/* The host's mode: kvm_exit fires ("hardware") or per-cause host events stand in for it ("host-event"). */
bool xs_collector_hw_mode(const struct xs_collector *c);
/* The guest-state levels' names (--guest-state, run metadata), indexed by enum xs_bpf_gs_level. */
extern const char *const xs_col_gs_level_names[XS_BPF_GS_FULL + 1];
/* Why the records carry no guest-state snapshot although one was asked for (opts.gs_level), or NULL. */
const char *xs_collector_guest_state_missing(const struct xs_collector *c);

#endif
