/* SPDX-License-Identifier: MIT */
/*
 * The BPF program's filters (process, vCPU, reason set, 1-in-N sampling) in user space, for the perf
 * backend, which cannot filter in the kernel. Same rules, same per-thread state as collector/exitscope.bpf.c,
 * so both backends keep the same exits: in hardware mode kvm_exit decides for its whole exit; in host mode
 * each per-cause event does, except completions, which follow the exit they complete, and a userspace exit
 * follows the event it joins.
 */
#ifndef EXITSCOPE_COLLECTOR_PREFILTER_H
#define EXITSCOPE_COLLECTOR_PREFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/bpf_config.h"
#include "collector/events.h"

struct xs_prefilter;

struct xs_prefilter_counters {
	uint64_t filtered, sampled_out;
};

/* cfg as the BPF program would get it (tgid, vcpu, reasons, sampling, track_exits, hw_mode). */
struct xs_prefilter *xs_prefilter_new(const struct xs_bpf_config *cfg);
void xs_prefilter_free(struct xs_prefilter *p);

/* Whether the event passes; events must come in each thread's order. */
bool xs_prefilter_keep(struct xs_prefilter *p, const struct xs_ev_hdr *ev);

void xs_prefilter_get_counters(const struct xs_prefilter *p, struct xs_prefilter_counters *out);

#endif
