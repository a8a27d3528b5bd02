// SPDX-License-Identifier: MIT
/*
 * vCPU helpers that touch only the current VMCS (through vmx_ops.h) and the saved registers: what the exit
 * record and the policy need. Kept apart from vcpu.c so host unit tests link them against a fake VMCS.
 */
#include "kmod-vmx/core/vcpu.h"
#include "kmod-vmx/core/vmx_arch.h"

static const char *const stop_names[KVMX_STOP_COUNT] = {
	[KVMX_STOP_NONE] = "none",
	[KVMX_STOP_REQUESTED] = "requested",
	[KVMX_STOP_VMCALL] = "vmcall",
	[KVMX_STOP_IO] = "io",
	[KVMX_STOP_MMIO] = "mmio",
	[KVMX_STOP_EPT_MISCONFIG] = "ept-misconfig",
	[KVMX_STOP_HLT] = "hlt",
	[KVMX_STOP_TRIPLE_FAULT] = "triple-fault",
	[KVMX_STOP_ENTRY_FAIL] = "entry-fail",
	[KVMX_STOP_VMFAIL] = "vmfail",
	[KVMX_STOP_UNHANDLED] = "unhandled",
	[KVMX_STOP_EXIT_LIMIT] = "exit-limit",
	[KVMX_STOP_YIELD] = "yield",
};

const char *kvmx_stop_name(enum kvmx_stop s)
{
	return (unsigned int)s < KVMX_STOP_COUNT ? stop_names[s] : "unknown";
}

void kvmx_vcpu_queue_event(struct kvmx_vcpu *v, u32 type, u32 vector, long long error, u32 insn_len)
{
	v->event_info = INTR_INFO_VALID | (type << 8) | (vector & 0xff) | (error >= 0 ? INTR_INFO_HAS_ERROR : 0);
	v->event_error = error >= 0 ? (u32)error : 0;
	v->event_insn_len = insn_len;
	v->event_pending = true;
}

void kvmx_vcpu_update_controls(struct kvmx_vcpu *v, enum kvmx_word word, u32 set, u32 clear)
{
	static const u32 fields[KVMX_WORD_COUNT] = {VMCS_PIN_CTLS, VMCS_PROC_CTLS, VMCS_PROC_CTLS2, VMCS_EXIT_CTLS,
						    VMCS_ENTRY_CTLS};

	if ((unsigned int)word >= KVMX_WORD_COUNT)
		return;
	/* Never clear what the CPU requires. */
	clear &= ~kvmx_allowed0(kvmx_word_caps(&v->cpu->caps, word));
	v->words.word[word] = (v->words.word[word] | set) & ~clear;
	kvmx_vmwrite(fields[word], v->words.word[word]);
}

u64 kvmx_vcpu_gpr(struct kvmx_vcpu *v, unsigned int n)
{
	if (n == XS_RSP)
		return kvmx_vmread(VMCS_GUEST_RSP);
	return n < XS_GPR_COUNT ? v->gprs.r[n] : 0;
}

void kvmx_vcpu_set_gpr(struct kvmx_vcpu *v, unsigned int n, u64 value)
{
	if (n == XS_RSP)
		kvmx_vmwrite(VMCS_GUEST_RSP, value);
	else if (n < XS_GPR_COUNT)
		v->gprs.r[n] = value;
}

void kvmx_vcpu_skip_insn(struct kvmx_vcpu *v)
{
	(void)v; /* the VMCS is the vCPU's current one */
	u64 rip = kvmx_vmread(VMCS_GUEST_RIP) + kvmx_vmread(VMCS_EXIT_INSN_LEN);

	kvmx_vmwrite(VMCS_GUEST_RIP, rip);
	/* Skipping an instruction ends STI / MOV-SS blocking, as executing it would have. */
	u64 intr = kvmx_vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		kvmx_vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			     intr & ~(u64)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}
