/* SPDX-License-Identifier: MIT */
/*
 * The module ABI's register block (struct kvmx_regs, include/exitscope/kmod_vmx.h) as the core's guest state:
 * the one mapping the Linux module (KVMX_SET_REGS) and the bare runner (its guests' entry state) both use.
 */
#ifndef KVMX_CORE_GUEST_REGS_H
#define KVMX_CORE_GUEST_REGS_H

#include "exitscope/kmod_vmx.h"
#include "kmod-vmx/core/vcpu.h"

/*
 * Fill *gs from *r: every field, the general-purpose registers as given (RSP also from gpr[4]), the IA-32e
 * flag, a valid VMCS link pointer. No checks: the caller validated r's flags and reserved fields.
 */
void kvmx_state_from_regs(const struct kvmx_regs *r, struct kvmx_guest_state *gs);

#endif
