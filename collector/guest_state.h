/* SPDX-License-Identifier: MIT */
/*
 * The guest-state snapshot of a kvm_exit: what the BPF program copied from struct kvm_vcpu (and, on SVM, the
 * VMCB save area), turned into the record's struct xs_guest_state with a valid mask that claims only what was
 * fresh at the exit.
 */
#ifndef EXITSCOPE_COLLECTOR_GUEST_STATE_H
#define EXITSCOPE_COLLECTOR_GUEST_STATE_H

#include "collector/events.h"

/*
 * Fill gs from the exit event's regs block (may be NULL) and SVM save block (may be NULL). isa is the exit's
 * (XS_ISA_SVM or XS_ISA_VMX): what KVM has refreshed by the time kvm_exit fires differs between them.
 */
void xs_col_guest_state(struct xs_guest_state *gs, unsigned int isa, const struct xs_ev_vcpu_regs *regs,
			const struct xs_ev_svm_save *save);

/* SVM's compressed segment attributes (VMCB) as VMX access rights; bit 16 (unusable) when not present. */
xs_u32 xs_col_svm_attrib_to_ar(xs_u16 attrib);

#endif
