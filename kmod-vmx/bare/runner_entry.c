// SPDX-License-Identifier: MIT
/* The built-in guests' entry state (runner_entry.h). */
#include "kmod-vmx/bare/runner_entry.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "launcher/guest_abi.h"

#define AR_CODE64 0xa09bu
#define AR_CODE32 0xc09bu
#define AR_DATA32 0xc093u
#define AR_CODE16 0x9bu
#define AR_DATA16 0x93u
#define AR_TSS_BUSY 0x8bu
#define X86_CR0_ET (1ull << 4) /* extension type: reads as 1 on every CPU since the 486 */

static void set_seg(struct kvmx_regs *r, int i, u16 sel, u64 base, u32 limit, u32 ar)
{
	r->seg[i] = (struct kvmx_segment_regs){.base = base, .limit = limit, .ar = ar, .sel = sel};
}

void kvmx_entry_regs(struct kvmx_regs *r, unsigned int mode, u64 entry)
{
	kvmx_memset(r, 0, sizeof(*r));
	r->rflags = 2;
	r->dr7 = 0x400;
	r->pat = 0x0007040600070406ull; /* the reset value */
	r->gpr[XS_RDI] = XS_GPA_PARAMS;
	r->idtr_base = XS_GPA_IDT;
	if (mode == 16) {
		u16 cs = entry > 0xffff ? (u16)(entry >> 4) : 0;
		r->rip = entry - ((u64)cs << 4);
		r->gpr[XS_RSP] = XS_STACK_SIZE;
		r->cr0 = X86_CR0_NE | X86_CR0_ET;
		for (int i = 0; i < XS_SEG_COUNT; i++)
			set_seg(r, i, 0, 0, 0xffff, AR_DATA16);
		set_seg(r, XS_SEG_CS, cs, (u64)cs << 4, 0xffff, AR_CODE16);
		set_seg(r, XS_SEG_SS, (u16)(XS_GPA_STACKS >> 4), XS_GPA_STACKS, 0xffff, AR_DATA16);
		set_seg(r, XS_SEG_TR, 0, 0, 0xffff, AR_TSS_BUSY);
		r->idtr_limit = 0x3ff;
	} else {
		r->rip = entry;
		r->gpr[XS_RSP] = XS_GPA_STACKS + XS_STACK_SIZE;
		r->cr0 = X86_CR0_PE | X86_CR0_NE | X86_CR0_ET;
		for (int i = 0; i < XS_SEG_COUNT; i++)
			set_seg(r, i, XS_SEL_DATA, 0, 0xffffffff, AR_DATA32);
		set_seg(r, XS_SEG_CS, XS_SEL_CODE, 0, 0xffffffff, mode == 64 ? AR_CODE64 : AR_CODE32);
		set_seg(r, XS_SEG_TR, XS_SEL_TSS, XS_GPA_TSS, 0x67, AR_TSS_BUSY);
		r->gdtr_base = XS_GPA_GDT;
		r->gdtr_limit = 0x7ff;
		if (mode == 64) {
			r->flags = KVMX_REGS_IA32E;
			r->cr0 |= X86_CR0_PG;
			r->cr3 = XS_GPA_PAGE_TABLES;
			r->cr4 = X86_CR4_PAE;
			r->efer = X86_EFER_LME | X86_EFER_LMA;
		}
	}
	set_seg(r, XS_SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
}
