/* SPDX-License-Identifier: MIT */
/* Turning the VMCS exit-information fields and the guest-state area into one exit record. */
#ifndef KVMX_EXIT_RECORD_H
#define KVMX_EXIT_RECORD_H

#include "kmod-vmx/core/vcpu.h"

/*
 * Fill *r from the current VMCS and v's saved registers: reason, qualification, guest RIP, instruction
 * length and information where the SDM defines them, interruption and IDT-vectoring information, guest
 * physical / linear addresses where defined, the detail the reason implies, and the guest-state snapshot.
 * ts is the exit's TSC; seq advances v->seq.
 */
void kvmx_exit_record_fill(struct kvmx_vcpu *v, struct xs_exit_record *r, u64 ts);

/* Does the SDM define the VM-exit instruction length / instruction information for this exit? */
bool kvmx_exit_has_insn_len(u32 basic_reason, u32 intr_info);
bool kvmx_exit_has_insn_info(u32 basic_reason, u64 qualification);

#endif
