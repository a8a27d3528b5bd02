// SPDX-License-Identifier: MIT
/* The default exit policy (policy.h says what it does with each exit). */
#include "kmod-vmx/core/policy.h"
#include "kmod-vmx/core/vmx_arch.h"

#define RFLAGS_ARITH 0x8d5ull /* CF PF AF ZF SF OF */

static void set_gpr32(struct kvmx_vcpu *v, unsigned int n, u32 value)
{
	kvmx_vcpu_set_gpr(v, n, value); /* 32-bit results zero-extend, as on hardware */
}

static enum kvmx_stop emulate_cpuid(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u32 out[4];
	u32 leaf = (u32)v->gprs.r[XS_RAX], subleaf = (u32)v->gprs.r[XS_RCX];

	v->plat->cpuid(v->plat->ctx, leaf, subleaf, out);
	if (leaf == 1) {
		out[2] &= ~CPUID_1_ECX_VMX;
		out[2] |= CPUID_1_ECX_HYPERVISOR;
	}
	set_gpr32(v, XS_RAX, out[0]);
	set_gpr32(v, XS_RBX, out[1]);
	set_gpr32(v, XS_RCX, out[2]);
	set_gpr32(v, XS_RDX, out[3]);
	rec->detail.cpuid.eax = out[0];
	rec->detail.cpuid.ebx = out[1];
	rec->detail.cpuid.ecx = out[2];
	rec->detail.cpuid.edx = out[3];
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

static enum kvmx_stop emulate_rdtsc(struct kvmx_vcpu *v, bool rdtscp)
{
	u64 tsc = v->plat->now(v->plat->ctx) + v->tsc_offset;

	set_gpr32(v, XS_RAX, (u32)tsc);
	set_gpr32(v, XS_RDX, (u32)(tsc >> 32));
	if (rdtscp)
		set_gpr32(v, XS_RCX, (u32)v->tsc_aux);
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

/* RDRAND / RDSEED: destination from the instruction information, CF=1 for "valid". */
static enum kvmx_stop emulate_random(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u32 info = rec->insn_info;
	unsigned int reg = (info >> 3) & 15, size = (info >> 11) & 3;
	u64 x = v->plat->now(v->plat->ctx) ^ (v->seq * 0x9e3779b97f4a7c15ull);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	if (size == 0) /* 16-bit: the upper bits of the register stay */
		kvmx_vcpu_set_gpr(v, reg, (kvmx_vcpu_gpr(v, reg) & ~0xffffull) | (x & 0xffff));
	else if (size == 1)
		set_gpr32(v, reg, (u32)x);
	else
		kvmx_vcpu_set_gpr(v, reg, x);
	kvmx_vmwrite(VMCS_GUEST_RFLAGS, (kvmx_vmread(VMCS_GUEST_RFLAGS) & ~RFLAGS_ARITH) | X86_RFLAGS_CF);
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

/* MSRs whose guest value lives in the VMCS guest-state area. */
static u32 msr_vmcs_field(const struct kvmx_vcpu *v, u32 msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		return VMCS_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return VMCS_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return VMCS_GUEST_SYSENTER_EIP;
	case MSR_IA32_DEBUGCTL:
		return VMCS_GUEST_DEBUGCTL;
	case MSR_IA32_FS_BASE:
		return VMCS_GUEST_ES_BASE + 2 * XS_SEG_FS;
	case MSR_IA32_GS_BASE:
		return VMCS_GUEST_ES_BASE + 2 * XS_SEG_GS;
	case MSR_IA32_EFER:
		return (v->words.word[KVMX_WORD_ENTRY] & ENTRY_LOAD_EFER) ? VMCS_GUEST_EFER : 0;
	case MSR_IA32_PAT:
		return (v->words.word[KVMX_WORD_ENTRY] & ENTRY_LOAD_PAT) ? VMCS_GUEST_PAT : 0;
	default:
		return 0;
	}
}

/* The MSRs the default policy lets a guest touch; anything else raises #GP in the guest. */
static bool msr_known(u32 msr)
{
	switch (msr) {
	case 0x10: /* IA32_TSC */
	case MSR_IA32_APIC_BASE:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_DEBUGCTL:
	case MSR_IA32_PAT:
	case MSR_IA32_EFER:
	case MSR_IA32_STAR:
	case MSR_IA32_LSTAR:
	case 0xc0000083: /* CSTAR */
	case 0xc0000084: /* SFMASK */
	case MSR_IA32_FS_BASE:
	case MSR_IA32_GS_BASE:
	case MSR_IA32_KERNEL_GS_BASE:
	case MSR_IA32_TSC_AUX:
		return true;
	default:
		return false;
	}
}

static int vmsr_find(const struct kvmx_vcpu *v, u32 msr)
{
	for (unsigned int i = 0; i < v->n_vmsrs; i++)
		if (v->vmsrs[i].index == msr)
			return (int)i;
	return -1;
}

static enum kvmx_stop inject_gp(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	rec->detail.msr.failed = 1;
	kvmx_vcpu_queue_event(v, INTR_TYPE_HW_EXCEPTION, 13, 0, 0);
	return KVMX_STOP_NONE;
}

static enum kvmx_stop emulate_rdmsr(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u32 msr = (u32)v->gprs.r[XS_RCX];
	u64 value;
	u32 field = msr_vmcs_field(v, msr);
	int slot = vmsr_find(v, msr);

	if (!msr_known(msr))
		return inject_gp(v, rec);
	if (field)
		value = kvmx_vmread(field);
	else if (msr == 0x10)
		value = v->plat->now(v->plat->ctx) + v->tsc_offset;
	else if (msr == MSR_IA32_TSC_AUX)
		value = v->tsc_aux;
	else if (slot >= 0)
		value = v->vmsrs[slot].value;
	else
		value = v->plat->rdmsr(v->plat->ctx, msr);
	set_gpr32(v, XS_RAX, (u32)value);
	set_gpr32(v, XS_RDX, (u32)(value >> 32));
	rec->detail.msr.value = value;
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

static enum kvmx_stop emulate_wrmsr(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u32 msr = (u32)v->gprs.r[XS_RCX];
	u64 value = (v->gprs.r[XS_RDX] << 32) | (u32)v->gprs.r[XS_RAX];
	u32 field = msr_vmcs_field(v, msr);

	if (!msr_known(msr) || msr == MSR_IA32_APIC_BASE)
		return inject_gp(v, rec);
	if (field) {
		kvmx_vmwrite(field, value);
	} else if (msr == 0x10) {
		v->tsc_offset = value - v->plat->now(v->plat->ctx);
	} else if (msr == MSR_IA32_TSC_AUX) {
		v->tsc_aux = value;
	} else {
		int slot = vmsr_find(v, msr);
		if (slot < 0) {
			if (v->n_vmsrs >= KVMX_MAX_VIRTUAL_MSRS) {
				v->vmsr_overflow++;
				return inject_gp(v, rec);
			}
			slot = (int)v->n_vmsrs++;
			v->vmsrs[slot].index = msr;
		}
		v->vmsrs[slot].value = value;
	}
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

static u64 fixed_cr0(const struct kvmx_vcpu *v, u64 cr0)
{
	u64 fixed0 = v->cpu->caps.cr0_fixed0;

	if (v->words.word[KVMX_WORD_PROC2] & CPU2_UNRESTRICTED)
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return (cr0 | fixed0) & v->cpu->caps.cr0_fixed1;
}

static void write_cr0(struct kvmx_vcpu *v, u64 value)
{
	kvmx_vmwrite(VMCS_GUEST_CR0, fixed_cr0(v, value));
	kvmx_vmwrite(VMCS_CR0_SHADOW, value);
}

/* MOV to/from CR, CLTS, LMSW (exit qualification format of SDM table 27-3). */
static enum kvmx_stop emulate_cr(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u64 q = rec->qualification;
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	switch (type) {
	case 0: { /* MOV to CR */
		u64 value = kvmx_vcpu_gpr(v, reg);
		if (cr == 0) {
			write_cr0(v, value);
		} else if (cr == 3) {
			kvmx_vmwrite(VMCS_GUEST_CR3, value);
		} else if (cr == 4) {
			kvmx_vmwrite(VMCS_GUEST_CR4, (value | v->cpu->caps.cr4_fixed0) & v->cpu->caps.cr4_fixed1);
			kvmx_vmwrite(VMCS_CR4_SHADOW, value);
		} else if (cr == 8) {
			v->tpr = value & 15;
			v->tpr_dirty = true;
		} else {
			return KVMX_STOP_UNHANDLED;
		}
		break;
	}
	case 1: { /* MOV from CR: only CR3 and CR8 exits exist */
		u64 value;
		if (cr == 3)
			value = kvmx_vmread(VMCS_GUEST_CR3);
		else if (cr == 8)
			value = v->tpr;
		else
			return KVMX_STOP_UNHANDLED;
		kvmx_vcpu_set_gpr(v, reg, value);
		rec->detail.cr.value = value;
		break;
	}
	case 2: /* CLTS */
		write_cr0(v, kvmx_vmread(VMCS_CR0_SHADOW) & ~X86_CR0_TS);
		break;
	default: { /* LMSW: bits 3:0 of CR0; PE can be set, not cleared */
		u64 cur = kvmx_vmread(VMCS_CR0_SHADOW), src = (q >> 16) & 0xf;
		write_cr0(v, (cur & ~0xeull) | src | (cur & X86_CR0_PE));
		break;
	}
	}
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

/* MOV DR (qualification: bits 2:0 DR, bit 4 direction 1 = from DR, bits 11:8 register). */
static enum kvmx_stop emulate_dr(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u64 q = rec->qualification;
	unsigned int dr = q & 7, from = (q >> 4) & 1, reg = (q >> 8) & 15;

	if (from) {
		u64 value = dr < 4 ? v->dr[dr] : dr == 7 || dr == 5 ? kvmx_vmread(VMCS_GUEST_DR7) : 0xffff0ff0ull;
		kvmx_vcpu_set_gpr(v, reg, value);
	} else {
		u64 value = kvmx_vcpu_gpr(v, reg);
		if (dr < 4)
			v->dr[dr] = value;
		else if (dr == 7 || dr == 5)
			kvmx_vmwrite(VMCS_GUEST_DR7, (value & 0xffffffffull) | 0x400);
	}
	kvmx_vcpu_skip_insn(v);
	return KVMX_STOP_NONE;
}

/* Intercepted exceptions go back to the guest; NMIs belong to the host. */
static enum kvmx_stop handle_exception_nmi(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	u32 info = rec->intr_info;
	u32 type = INTR_INFO_TYPE(info), vector = INTR_INFO_VECTOR(info);

	if (!(info & INTR_INFO_VALID))
		return KVMX_STOP_NONE;
	if (type == INTR_TYPE_NMI) {
		if (v->plat->host_nmi)
			v->plat->host_nmi(v->plat->ctx);
		return KVMX_STOP_NONE;
	}
	if (vector == 14) { /* #PF: CR2 is not written when the fault exits; the guest's handler reads it */
		v->guest_cr2 = rec->qualification;
		v->cr2_dirty = true;
	}
	bool soft = type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION;
	kvmx_vcpu_queue_event(v, type, vector, (info & INTR_INFO_HAS_ERROR) ? (long long)rec->error_code : -1,
			      soft ? rec->insn_len : 0);
	return KVMX_STOP_NONE;
}

static enum kvmx_stop dispatch(struct kvmx_vcpu *v, struct xs_exit_record *rec)
{
	switch (XS_VMX_BASIC_REASON(rec->reason)) {
	case EXIT_EXCEPTION_NMI:
		return handle_exception_nmi(v, rec);
	case EXIT_EXTERNAL_INTERRUPT:
		if ((rec->intr_info & INTR_INFO_VALID) && v->plat->host_irq)
			v->plat->host_irq(v->plat->ctx, INTR_INFO_VECTOR(rec->intr_info));
		return KVMX_STOP_NONE;
	case EXIT_TRIPLE_FAULT:
		return KVMX_STOP_TRIPLE_FAULT;
	case EXIT_INTERRUPT_WINDOW:
		kvmx_vcpu_update_controls(v, KVMX_WORD_PROC, 0, CPU_INTR_WINDOW);
		return KVMX_STOP_NONE;
	case EXIT_NMI_WINDOW:
		kvmx_vcpu_update_controls(v, KVMX_WORD_PROC, 0, CPU_NMI_WINDOW);
		return KVMX_STOP_NONE;
	case EXIT_CPUID:
		return emulate_cpuid(v, rec);
	case EXIT_HLT:
		kvmx_vcpu_skip_insn(v);
		if (v->event_pending)
			return KVMX_STOP_NONE;
		v->halted = true;
		return KVMX_STOP_HLT;
	case EXIT_INVD:
	case EXIT_INVLPG:
	case EXIT_WBINVD:
	case EXIT_PAUSE:
	case EXIT_MONITOR:
	case EXIT_MWAIT:
		kvmx_vcpu_skip_insn(v);
		return KVMX_STOP_NONE;
	case EXIT_RDPMC:
		set_gpr32(v, XS_RAX, 0);
		set_gpr32(v, XS_RDX, 0);
		kvmx_vcpu_skip_insn(v);
		return KVMX_STOP_NONE;
	case EXIT_RDTSC:
		return emulate_rdtsc(v, false);
	case EXIT_RDTSCP:
		return emulate_rdtsc(v, true);
	case EXIT_RDRAND:
	case EXIT_RDSEED:
		return emulate_random(v, rec);
	case EXIT_RDMSR:
		return emulate_rdmsr(v, rec);
	case EXIT_WRMSR:
		return emulate_wrmsr(v, rec);
	case EXIT_CR_ACCESS:
		return emulate_cr(v, rec);
	case EXIT_DR_ACCESS:
		return emulate_dr(v, rec);
	case EXIT_PREEMPTION_TIMER:
	case EXIT_MTF:
		return KVMX_STOP_NONE;
	case EXIT_VMCALL:
		return KVMX_STOP_VMCALL;
	case EXIT_IO:
		return KVMX_STOP_IO;
	case EXIT_EPT_VIOLATION:
		return KVMX_STOP_MMIO;
	case EXIT_EPT_MISCONFIG:
		return KVMX_STOP_EPT_MISCONFIG;
	default:
		return KVMX_STOP_UNHANDLED;
	}
}

enum kvmx_stop kvmx_policy_default(struct kvmx_vcpu *v, struct xs_exit_record *rec, void *opaque)
{
	(void)opaque;
	enum kvmx_stop stop = dispatch(v, rec);
	u32 idt = rec->idt_vectoring_info;

	/*
	 * An event cut short by this exit is delivered again at the next entry, also when the run stops for the
	 * caller (an MMIO access during delivery), unless the handler queued something itself.
	 */
	if (stop != KVMX_STOP_TRIPLE_FAULT && (idt & INTR_INFO_VALID) && !v->event_pending) {
		u32 type = INTR_INFO_TYPE(idt);
		bool soft = type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
			    type == INTR_TYPE_SW_EXCEPTION;
		kvmx_vcpu_queue_event(v, type, INTR_INFO_VECTOR(idt),
				      (idt & INTR_INFO_HAS_ERROR) ? (long long)rec->idt_vectoring_error : -1,
				      soft ? (u32)kvmx_vmread(VMCS_EXIT_INSN_LEN) : 0);
	}
	return stop;
}
