// SPDX-License-Identifier: MIT
/* One VM exit -> one struct xs_exit_record. */
#include "kmod-vmx/core/exit_record.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

bool kvmx_exit_has_insn_len(u32 basic, u32 intr_info)
{
	switch (basic) {
	case EXIT_EXCEPTION_NMI: { /* software interrupts and exceptions (INT n, INT3, INTO, INT1) */
		u32 type = INTR_INFO_TYPE(intr_info);
		return (intr_info & INTR_INFO_VALID) &&
		       (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
			type == INTR_TYPE_SW_EXCEPTION);
	}
	case EXIT_TASK_SWITCH:
	case EXIT_CPUID:
	case 11: /* GETSEC */
	case EXIT_HLT:
	case EXIT_INVD:
	case EXIT_INVLPG:
	case EXIT_RDPMC:
	case EXIT_RDTSC:
	case 17: /* RSM */
	case EXIT_VMCALL:
	case 19 ... 27: /* VMCLEAR .. VMXON */
	case EXIT_CR_ACCESS:
	case EXIT_DR_ACCESS:
	case EXIT_IO:
	case EXIT_RDMSR:
	case EXIT_WRMSR:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_PAUSE:
	case EXIT_GDTR_IDTR:
	case EXIT_LDTR_TR:
	case EXIT_INVEPT:
	case EXIT_RDTSCP:
	case EXIT_INVVPID:
	case EXIT_WBINVD:
	case EXIT_XSETBV:
	case EXIT_RDRAND:
	case EXIT_INVPCID:
	case 59: /* VMFUNC */
	case 60: /* ENCLS */
	case EXIT_RDSEED:
	case 63: /* XSAVES */
	case 64: /* XRSTORS */
		return true;
	default:
		return false;
	}
}

bool kvmx_exit_has_insn_info(u32 basic, u64 qualification)
{
	switch (basic) {
	case EXIT_IO:
		return (qualification >> 4) & 1; /* INS/OUTS only */
	case EXIT_VMCLEAR:
	case 21 ... 23: /* VMPTRLD, VMPTRST, VMREAD */
	case 25:	/* VMWRITE */
	case EXIT_VMXON:
	case EXIT_GDTR_IDTR:
	case EXIT_LDTR_TR:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_RDRAND:
	case EXIT_INVPCID:
	case EXIT_RDSEED:
	case 63:
	case 64:
		return true;
	default:
		return false;
	}
}

static void fill_detail(struct kvmx_vcpu *v, struct xs_exit_record *r)
{
	u32 basic = XS_VMX_BASIC_REASON(r->reason);
	u64 q = r->qualification;

	if (r->reason & XS_VMX_REASON_FAILED_VMENTRY) {
		r->detail_kind = XS_D_FAIL_ENTRY;
		r->detail.fail_entry.hardware_entry_failure_reason = r->reason;
		r->detail.fail_entry.cpu = r->cpu;
		return;
	}
	switch (basic) {
	case EXIT_EXCEPTION_NMI:
		if (!(r->intr_info & INTR_INFO_VALID))
			return;
		r->detail_kind = XS_D_EXCEPTION;
		r->detail.exception.vector = INTR_INFO_VECTOR(r->intr_info);
		r->detail.exception.has_error = (r->intr_info & INTR_INFO_HAS_ERROR) != 0;
		r->detail.exception.error_code = r->error_code;
		if (INTR_INFO_VECTOR(r->intr_info) == 14)
			r->detail.exception.address = q;
		break;
	case EXIT_IO: {
		struct xs_detail_io *io = &r->detail.io;
		r->detail_kind = XS_D_IO;
		io->port = (u16)(q >> 16);
		io->size = (u8)((q & 7) + 1);
		io->direction = (u8)((q >> 3) & 1);
		io->string = (u8)((q >> 4) & 1);
		io->rep = (u8)((q >> 5) & 1);
		io->count = io->rep ? (u32)v->gprs.r[XS_RCX] : 1;
		if (io->direction == XS_IO_OUT && !io->string)
			io->value = v->gprs.r[XS_RAX] & (io->size == 4	 ? 0xffffffffull
							 : io->size == 2 ? 0xffffull
									 : 0xffull);
		break;
	}
	case EXIT_CPUID:
		r->detail_kind = XS_D_CPUID;
		r->detail.cpuid.leaf = (u32)v->gprs.r[XS_RAX];
		r->detail.cpuid.subleaf = (u32)v->gprs.r[XS_RCX];
		break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		r->detail_kind = XS_D_MSR;
		r->detail.msr.index = (u32)v->gprs.r[XS_RCX];
		r->detail.msr.is_write = basic == EXIT_WRMSR;
		if (basic == EXIT_WRMSR)
			r->detail.msr.value = (v->gprs.r[XS_RDX] << 32) | (u32)v->gprs.r[XS_RAX];
		break;
	case EXIT_CR_ACCESS: {
		u32 type = (u32)(q >> 4) & 3;
		r->detail_kind = XS_D_CR;
		r->detail.cr.cr = (u32)(q & 15);
		r->detail.cr.is_write = type != 1;
		if (type == 0)
			r->detail.cr.value = kvmx_vcpu_gpr(v, (unsigned int)(q >> 8) & 15);
		else if (type == 3)
			r->detail.cr.value = (q >> 16) & 0xffff;
		break;
	}
	case EXIT_EPT_VIOLATION:
	case EXIT_EPT_MISCONFIG:
		r->detail_kind = XS_D_MMIO;
		r->detail.mmio.gpa = r->guest_phys;
		r->detail.mmio.is_write = basic == EXIT_EPT_VIOLATION && ((q >> 1) & 1);
		break;
	default:
		break;
	}
}

static void fill_guest_state(struct kvmx_vcpu *v, struct xs_guest_state *gs)
{
	for (unsigned int i = 0; i < XS_GPR_COUNT; i++)
		gs->gpr[i] = v->gprs.r[i];
	gs->gpr[XS_RSP] = kvmx_vmread(VMCS_GUEST_RSP);
	gs->rip = kvmx_vmread(VMCS_GUEST_RIP);
	gs->rflags = kvmx_vmread(VMCS_GUEST_RFLAGS);
	gs->cr0 = kvmx_vmread(VMCS_GUEST_CR0);
	gs->cr2 = v->guest_cr2;
	gs->cr3 = kvmx_vmread(VMCS_GUEST_CR3);
	gs->cr4 = kvmx_vmread(VMCS_GUEST_CR4);
	gs->dr7 = kvmx_vmread(VMCS_GUEST_DR7);
	for (unsigned int i = 0; i < XS_SEG_COUNT; i++) {
		gs->seg_sel[i] = (u16)kvmx_vmread(VMCS_GUEST_ES_SEL + 2 * i);
		gs->seg_base[i] = kvmx_vmread(VMCS_GUEST_ES_BASE + 2 * i);
		gs->seg_limit[i] = (u32)kvmx_vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
		gs->seg_ar[i] = (u32)kvmx_vmread(VMCS_GUEST_ES_AR + 2 * i);
	}
	gs->gdtr_base = kvmx_vmread(VMCS_GUEST_GDTR_BASE);
	gs->gdtr_limit = (u16)kvmx_vmread(VMCS_GUEST_GDTR_LIMIT);
	gs->idtr_base = kvmx_vmread(VMCS_GUEST_IDTR_BASE);
	gs->idtr_limit = (u16)kvmx_vmread(VMCS_GUEST_IDTR_LIMIT);
	gs->valid = XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS | XS_GS_CR0 | XS_GS_CR2 | XS_GS_CR3 | XS_GS_CR4 | XS_GS_DR7 |
		    XS_GS_SEG_SEL | XS_GS_SEG_BASE | XS_GS_SEG_LIMIT | XS_GS_SEG_AR | XS_GS_GDTR | XS_GS_IDTR;
	if (v->words.word[KVMX_WORD_EXIT] & EXIT_SAVE_EFER) {
		gs->efer = kvmx_vmread(VMCS_GUEST_EFER);
		gs->valid |= XS_GS_EFER;
	}
	gs->cr8 = v->tpr; /* read from the real TPR right after the exit: the guest owns it */
	gs->valid |= XS_GS_CR8;
}

void kvmx_exit_record_fill(struct kvmx_vcpu *v, struct xs_exit_record *r, u64 ts)
{
	kvmx_memset(r, 0, sizeof(*r));
	r->version = XS_RECORD_VERSION;
	r->size = XS_RECORD_FULL_SIZE;
	r->isa = XS_ISA_VMX;
	r->source = v->source;
	r->vcpu = v->id;
	r->ts = ts;
	r->seq = v->seq++;
	r->flags = XS_F_TS_TSC | XS_F_RIP | XS_F_GUEST_STATE | XS_F_IDT_VECTORING;
	r->reason = (u32)kvmx_vmread(VMCS_EXIT_REASON);
	r->qualification = kvmx_vmread(VMCS_EXIT_QUALIFICATION);
	r->guest_rip = kvmx_vmread(VMCS_GUEST_RIP);

	u32 basic = XS_VMX_BASIC_REASON(r->reason);
	bool entry_failed = (r->reason & XS_VMX_REASON_FAILED_VMENTRY) != 0;

	r->intr_info = (u32)kvmx_vmread(VMCS_EXIT_INTR_INFO);
	if (r->intr_info & INTR_INFO_VALID) {
		r->flags |= XS_F_INTR_INFO;
		if (r->intr_info & INTR_INFO_HAS_ERROR)
			r->error_code = (u32)kvmx_vmread(VMCS_EXIT_INTR_ERROR);
	} else {
		r->intr_info = 0;
	}
	r->idt_vectoring_info = (u32)kvmx_vmread(VMCS_IDT_VECTORING_INFO);
	if ((r->idt_vectoring_info & INTR_INFO_VALID) && (r->idt_vectoring_info & INTR_INFO_HAS_ERROR))
		r->idt_vectoring_error = (u32)kvmx_vmread(VMCS_IDT_VECTORING_ERROR);
	r->info2 = r->idt_vectoring_info;

	if (!entry_failed && kvmx_exit_has_insn_len(basic, r->intr_info)) {
		r->flags |= XS_F_INSN;
		r->insn_len = (u32)kvmx_vmread(VMCS_EXIT_INSN_LEN);
		if (kvmx_exit_has_insn_info(basic, r->qualification))
			r->insn_info = (u32)kvmx_vmread(VMCS_EXIT_INSN_INFO);
	}
	if (!entry_failed && (basic == EXIT_EPT_VIOLATION || basic == EXIT_EPT_MISCONFIG)) {
		r->guest_phys = kvmx_vmread(VMCS_GUEST_PHYS_ADDR);
		r->flags |= XS_F_GUEST_PHYS;
	}
	/* Where the SDM fills the guest-linear-address field, or the qualification is itself one. */
	if (!entry_failed) {
		bool lin_field = (basic == EXIT_EPT_VIOLATION && ((r->qualification >> 7) & 1)) ||
				 (basic == EXIT_IO && ((r->qualification >> 4) & 1)) ||
				 (basic == EXIT_CR_ACCESS && ((r->qualification >> 4) & 3) == 3 &&
				  ((r->qualification >> 6) & 1));
		if (lin_field) {
			r->guest_linear = kvmx_vmread(VMCS_GUEST_LINEAR_ADDR);
			r->flags |= XS_F_GUEST_LINEAR;
		} else if (basic == EXIT_INVLPG || (basic == EXIT_EXCEPTION_NMI && (r->intr_info & INTR_INFO_VALID) &&
						    INTR_INFO_VECTOR(r->intr_info) == 14)) {
			r->guest_linear = r->qualification;
			r->flags |= XS_F_GUEST_LINEAR;
		}
	}
	fill_detail(v, r);
	fill_guest_state(v, &r->gs);
}
