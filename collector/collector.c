// SPDX-License-Identifier: MIT
#include "collector/collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/backend.h"
#include "collector/joiner.h"
#include "collector/kvm_host.h"
#include "common/host_facts.h"
#include "common/util.h"

#define BATCH 256
/* A host-mode record with nothing left to wait for is emitted after this much quiet. */
#define IDLE_FLUSH_NS (200ull * 1000 * 1000)

struct xs_collector {
	const struct xs_col_backend_ops *ops;
	struct xs_col_backend_impl *impl;
	struct xs_kvm_host host;
	struct xs_joiner *joiner;
	struct xs_sink *sink;
	struct xs_col_opts opts;
	struct xs_exit_record *batch;
	size_t nbatch;
	uint64_t records, sink_errors, events;
	char fallback[320];
	bool stopped;
};

static void flush_batch(struct xs_collector *c)
{
	if (!c->nbatch)
		return;
	if (xs_sink_write(c->sink, c->batch, c->nbatch) < 0)
		c->sink_errors++;
	c->nbatch = 0;
}

static void on_record(void *ctx, const struct xs_exit_record *r)
{
	struct xs_collector *c = ctx;
	/* constant sizes: the compiler copies inline */
	if (r->flags & XS_F_GUEST_STATE)
		memcpy(&c->batch[c->nbatch++], r, XS_RECORD_FULL_SIZE);
	else
		memcpy(&c->batch[c->nbatch++], r, XS_RECORD_CORE_SIZE);
	c->records++;
	if (c->nbatch == BATCH)
		flush_batch(c);
}

static void on_event(void *ctx, const struct xs_ev_hdr *ev)
{
	struct xs_collector *c = ctx;
	c->events++;
	xs_joiner_feed(c->joiner, ev);
}

static void describe_filter(struct xs_collector *c)
{
	const struct xs_col_opts *o = &c->opts;
	char pid[16] = "any", vcpu[16] = "any", events[512];
	if (o->pid)
		snprintf(pid, sizeof(pid), "%u", o->pid);
	if (o->vcpu_filter)
		snprintf(vcpu, sizeof(vcpu), "%u", o->vcpu);
	xs_col_events_text(o->events ? o->events : XS_TP_DEFAULT, events, sizeof(events));
	xs_sink_metaf(c->sink, "run.filter", "pid=%s vcpu=%s reasons=%s sample=1/%u events=%s", pid, vcpu,
		      o->reasons.by_reason && o->reason_list ? o->reason_list : "any",
		      o->sample_n > 1 ? o->sample_n : 1u, events);
}

const char *xs_collector_guest_state_missing(const struct xs_collector *c)
{
	if (c->opts.gs_level == XS_BPF_GS_NONE)
		return NULL;
	if (!c->host.hw_mode)
		return "host-event mode has no kvm_exit to take them at";
	return c->ops->no_guest_state(c->impl);
}

const char *const xs_col_gs_level_names[XS_BPF_GS_FULL + 1] = {"none", "regs", "full"};

/* What the records' guest-state blocks hold: the level asked for, or none and why. */
static void write_guest_state_meta(struct xs_collector *c)
{
	const char *missing = xs_collector_guest_state_missing(c);
	if (missing)
		xs_sink_metaf(c->sink, "collector.guest_state", "none (%s)", missing);
	else
		xs_sink_meta(c->sink, "collector.guest_state",
			     xs_col_gs_level_names[c->opts.gs_level <= XS_BPF_GS_FULL ? c->opts.gs_level : 0]);
}

static void write_start_meta(struct xs_collector *c)
{
	xs_sink_meta(c->sink, "run.source", c->ops->name);
	xs_sink_metaf(c->sink, "run.started_ns", "%llu", (unsigned long long)xs_now_ns());
	xs_meta_host_facts(c->sink);
	xs_sink_meta(c->sink, "collector.backend", c->ops->name);
	xs_sink_meta(c->sink, "collector.mode", c->host.hw_mode ? "hardware" : "host-event");
	xs_sink_meta(c->sink, "collector.stream", xs_collector_aggregating(c) ? "aggregate" : "per-exit");
	xs_sink_meta(c->sink, "collector.vendor", xs_kvm_vendor_name(c->host.btf_vendor));
	if (c->host.module[0])
		xs_sink_meta(c->sink, "collector.kvm_module", c->host.module);
	if (c->fallback[0])
		xs_sink_meta(c->sink, "collector.fallback", c->fallback);
	if (c->opts.sample_n > 1)
		xs_sink_metaf(c->sink, "collector.sample_n", "%u", c->opts.sample_n);
	describe_filter(c);
	write_guest_state_meta(c);
	if (c->ops->meta)
		c->ops->meta(c->impl, c->sink);
}

struct xs_collector *xs_collector_open(const struct xs_col_opts *opts, struct xs_sink *sink, char *err, size_t errlen)
{
	struct xs_collector *c = xs_calloc(1, sizeof(*c));
	c->opts = *opts;
	c->sink = sink;
	xs_kvm_host_probe(&c->host);
	if (!c->host.tracefs) {
		snprintf(err, errlen,
			 "no KVM tracepoints (is the kvm module loaded and tracefs mounted at "
			 "/sys/kernel/tracing?)");
		free(c);
		return NULL;
	}
	char bpf_err[256] = "";
	if (opts->backend != XS_COL_PERF) {
		c->ops = &xs_col_bpf_backend;
		c->impl = c->ops->open(opts, &c->host, on_event, c, bpf_err, sizeof(bpf_err));
		if (!c->impl && opts->backend == XS_COL_BPF) {
			snprintf(err, errlen, "BPF backend: %s", bpf_err);
			free(c);
			return NULL;
		}
		if (!c->impl)
			snprintf(c->fallback, sizeof(c->fallback), "BPF unavailable: %s", bpf_err);
	}
	if (!c->impl) {
		c->ops = &xs_col_perf_backend;
		char perf_err[256];
		c->impl = c->ops->open(opts, &c->host, on_event, c, perf_err, sizeof(perf_err));
		if (!c->impl) {
			if (c->fallback[0])
				snprintf(err, errlen, "%s; perf backend: %s", c->fallback, perf_err);
			else
				snprintf(err, errlen, "perf backend: %s", perf_err);
			free(c);
			return NULL;
		}
	}
	struct xs_joiner_config jc = {
		.hw_mode = c->host.hw_mode,
		.merge_halves = c->ops->merges_halves(c->impl),
		.sampling = opts->sample_n > 1,
		.source = c->ops == &xs_col_bpf_backend ? XS_SRC_BPF : XS_SRC_PERF,
		.filter = &c->opts.reasons,
	};
	c->joiner = xs_joiner_new(&jc, on_record, c);
	c->batch = xs_calloc(BATCH, sizeof(*c->batch));
	write_start_meta(c);
	return c;
}

int xs_collector_poll(struct xs_collector *c, int timeout_ms)
{
	int e = c->ops->poll(c->impl, timeout_ms);
	xs_joiner_flush_idle(c->joiner, xs_now_ns(), IDLE_FLUSH_NS);
	flush_batch(c);
	return e;
}

void xs_collector_get_counters(struct xs_collector *c, struct xs_col_counters *out)
{
	memset(out, 0, sizeof(*out));
	c->ops->counters(c->impl, out);
	struct xs_joiner_stats js;
	xs_joiner_get_stats(c->joiner, &js);
	out->events = c->events;
	out->records = c->records;
	out->unjoined = js.unjoined;
	out->filtered += js.filtered;
	out->sampled_out += js.sampled_halves;
	out->orphan_entries = js.orphan_entries;
	out->orphan_runs = js.orphan_runs;
	out->unpaired_halves = js.unpaired_halves;
	out->details_folded = js.details_folded;
	out->sink_errors = c->sink_errors;
}

void xs_collector_get_cpu_losses(struct xs_collector *c, uint64_t *ring_full, uint64_t *lost, size_t ncpu)
{
	memset(ring_full, 0, ncpu * sizeof(*ring_full));
	memset(lost, 0, ncpu * sizeof(*lost));
	if (c->ops->cpu_losses)
		c->ops->cpu_losses(c->impl, ring_full, lost, ncpu);
}

static void meta_u64(struct xs_sink *s, const char *key, uint64_t v)
{
	xs_sink_metaf(s, key, "%llu", (unsigned long long)v);
}

int xs_collector_stop(struct xs_collector *c)
{
	if (c->stopped)
		return 0;
	c->stopped = true;
	c->ops->detach(c->impl);
	int e = c->ops->drain(c->impl);
	xs_joiner_flush(c->joiner);
	flush_batch(c);
	struct xs_col_counters k;
	xs_collector_get_counters(c, &k);
	xs_sink_metaf(c->sink, "run.ended_ns", "%llu", (unsigned long long)xs_now_ns());
	meta_u64(c->sink, "counter.events", k.events);
	meta_u64(c->sink, "counter.records", k.records);
	meta_u64(c->sink, "counter.dropped.ring", k.dropped_ring);
	meta_u64(c->sink, "counter.lost.perf", k.lost_perf);
	meta_u64(c->sink, "counter.bad_events", k.bad_events);
	meta_u64(c->sink, "counter.unjoined", k.unjoined);
	meta_u64(c->sink, "counter.filtered", k.filtered);
	meta_u64(c->sink, "counter.sampled_out", k.sampled_out);
	meta_u64(c->sink, "counter.read_fail", k.read_fail);
	meta_u64(c->sink, "counter.orphan_entries", k.orphan_entries);
	meta_u64(c->sink, "counter.orphan_runs", k.orphan_runs);
	meta_u64(c->sink, "counter.unpaired_halves", k.unpaired_halves);
	if (xs_collector_aggregating(c))
		meta_u64(c->sink, "counter.agg_full", k.agg_full);
	meta_u64(c->sink, "counter.dropped.sink", c->sink->dropped);
	meta_u64(c->sink, "counter.sink_write_errors", k.sink_errors);
	return e;
}

void xs_collector_close(struct xs_collector *c)
{
	if (!c)
		return;
	c->ops->close(c->impl);
	xs_joiner_free(c->joiner);
	free(c->batch);
	free(c);
}

const char *xs_collector_backend_name(const struct xs_collector *c)
{
	return c->ops->name;
}

const char *xs_collector_fallback_reason(const struct xs_collector *c)
{
	return c->fallback[0] ? c->fallback : NULL;
}

bool xs_collector_aggregating(const struct xs_collector *c)
{
	return c->opts.aggregate && c->ops->read_agg;
}

int xs_collector_read_agg(struct xs_collector *c, xs_col_agg_fn fn, void *ctx)
{
	if (!xs_collector_aggregating(c))
		return -EOPNOTSUPP;
	return c->ops->read_agg(c->impl, fn, ctx);
}

void xs_collector_set_stream(struct xs_collector *c, bool on)
{
	if (xs_collector_aggregating(c) && c->ops->set_stream)
		c->ops->set_stream(c->impl, on);
}

bool xs_collector_hw_mode(const struct xs_collector *c)
{
	return c->host.hw_mode;
}
