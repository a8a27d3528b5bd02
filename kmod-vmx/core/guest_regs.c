// SPDX-License-Identifier: MIT
/* struct kvmx_regs -> struct kvmx_guest_state (guest_regs.h). */
#include "kmod-vmx/core/guest_regs.h"
#include "kmod-vmx/core/fmt.h"

void kvmx_state_from_regs(const struct kvmx_regs *r, struct kvmx_guest_state *gs)
{
	kvmx_memset(gs, 0, sizeof(*gs));
	gs->ia32e = r->flags & KVMX_REGS_IA32E;
	gs->rip = r->rip;
	gs->rsp = r->gpr[XS_RSP];
	gs->rflags = r->rflags;
	gs->cr0 = r->cr0;
	gs->cr3 = r->cr3;
	gs->cr4 = r->cr4;
	gs->dr7 = r->dr7;
	gs->efer = r->efer;
	gs->pat = r->pat;
	for (unsigned int i = 0; i < KVMX_NSEGS; i++) {
		gs->seg[i].sel = r->seg[i].sel;
		gs->seg[i].base = r->seg[i].base;
		gs->seg[i].limit = r->seg[i].limit;
		gs->seg[i].ar = r->seg[i].ar;
	}
	gs->gdtr_base = r->gdtr_base;
	gs->gdtr_limit = r->gdtr_limit;
	gs->idtr_base = r->idtr_base;
	gs->idtr_limit = r->idtr_limit;
	gs->interruptibility = r->interruptibility;
	gs->activity = r->activity;
	gs->link_pointer = ~0ull;
	kvmx_memcpy(gs->gprs.r, r->gpr, sizeof(gs->gprs.r));
}
