/* SPDX-License-Identifier: MIT */
/*
 * The joiner: turns the event sequence of each vCPU thread into exit records (include/exitscope/record.h).
 * Both backends feed it the same checked events (collector/events.h, collector/event_parse.h), in the order
 * each thread produced them.
 *
 * Hardware mode (kvm_exit fires): a record is kvm_exit (its two halves merged when both are collected) plus
 * the detail events that follow on the same thread (kvm_pio, kvm_mmio, kvm_msr, kvm_cr, kvm_cpuid,
 * kvm_hypercall, kvm_page_fault, kvm_inj_exception, kvm_emulate_insn, kvm_nested_vmexit, the userspace exit
 * with its struct kvm_run copy, the VMM's answer at the next KVM_RUN), closed by the next kvm_entry, which
 * gives the exit-to-entry latency. A detail event with no open exit is emitted alone, flagged XS_F_UNJOINED
 * and counted.
 *
 * Host mode (kvm_exit never fires, e.g. a PVM host): each per-cause event is an exit record of isa
 * XS_ISA_HOST_EVENT; a userspace exit it caused joins it (XS_F_USERSPACE), as do the completions that come
 * back from the VMM (the data of an IN, of an MMIO read, of an RDMSR). A userspace exit no per-cause event
 * explains (HLT, an MSR filter exit, a signal) is a record of reason XS_HEV_USERSPACE_EXIT. In host-event
 * records `qualification` holds the KVM_EXIT_* reason of the joined userspace exit and `info2` the KVM_RUN
 * result (0 or a negative errno), both only with XS_F_USERSPACE.
 *
 * Not thread-safe. Times are the events' own (CLOCK_MONOTONIC ns).
 */
#ifndef EXITSCOPE_COLLECTOR_JOINER_H
#define EXITSCOPE_COLLECTOR_JOINER_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/events.h"
#include "collector/filter.h"

struct xs_joiner;

/* Called once per finished record; the record is only valid during the call. */
typedef void (*xs_joiner_emit_fn)(void *ctx, const struct xs_exit_record *r);

struct xs_joiner_config {
	bool hw_mode;			    /* kvm_exit fires on this host */
	bool merge_halves;		    /* both kvm_exit halves are collected (VMX): merge adjacent pairs */
	bool sampling;			    /* 1-in-N sampling is on: records get XS_F_SAMPLED */
	uint8_t source;			    /* XS_SRC_BPF or XS_SRC_PERF */
	const struct xs_col_filter *filter; /* final reason filter, or NULL */
};

struct xs_joiner_stats {
	uint64_t events;	  /* events fed */
	uint64_t records;	  /* records emitted */
	uint64_t unjoined;	  /* hardware mode: detail events with no exit to join (emitted with XS_F_UNJOINED) */
	uint64_t orphan_entries;  /* kvm_entry with no open exit (e.g. the first one, or after a fast-path re-entry) */
	uint64_t orphan_runs;	  /* VMM answers with no userspace exit waiting for them */
	uint64_t unpaired_halves; /* kvm_exit halves whose partner never came (kept as they are) */
	uint64_t sampled_halves;  /* tp_btf halves whose classic partner was sampled out (dropped) */
	uint64_t filtered;	  /* records dropped by the final reason filter */
	uint64_t details_folded;  /* detail events of an exit that already had a detail of another kind */
};

struct xs_joiner *xs_joiner_new(const struct xs_joiner_config *cfg, xs_joiner_emit_fn emit, void *ctx);
void xs_joiner_free(struct xs_joiner *j);

/* One event (already checked by xs_ev_check). */
void xs_joiner_feed(struct xs_joiner *j, const struct xs_ev_hdr *ev);

/*
 * Emit host-mode records idle for idle_ns (by now_ns) that wait for nothing but a possible userspace exit,
 * so a quiet vCPU's last exit is not held back. Records waiting for data from the VMM, and hardware-mode
 * records waiting for their kvm_entry, stay open.
 */
void xs_joiner_flush_idle(struct xs_joiner *j, uint64_t now_ns, uint64_t idle_ns);

/* The end: emit every open record as it is. */
void xs_joiner_flush(struct xs_joiner *j);

void xs_joiner_get_stats(const struct xs_joiner *j, struct xs_joiner_stats *out);

#endif
