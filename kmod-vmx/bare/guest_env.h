/* SPDX-License-Identifier: MIT */
/* Guest-state areas for the scenarios' guests, and the guest IDT they share. */
#ifndef KVMX_BARE_GUEST_ENV_H
#define KVMX_BARE_GUEST_ENV_H

#include "kmod-vmx/core/vcpu.h"

void guest_env_init(void);
/* A 64-bit flat guest on the host's page tables and GDT, starting at rip with IF clear. */
void guest_state_64(struct kvmx_guest_state *gs, const void *rip);
/* A real-mode guest (for "unrestricted guest") running guest_real. */
void guest_state_real(struct kvmx_guest_state *gs);
void guest_log_reset(void);
u64 guest_stack_top(void);

#endif
