// SPDX-License-Identifier: MIT
#include "collector/host_rules.h"

#include <linux/kvm.h>
#include <stddef.h>
#include <string.h>

#include "collector/events.h"

uint8_t xs_col_host_reason_of(unsigned int ev_type)
{
	static const uint8_t reasons[XS_EV_TYPE_COUNT] = {
		[XS_EV_PIO] = XS_HEV_PIO,
		[XS_EV_MMIO] = XS_HEV_MMIO,
		[XS_EV_MSR] = XS_HEV_MSR,
		[XS_EV_CR] = XS_HEV_CR,
		[XS_EV_CPUID] = XS_HEV_CPUID,
		[XS_EV_HYPERCALL] = XS_HEV_HYPERCALL,
		[XS_EV_INJ_EXC] = XS_HEV_INJ_EXCEPTION,
		[XS_EV_PAGE_FAULT] = XS_HEV_PAGE_FAULT,
		[XS_EV_EMULATE] = XS_HEV_EMULATE_INSN,
		[XS_EV_NESTED_EXIT] = XS_HEV_NESTED_VMEXIT,
	};
	return ev_type < XS_EV_TYPE_COUNT ? reasons[ev_type] : 0;
}

bool xs_col_host_joinable(const struct xs_ev_hdr *ev, uint64_t *key)
{
	switch (ev->type) {
	case XS_EV_PIO: {
		const struct xs_ev_pio *e = (const void *)ev;
		*key = e->port;
		return e->rw != 0; /* an IN that goes to user space is traced after its exit, when it completes */
	}
	case XS_EV_MMIO: {
		const struct xs_ev_mmio *e = (const void *)ev;
		*key = e->gpa;
		return e->type != XS_EV_MMIO_READ; /* a read is traced when its data is there: the exit is over */
	}
	case XS_EV_HYPERCALL:
		*key = ((const struct xs_ev_hypercall *)ev)->nr;
		return true;
	}
	return false;
}

/* A field of the copied head of struct kvm_run (little-endian, like the host). */
#define RUN_FIELD(run, member)                                                                                 \
	({                                                                                                     \
		uint64_t __v = 0;                                                                              \
		memcpy(&__v, (run) + offsetof(struct kvm_run, member), sizeof(((struct kvm_run *)0)->member)); \
		__v;                                                                                           \
	})

_Static_assert(offsetof(struct kvm_run, hypercall.nr) + 8 <= XS_EV_RUN_HEAD, "kvm_run head too short");

bool xs_col_uexit_joins(uint8_t host_reason, uint64_t key, uint32_t kvm_reason, const uint8_t *run)
{
	switch (kvm_reason) {
	case KVM_EXIT_IO:
		return host_reason == XS_HEV_PIO &&
		       (!run || (RUN_FIELD(run, io.direction) == KVM_EXIT_IO_OUT && RUN_FIELD(run, io.port) == key));
	case KVM_EXIT_MMIO:
		return host_reason == XS_HEV_MMIO && (!run || RUN_FIELD(run, mmio.phys_addr) == key);
	case KVM_EXIT_HYPERCALL:
		return host_reason == XS_HEV_HYPERCALL && (!run || RUN_FIELD(run, hypercall.nr) == key);
	}
	/* MSR accesses that go to user space (filters, unknown MSRs) never fire kvm_msr */
	return false;
}

uint8_t xs_col_uexit_stands_for(uint32_t kvm_reason)
{
	return kvm_reason == KVM_EXIT_IO     ? XS_HEV_PIO
	       : kvm_reason == KVM_EXIT_MMIO ? XS_HEV_MMIO
					     : XS_HEV_USERSPACE_EXIT;
}

bool xs_col_answer_at_next_run(uint32_t kvm_reason)
{
	return kvm_reason == KVM_EXIT_X86_RDMSR || kvm_reason == KVM_EXIT_X86_WRMSR || kvm_reason == KVM_EXIT_HYPERCALL;
}
