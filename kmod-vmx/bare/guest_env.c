// SPDX-License-Identifier: MIT
/* Guest state and the guest IDT: what a scenario's guest starts from. */
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "kmod-vmx/core/x86.h"

volatile struct guest_log guest_log;
static u64 guest_idt[512] __attribute__((aligned(16)));
static u8 guest_stack[16384] __attribute__((aligned(16)));

#define AR_CODE64 0xa09b /* present, code, accessed, L, G */
#define AR_DATA 0xc093	 /* present, data, writable, accessed, D/B, G */
#define AR_TSS64_BUSY 0x8b

void guest_env_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		u64 h = (u64)(__UINTPTR_TYPE__)guest_stub_table + 16 * v;
		/* 64-bit interrupt gate: offset 15:0, selector, type 0xe present, offset 31:16, offset 63:32 */
		guest_idt[2 * v] =
			(h & 0xffff) | ((u64)GDT_CODE64 << 16) | (0x8eull << 40) | ((h >> 16) & 0xffff) << 48;
		guest_idt[2 * v + 1] = h >> 32;
	}
}

void guest_log_reset(void)
{
	kvmx_memset((void *)&guest_log, 0, sizeof(guest_log));
}

u64 guest_stack_top(void)
{
	return (u64)(__UINTPTR_TYPE__)(guest_stack + sizeof(guest_stack));
}

static void seg(struct kvmx_guest_state *gs, int i, u16 sel, u64 base, u32 limit, u32 ar)
{
	gs->seg[i].sel = sel;
	gs->seg[i].base = base;
	gs->seg[i].limit = limit;
	gs->seg[i].ar = ar;
}

static void common_tables(struct kvmx_guest_state *gs)
{
	struct kvmx_dtr gdtr;

	kvmx_sgdt(&gdtr);
	gs->gdtr_base = gdtr.base;
	gs->gdtr_limit = gdtr.limit;
	seg(gs, XS_SEG_TR, GDT_TSS, (u64)(__UINTPTR_TYPE__)host_tss, sizeof(host_tss) - 1, AR_TSS64_BUSY);
	seg(gs, XS_SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	gs->dr7 = 0x400;
	gs->link_pointer = ~0ull;
	gs->pat = rdmsr(MSR_IA32_PAT);
}

void guest_state_64(struct kvmx_guest_state *gs, const void *rip)
{
	kvmx_memset(gs, 0, sizeof(*gs));
	gs->ia32e = true;
	gs->rip = (u64)(__UINTPTR_TYPE__)rip;
	gs->rsp = guest_stack_top();
	gs->rflags = 2;
	gs->cr0 = kvmx_read_cr0();
	gs->cr3 = kvmx_read_cr3();
	gs->cr4 = kvmx_read_cr4();
	gs->efer = X86_EFER_LME | X86_EFER_LMA;
	seg(gs, XS_SEG_CS, GDT_CODE64, 0, 0xffffffff, AR_CODE64);
	for (int i = 0; i < XS_SEG_COUNT; i++)
		if (i != XS_SEG_CS && i != XS_SEG_LDTR && i != XS_SEG_TR)
			seg(gs, i, GDT_DATA, 0, 0xffffffff, AR_DATA);
	common_tables(gs);
	gs->idtr_base = (u64)(__UINTPTR_TYPE__)guest_idt;
	gs->idtr_limit = sizeof(guest_idt) - 1;
}

void guest_state_real(struct kvmx_guest_state *gs)
{
	u64 base = (u64)(__UINTPTR_TYPE__)guest_real;

	kvmx_memset(gs, 0, sizeof(*gs));
	gs->ia32e = false;
	gs->rip = 0;
	gs->rsp = 0x7000;
	gs->rflags = 2;
	gs->cr0 = X86_CR0_NE | (1ull << 4); /* ET; PE and PG clear */
	gs->cr3 = 0;
	gs->cr4 = 0;
	gs->efer = 0;
	seg(gs, XS_SEG_CS, (u16)(base >> 4), base, 0xffff, 0x9b);
	for (int i = 0; i < XS_SEG_COUNT; i++)
		if (i != XS_SEG_CS && i != XS_SEG_LDTR && i != XS_SEG_TR)
			seg(gs, i, 0, 0, 0xffff, 0x93);
	common_tables(gs);
	gs->idtr_base = 0;
	gs->idtr_limit = 0x3ff;
}
