/* SPDX-License-Identifier: MIT */
/*
 * The guests the scenarios run (guests.S): short 64-bit routines that trigger one kind of exit at a labelled
 * instruction and end with VMCALL, plus one real-mode routine. Their interrupt handlers write what they saw
 * into guest_log, which the host reads after the run.
 */
#ifndef KVMX_BARE_GUEST_H
#define KVMX_BARE_GUEST_H

#include "kmod-vmx/core/types.h"

/* Offsets are used by guests.S: keep them in sync (static asserts below). */
struct guest_log {
	u64 count;	 /* 0: events the guest's IDT handlers took */
	u64 last_vector; /* 8 */
	u64 last_error;	 /* 16 */
	u64 last_rip;	 /* 24: the return RIP the handler found on its stack */
	u64 last_cr2;	 /* 32 */
	u64 skip;	 /* 40: bytes the next handler adds to the return RIP (to step over a faulting insn) */
	u64 seen[4];	 /* 48: bitmap of the vectors taken */
	u64 alt_cr3;	 /* 80: input of guest_cr3_targets */
};
_Static_assert(__builtin_offsetof(struct guest_log, skip) == 40, "guest_log.skip at 40");
_Static_assert(__builtin_offsetof(struct guest_log, seen) == 48, "guest_log.seen at 48");
_Static_assert(__builtin_offsetof(struct guest_log, alt_cr3) == 80, "guest_log.alt_cr3 at 80");

extern volatile struct guest_log guest_log;
static inline bool guest_saw(u32 vector)
{
	return (guest_log.seen[vector / 64] >> (vector % 64)) & 1;
}

#define GUEST_TIMER_VECTOR 0x30
#define GUEST_EXTINT_VECTOR 0x40
#define GUEST_SOFTINT_VECTOR 0x80

/* Guest code and the labelled instructions (declared as arrays: only their addresses matter). */
#define G(name) extern const char name[]
G(guest_stub_table);
G(guest_vmcall);
G(guest_regs);
G(guest_cpuid);
G(guest_cpuid_0_at);
G(guest_cpuid_1_at);
G(guest_hlt);
G(guest_hlt_at);
G(guest_invlpg);
G(guest_invlpg_at);
G(guest_page);
G(guest_page2);
G(guest_mwait);
G(guest_monitor_at);
G(guest_mwait_at);
G(guest_rdpmc);
G(guest_rdpmc_at);
G(guest_rdtsc);
G(guest_rdtsc_at);
G(guest_cr3);
G(guest_cr3_store_at);
G(guest_cr3_load_at);
G(guest_cr3_targets);
G(guest_cr3_alt_at);
G(guest_cr8);
G(guest_cr8_load_at);
G(guest_cr8_store_at);
G(guest_cr8_clear_at);
G(guest_nops);
G(guest_intr_window);
G(guest_iw_at);
G(guest_dr);
G(guest_dr_load_at);
G(guest_dr_store_at);
G(guest_io_uncond);
G(guest_io_out_at);
G(guest_io_bitmap);
G(guest_io_a_at);
G(guest_io_b_at);
G(guest_io_span_at);
G(guest_msr);
G(guest_msr_r_at);
G(guest_msr_w_at);
G(guest_pause);
G(guest_pause_at);
G(guest_mtf);
G(guest_mtf_1);
G(guest_mtf_2);
G(guest_loop);
G(guest_extint);
G(guest_self_nmi);
G(guest_ept);
G(guest_ept_read_at);
G(guest_ept_write_at);
G(guest_ept_misconfig);
G(guest_ept_mc_at);
G(guest_desc);
G(guest_sgdt_at);
G(guest_sidt_at);
G(guest_sldt_at);
G(guest_str_at);
G(guest_rdtscp);
G(guest_rdtscp_at);
G(guest_wbinvd);
G(guest_wbinvd_at);
G(guest_rdrand);
G(guest_rdrand_at);
G(guest_rdseed);
G(guest_rdseed_at);
G(guest_ud);
G(guest_ud_at);
G(guest_bp);
G(guest_bp_at);
G(guest_de);
G(guest_de_at);
G(guest_gp);
G(guest_gp_at);
G(guest_pf);
G(guest_pf_at);
G(guest_db);
G(guest_db_at);
G(guest_nm);
G(guest_nm_at);
G(guest_crmask);
G(guest_crmask_clts_at);
G(guest_crmask_cr0_at);
G(guest_crmask_cr4_at);
G(guest_inject);
G(guest_inject_at);
G(guest_inject_soft_at);
G(guest_real);
G(guest_real_end);
#undef G

#define GUEST_LOOP_ITERATIONS 20000
#define GUEST_PF_ADDRESS 0x100000000ull	   /* above the 4 GiB the page tables map */
#define GUEST_GP_SELECTOR 0x40		   /* past the GDT's limit */
#define GUEST_MSR_READ_EXITING 0x174	   /* IA32_SYSENTER_CS */
#define GUEST_MSR_WRITE_EXITING 0xc0000102 /* IA32_KERNEL_GS_BASE */

#endif
