// SPDX-License-Identifier: MIT
#include "collector/guest_state.h"

#include <string.h>

/* KVM's register cache bits (enum kvm_reg). */
#define KVM_REG_RIP 16
#define KVM_EXREG_CR0 18
#define KVM_EXREG_CR3 19
#define KVM_EXREG_CR4 20

/* The VMCB's segment order and the record's (VMCS order, descriptor tables apart). */
static const int vmcb_to_xs_seg[XS_VMCB_SEG_COUNT] = {
	[XS_VMCB_ES] = XS_SEG_ES, [XS_VMCB_CS] = XS_SEG_CS, [XS_VMCB_SS] = XS_SEG_SS, [XS_VMCB_DS] = XS_SEG_DS,
	[XS_VMCB_FS] = XS_SEG_FS, [XS_VMCB_GS] = XS_SEG_GS, [XS_VMCB_GDTR] = -1,      [XS_VMCB_LDTR] = XS_SEG_LDTR,
	[XS_VMCB_IDTR] = -1,	  [XS_VMCB_TR] = XS_SEG_TR,
};

xs_u32 xs_col_svm_attrib_to_ar(xs_u16 attrib)
{
	/* attrib 7:0 = type, S, DPL, P; 11:8 = AVL, L, D/B, G. VMX keeps the second group at 15:12. */
	xs_u32 ar = (xs_u32)(attrib & 0xff) | ((xs_u32)(attrib & 0xf00) << 4);
	if (!(attrib & 0x80))
		ar |= 1u << 16;
	return ar;
}

static void from_regs(struct xs_guest_state *gs, unsigned int isa, const struct xs_ev_vcpu_regs *regs)
{
	for (int n = 0; n < XS_GPR_COUNT; n++) {
		if (regs->regs_avail & (1u << n)) {
			gs->gpr[n] = regs->regs[n];
			gs->valid |= XS_GS_GPR(n);
		}
	}
	if (regs->regs_avail & (1u << KVM_REG_RIP)) {
		gs->rip = regs->regs[KVM_REG_RIP];
		gs->valid |= XS_GS_RIP;
	}
	/* Both vendors save CR2 on every exit; EFER is KVM's own copy, always current. */
	gs->cr2 = regs->cr2;
	gs->efer = regs->efer;
	gs->valid |= XS_GS_CR2 | XS_GS_EFER;
	/*
	 * VMX marks CR0/CR3/CR4 unavailable after an exit and re-reads them on demand, so a set bit means fresh.
	 * SVM leaves the bits set but copies CR0/CR3 from the VMCB only after kvm_exit: never fresh here.
	 */
	if (isa != XS_ISA_VMX)
		return;
	if (regs->regs_avail & (1u << KVM_EXREG_CR0)) {
		gs->cr0 = regs->cr0;
		gs->valid |= XS_GS_CR0;
	}
	if (regs->regs_avail & (1u << KVM_EXREG_CR3)) {
		gs->cr3 = regs->cr3;
		gs->valid |= XS_GS_CR3;
	}
	if (regs->regs_avail & (1u << KVM_EXREG_CR4)) {
		gs->cr4 = regs->cr4;
		gs->valid |= XS_GS_CR4;
	}
}

static void from_svm_save(struct xs_guest_state *gs, const struct xs_ev_svm_save *save)
{
	for (int i = 0; i < XS_VMCB_SEG_COUNT; i++) {
		const struct xs_ev_vmcb_seg *s = &save->seg[i];
		int x = vmcb_to_xs_seg[i];
		if (x < 0)
			continue;
		gs->seg_sel[x] = s->selector;
		gs->seg_base[x] = s->base;
		gs->seg_limit[x] = s->limit;
		gs->seg_ar[x] = xs_col_svm_attrib_to_ar(s->attrib);
	}
	gs->gdtr_base = save->seg[XS_VMCB_GDTR].base;
	gs->gdtr_limit = (xs_u16)save->seg[XS_VMCB_GDTR].limit;
	gs->idtr_base = save->seg[XS_VMCB_IDTR].base;
	gs->idtr_limit = (xs_u16)save->seg[XS_VMCB_IDTR].limit;
	gs->cr0 = save->cr0;
	gs->cr2 = save->cr2;
	gs->cr3 = save->cr3;
	gs->cr4 = save->cr4;
	gs->cr8 = save->int_ctl & 0xf; /* V_TPR */
	gs->efer = save->efer;
	gs->dr6 = save->dr6;
	gs->dr7 = save->dr7;
	gs->rflags = save->rflags;
	gs->rip = save->rip;
	/* The VMCB holds RAX and RSP; KVM saves the other GPRs into struct kvm_vcpu. */
	gs->gpr[XS_RAX] = save->rax;
	gs->gpr[XS_RSP] = save->rsp;
	gs->valid |= XS_GS_GPR(XS_RAX) | XS_GS_GPR(XS_RSP) | XS_GS_RIP | XS_GS_RFLAGS | XS_GS_CR0 | XS_GS_CR2 |
		     XS_GS_CR3 | XS_GS_CR4 | XS_GS_CR8 | XS_GS_EFER | XS_GS_DR6 | XS_GS_DR7 | XS_GS_SEG_SEL |
		     XS_GS_SEG_BASE | XS_GS_SEG_LIMIT | XS_GS_SEG_AR | XS_GS_GDTR | XS_GS_IDTR;
}

void xs_col_guest_state(struct xs_guest_state *gs, unsigned int isa, const struct xs_ev_vcpu_regs *regs,
			const struct xs_ev_svm_save *save)
{
	memset(gs, 0, sizeof(*gs));
	if (regs)
		from_regs(gs, isa, regs);
	/* SEV-ES encrypts the save area; the program then leaves it out (nested_ctl bit 2). */
	if (save && isa == XS_ISA_SVM && !(save->nested_ctl & 4))
		from_svm_save(gs, save);
}
