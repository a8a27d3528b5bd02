// SPDX-License-Identifier: MIT
#include "common/kvm_detail.h"

#include <string.h>

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

/* The first ndata (at most 6, the record's room; KVM's arrays hold 16) entries of an internal error or system
 * event. ndata comes from KVM, or from outside in a copied kvm_run: never trusted past either array. */
static void copy_data(uint64_t dst[6], const __u64 *src, uint32_t ndata)
{
	for (uint32_t i = 0; i < ndata && i < 6; i++)
		dst[i] = src[i];
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
	case KVM_EXIT_INTERNAL_ERROR:
		r->detail_kind = XS_D_INTERNAL;
		r->detail.internal.suberror = run->internal.suberror;
		r->detail.internal.ndata = run->internal.ndata;
		copy_data(r->detail.internal.data, run->internal.data, run->internal.ndata);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		r->detail_kind = XS_D_FAIL_ENTRY;
		r->detail.fail_entry.hardware_entry_failure_reason = run->fail_entry.hardware_entry_failure_reason;
		r->detail.fail_entry.cpu = run->fail_entry.cpu;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		r->detail_kind = XS_D_SYSTEM_EVENT;
		r->detail.system_event.type = run->system_event.type;
		r->detail.system_event.ndata = run->system_event.ndata;
		copy_data(r->detail.system_event.data, run->system_event.data, run->system_event.ndata);
		break;
	default:
		break;
	}
}

void xs_fill_detail_from_head(struct xs_exit_record *r, const void *head, size_t head_len, uint32_t reason)
{
	struct kvm_run run;
	memset(&run, 0, sizeof(run));
	memcpy(&run, head, head_len < sizeof(run) ? head_len : sizeof(run));
	/* An I/O exit's data lives past the copied head: never let an outside offset point anywhere. */
	if (reason == KVM_EXIT_IO)
		run.io.data_offset = sizeof(run);
	xs_fill_detail(r, &run, sizeof(run), reason);
}
