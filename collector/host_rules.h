/* SPDX-License-Identifier: MIT */
/*
 * The rules that say which events make up one exit on a host where kvm_exit never fires, shared by the
 * joiner and the perf backend's filter (the BPF program carries the same rules in BPF C).
 */
#ifndef EXITSCOPE_COLLECTOR_HOST_RULES_H
#define EXITSCOPE_COLLECTOR_HOST_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* The host-event reason (enum xs_host_event) of a per-cause event type (enum xs_ev_type); 0 for others. */
uint8_t xs_col_host_reason_of(unsigned int ev_type);

/* Does a userspace exit of this KVM_EXIT_* reason belong to the host event that opened the current exit? */
bool xs_col_uexit_joins(uint8_t host_reason, uint32_t kvm_reason);

/* Does the VMM's answer to this userspace exit reach KVM at the next KVM_RUN (RDMSR, WRMSR, hypercall)? */
bool xs_col_answer_at_next_run(uint32_t kvm_reason);

#endif
