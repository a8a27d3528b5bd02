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

static uint64_t little_endian(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < len && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void fill_io(struct xs_exit_record *r, const struct kvm_run *run, size_t run_size)
{
	struct xs_detail_io *io = &r->detail.io;
	r->detail_kind = XS_D_IO;
	io->port = run->io.port;
	io->size = run->io.size;
	io->direction = run->io.direction == KVM_EXIT_IO_IN ? XS_IO_IN : XS_IO_OUT;
	io->count = run->io.count;
	/* data_offset is KVM's: it points into the kvm_run mapping (normally its second page). */
	/* Compared without adding, so an offset near 2^64 (a kvm_run image from outside) cannot wrap. */
	if (run->io.size <= 8 && run->io.data_offset <= run_size && run->io.size <= run_size - run->io.data_offset)
		io->value = little_endian((const uint8_t *)run + run->io.data_offset, run->io.size);
	/* KVM does not say whether a single-element transfer was a string instruction; only count > 1 is sure. */
	io->string = io->rep = run->io.count > 1;
}

void xs_fill_detail(struct xs_exit_record *r, const struct kvm_run *run, size_t run_size, uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		fill_io(r, run, run_size);
		break;
	case KVM_EXIT_MMIO:
		r->detail_kind = XS_D_MMIO;
		r->detail.mmio.gpa = run->mmio.phys_addr;
		r->detail.mmio.len = run->mmio.len;
		r->detail.mmio.is_write = run->mmio.is_write;
		r->detail.mmio.value = little_endian(run->mmio.data, run->mmio.len);
		r->guest_phys = run->mmio.phys_addr;
		r->flags |= XS_F_GUEST_PHYS;
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		r->detail_kind = XS_D_MSR;
		r->detail.msr.index = run->msr.index;
		r->detail.msr.is_write = reason == KVM_EXIT_X86_WRMSR;
		r->detail.msr.kvm_reason = (uint8_t)run->msr.reason;
		r->detail.msr.failed = run->msr.error != 0;
		r->detail.msr.value = run->msr.data;
		break;
	case KVM_EXIT_DEBUG:
		r->detail_kind = XS_D_DEBUG;
		r->detail.debug.exception = run->debug.arch.exception;
		r->detail.debug.pc = run->debug.arch.pc;
		r->detail.debug.dr6 = run->debug.arch.dr6;
		r->detail.debug.dr7 = run->debug.arch.dr7;
		if (r->flags & XS_F_GUEST_STATE) {
			r->gs.dr6 = run->debug.arch.dr6;
			r->gs.dr7 = run->debug.arch.dr7;
			r->gs.valid |= XS_GS_DR6 | XS_GS_DR7;
		}
		if (!(r->flags & XS_F_RIP)) {
			r->guest_rip = run->debug.arch.pc;
			r->flags |= XS_F_RIP;
		}
		break;
	case KVM_EXIT_SET_TPR:
		r->detail_kind = XS_D_CR;
		r->detail.cr.cr = 8;
		r->detail.cr.is_write = 1;
		r->detail.cr.value = run->cr8;
		break;
	case KVM_EXIT_HYPERCALL:
		r->detail_kind = XS_D_HYPERCALL;
		r->detail.hypercall.nr = run->hypercall.nr;
		for (int i = 0; i < 4; i++)
			r->detail.hypercall.args[i] = run->hypercall.args[i];
		r->detail.hypercall.ret = run->hypercall.ret;
		r->detail.hypercall.longmode = run->hypercall.longmode;
		break;
	case KVM_EXIT_INTERNAL_ERROR: {
		uint32_t n = run->internal.ndata;
		r->detail_kind = XS_D_INTERNAL;
		r->detail.internal.suberror = run->internal.suberror;
		r->detail.internal.ndata = n;
		for (uint32_t i = 0; i < n && i < 6 && i < 16; i++)
			r->detail.internal.data[i] = run->internal.data[i];
		break;
	}
	case KVM_EXIT_FAIL_ENTRY:
		r->detail_kind = XS_D_FAIL_ENTRY;
		r->detail.fail_entry.hardware_entry_failure_reason = run->fail_entry.hardware_entry_failure_reason;
		r->detail.fail_entry.cpu = run->fail_entry.cpu;
		break;
	case KVM_EXIT_SYSTEM_EVENT: {
		uint32_t n = run->system_event.ndata;
		r->detail_kind = XS_D_SYSTEM_EVENT;
		r->detail.system_event.type = run->system_event.type;
		r->detail.system_event.ndata = n;
		for (uint32_t i = 0; i < n && i < 6 && i < 16; i++)
			r->detail.system_event.data[i] = run->system_event.data[i];
		break;
	}
	default:
		break;
	}
}
