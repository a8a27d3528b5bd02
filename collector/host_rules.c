// SPDX-License-Identifier: MIT
#include "collector/host_rules.h"

#include <linux/kvm.h>

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

bool xs_col_uexit_joins(uint8_t host_reason, uint32_t kvm_reason)
{
	switch (kvm_reason) {
	case KVM_EXIT_IO:
		return host_reason == XS_HEV_PIO;
	case KVM_EXIT_MMIO:
		return host_reason == XS_HEV_MMIO;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		return host_reason == XS_HEV_MSR;
	case KVM_EXIT_HYPERCALL:
		return host_reason == XS_HEV_HYPERCALL;
	}
	return false;
}

bool xs_col_answer_at_next_run(uint32_t kvm_reason)
{
	return kvm_reason == KVM_EXIT_X86_RDMSR || kvm_reason == KVM_EXIT_X86_WRMSR || kvm_reason == KVM_EXIT_HYPERCALL;
}
