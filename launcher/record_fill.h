/* SPDX-License-Identifier: MIT */
/*
 * Building an exit record from what KVM left in struct kvm_run: pure functions of the kvm_run contents, so
 * the unit tests feed them fabricated exits. The detail union is common/kvm_detail.h's (the collector uses it
 * too). The record layout is docs/record-format.md's.
 */
#ifndef EXITSCOPE_LAUNCHER_RECORD_FILL_H
#define EXITSCOPE_LAUNCHER_RECORD_FILL_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "common/kvm_detail.h" /* xs_fill_detail: the detail, after the exit was handled */
#include "exitscope/record.h"
#include "launcher/controls.h"

struct xs_fill_ctx {
	uint32_t pid, tid, vcpu;
	enum xs_gs_capture capture; /* what kvm_valid_regs asked KVM to sync */
};

/*
 * Header, reason and guest state, taken right after KVM_RUN returned (before the exit is handled).
 * reason is run->exit_reason, or KVM_EXIT_INTR when KVM_RUN returned EINTR.
 */
void xs_fill_begin(struct xs_exit_record *r, const struct kvm_run *run, uint32_t reason, const struct xs_fill_ctx *ctx);

/* Guest state from kvm_run->s.regs: what KVM_SYNC_X86_REGS (and _SREGS with XS_GS_FULL) delivered. */
void xs_fill_guest_state(struct xs_guest_state *gs, const struct kvm_sync_regs *s, enum xs_gs_capture capture);

#endif
