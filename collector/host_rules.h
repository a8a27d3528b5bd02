/* SPDX-License-Identifier: MIT */
/*
 * The rules that say which events make up one exit on a host where kvm_exit never fires, shared by the
 * joiner and the perf backend's filter (the BPF program carries the same rules in BPF C).
 */
#ifndef EXITSCOPE_COLLECTOR_HOST_RULES_H
#define EXITSCOPE_COLLECTOR_HOST_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/events.h"

/* The host-event reason (enum xs_host_event) of a per-cause event type (enum xs_ev_type); 0 for others. */
uint8_t xs_col_host_reason_of(unsigned int ev_type);

/*
 * Can a userspace exit belong to this per-cause event (an OUT, an MMIO write or unsatisfied read, a
 * hypercall: the accesses KVM traces before it exits), and with which key (port, guest-physical address,
 * hypercall number) must the exit's struct kvm_run then agree?
 */
bool xs_col_host_joinable(const struct xs_ev_hdr *ev, uint64_t *key);

/*
 * Does a userspace exit (KVM_EXIT_* reason; run: the head of its struct kvm_run, or NULL when the backend
 * cannot read it) belong to the joinable host event (host_reason, key) that opened the current exit?
 */
bool xs_col_uexit_joins(uint8_t host_reason, uint64_t key, uint32_t kvm_reason, const uint8_t *run);

/*
 * The host-event reason a userspace exit that joins no host event ends up as: an IN (PIO) or MMIO read
 * (MMIO) once KVM takes the VMM's data, else XS_HEV_USERSPACE_EXIT. Filters judge it by this.
 */
uint8_t xs_col_uexit_stands_for(uint32_t kvm_reason);

/* Does the VMM's answer to this userspace exit reach KVM at the next KVM_RUN (RDMSR, WRMSR, hypercall)? */
bool xs_col_answer_at_next_run(uint32_t kvm_reason);

#endif
