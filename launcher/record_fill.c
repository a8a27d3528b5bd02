// SPDX-License-Identifier: MIT
#include "launcher/record_fill.h"

#include <string.h>

static uint32_t vmx_access_rights(const struct kvm_segment *s)
{
	return (uint32_t)(s->type & 0xf) | (uint32_t)(s->s & 1) << 4 | (uint32_t)(s->dpl & 3) << 5 |
	       (uint32_t)(s->present & 1) << 7 | (uint32_t)(s->avl & 1) << 12 | (uint32_t)(s->l & 1) << 13 |
	       (uint32_t)(s->db & 1) << 14 | (uint32_t)(s->g & 1) << 15 | (uint32_t)(s->unusable & 1) << 16;
}

void xs_fill_guest_state(struct xs_guest_state *gs, const struct kvm_sync_regs *s, enum xs_gs_capture capture)
{
	memset(gs, 0, sizeof(*gs));
	if (capture == XS_GS_OFF)
		return;
	const struct kvm_regs *r = &s->regs;
	const uint64_t gpr[XS_GPR_COUNT] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
					    r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
	memcpy(gs->gpr, gpr, sizeof(gpr));
	gs->rip = r->rip;
	gs->rflags = r->rflags;
	gs->valid = XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS;
	if (capture != XS_GS_FULL)
		return;
	const struct kvm_sregs *sr = &s->sregs;
	gs->cr0 = sr->cr0;
	gs->cr2 = sr->cr2;
	gs->cr3 = sr->cr3;
	gs->cr4 = sr->cr4;
	gs->cr8 = sr->cr8;
	gs->efer = sr->efer;
	const struct kvm_segment *segs[XS_SEG_COUNT] = {&sr->es, &sr->cs, &sr->ss,  &sr->ds,
							&sr->fs, &sr->gs, &sr->ldt, &sr->tr};
	for (int i = 0; i < XS_SEG_COUNT; i++) {
		gs->seg_base[i] = segs[i]->base;
		gs->seg_limit[i] = segs[i]->limit;
		gs->seg_sel[i] = segs[i]->selector;
		gs->seg_ar[i] = vmx_access_rights(segs[i]);
	}
	gs->gdtr_base = sr->gdt.base;
	gs->gdtr_limit = sr->gdt.limit;
	gs->idtr_base = sr->idt.base;
	gs->idtr_limit = sr->idt.limit;
	gs->valid |= XS_GS_CR0 | XS_GS_CR2 | XS_GS_CR3 | XS_GS_CR4 | XS_GS_CR8 | XS_GS_EFER | XS_GS_SEG_SEL |
		     XS_GS_SEG_BASE | XS_GS_SEG_LIMIT | XS_GS_SEG_AR | XS_GS_GDTR | XS_GS_IDTR;
}

void xs_fill_begin(struct xs_exit_record *r, const struct kvm_run *run, uint32_t reason, const struct xs_fill_ctx *ctx)
{
	memset(r, 0, XS_RECORD_CORE_SIZE);
	r->version = XS_RECORD_VERSION;
	r->size = XS_RECORD_CORE_SIZE;
	r->isa = XS_ISA_KVM;
	r->source = XS_SRC_LAUNCHER;
	r->flags = XS_F_RUN_TIMES | XS_F_USERSPACE;
	r->reason = reason;
	r->vcpu = ctx->vcpu;
	r->pid = ctx->pid;
	r->tid = ctx->tid;
	if (ctx->capture != XS_GS_OFF) {
		xs_fill_guest_state(&r->gs, &run->s.regs, ctx->capture);
		r->flags |= XS_F_GUEST_STATE | XS_F_RIP;
		r->size = XS_RECORD_FULL_SIZE;
		r->guest_rip = r->gs.rip;
	}
}
