// SPDX-License-Identifier: MIT
/* Reading the VMX capability MSRs, only those that exist on the CPU at hand. */
#include "kmod-vmx/core/caps.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

int kvmx_caps_read(const struct kvmx_platform *p, struct kvmx_caps *caps, struct kvmx_err *err)
{
	u32 regs[4];

	kvmx_memset(caps, 0, sizeof(*caps));
	p->cpuid(p->ctx, 1, 0, regs);
	if (!(regs[2] & CPUID_1_ECX_VMX))
		return kvmx_fail(err, "CPU has no VMX (CPUID.1:ECX bit 5 clear)");

	caps->feature_control = p->rdmsr(p->ctx, MSR_IA32_FEATURE_CONTROL);
	if ((caps->feature_control & FEATURE_CONTROL_LOCKED) &&
	    !(caps->feature_control & FEATURE_CONTROL_VMXON_OUTSIDE_SMX))
		return kvmx_fail(
			err, "VMX disabled by firmware (IA32_FEATURE_CONTROL=0x%llx: locked without VMXON outside SMX)",
			(unsigned long long)caps->feature_control);

	caps->basic = p->rdmsr(p->ctx, MSR_IA32_VMX_BASIC);
	caps->revision = VMX_BASIC_REVISION(caps->basic);
	caps->true_ctls = (caps->basic & VMX_BASIC_TRUE_CTLS) != 0;
	if (caps->true_ctls) {
		caps->pin = p->rdmsr(p->ctx, MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		caps->proc = p->rdmsr(p->ctx, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		caps->exit = p->rdmsr(p->ctx, MSR_IA32_VMX_TRUE_EXIT_CTLS);
		caps->entry = p->rdmsr(p->ctx, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	} else {
		caps->pin = p->rdmsr(p->ctx, MSR_IA32_VMX_PINBASED_CTLS);
		caps->proc = p->rdmsr(p->ctx, MSR_IA32_VMX_PROCBASED_CTLS);
		caps->exit = p->rdmsr(p->ctx, MSR_IA32_VMX_EXIT_CTLS);
		caps->entry = p->rdmsr(p->ctx, MSR_IA32_VMX_ENTRY_CTLS);
	}
	caps->misc = p->rdmsr(p->ctx, MSR_IA32_VMX_MISC);
	caps->cr0_fixed0 = p->rdmsr(p->ctx, MSR_IA32_VMX_CR0_FIXED0);
	caps->cr0_fixed1 = p->rdmsr(p->ctx, MSR_IA32_VMX_CR0_FIXED1);
	caps->cr4_fixed0 = p->rdmsr(p->ctx, MSR_IA32_VMX_CR4_FIXED0);
	caps->cr4_fixed1 = p->rdmsr(p->ctx, MSR_IA32_VMX_CR4_FIXED1);
	/* SDM A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only if "activate secondary controls" may be 1. */
	if (kvmx_allowed1(caps->proc) & CPU_SECONDARY)
		caps->proc2 = p->rdmsr(p->ctx, MSR_IA32_VMX_PROCBASED_CTLS2);
	/* SDM A.10: IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID may be enabled. */
	if (kvmx_allowed1(caps->proc2) & (CPU2_EPT | CPU2_VPID))
		caps->ept_vpid = p->rdmsr(p->ctx, MSR_IA32_VMX_EPT_VPID_CAP);
	return 0;
}
