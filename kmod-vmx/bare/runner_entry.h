/* SPDX-License-Identifier: MIT */
/*
 * The built-in guests' entry state (launcher/guest_abi.h) for each mode, in the module ABI's register block:
 * the bare runner starts its guest from it and the launcher's module host hands it to KVMX_SET_REGS, so the
 * same guest starts the same way on both.
 */
#ifndef KVMX_BARE_RUNNER_ENTRY_H
#define KVMX_BARE_RUNNER_ENTRY_H

#include "exitscope/kmod_vmx.h"
#include "kmod-vmx/core/types.h"

/*
 * Mode 16 (real mode: CS:IP from entry, stack below 64 KiB), 32 (flat protected mode) or 64 (long mode on the
 * guest's identity page tables); RDI points at the parameter block; PAT has its reset value.
 */
void kvmx_entry_regs(struct kvmx_regs *r, unsigned int mode, u64 entry);

#endif
