/* SPDX-License-Identifier: MIT */
/*
 * The VM-execution controls a caller asks for, in one structure, and how they become the five control words
 * the VMCS holds. A request the CPU cannot honour is refused with an error naming the control; a control the
 * CPU forces on that nobody asked for is reported (or refused with `strict`), never kept silently.
 */
#ifndef KVMX_CONTROLS_H
#define KVMX_CONTROLS_H

#include "kmod-vmx/core/caps.h"

#define KVMX_MAX_IO_RANGES 8
#define KVMX_MAX_MSR_INTERCEPTS 16
#define KVMX_MAX_CR3_TARGETS 4

/* Ports first .. first+count-1 exit when "use I/O bitmaps" is on. */
struct kvmx_io_range {
	u16 first;
	u32 count;
};

/* Accesses to this MSR that exit when "use MSR bitmaps" is on. */
struct kvmx_msr_intercept {
	u32 msr;
	bool read, write;
};

struct kvmx_controls {
	/* pin-based */
	bool extint_exiting, nmi_exiting, virtual_nmis, preemption_timer;
	u32 preemption_timer_value; /* loaded on every VM entry while preemption_timer is on */
	/* primary processor-based */
	bool intr_window_exiting, hlt_exiting, invlpg_exiting, mwait_exiting, rdpmc_exiting, rdtsc_exiting;
	bool cr3_load_exiting, cr3_store_exiting, cr8_load_exiting, cr8_store_exiting, nmi_window_exiting;
	bool mov_dr_exiting, uncond_io_exiting, io_bitmaps, msr_bitmaps, monitor_exiting, pause_exiting;
	bool monitor_trap_flag;
	/* secondary processor-based */
	bool ept, desc_table_exiting, enable_rdtscp, wbinvd_exiting, unrestricted_guest, rdrand_exiting;
	bool rdseed_exiting;
	/* VM-exit */
	bool ack_interrupt_on_exit;
	/* the rest of the VM-execution control fields */
	u32 exception_bitmap; /* bit n: exception vector n exits */
	u64 cr0_mask, cr0_shadow, cr4_mask, cr4_shadow;
	unsigned int cr3_target_count;
	u64 cr3_targets[KVMX_MAX_CR3_TARGETS];
	unsigned int n_io;
	struct kvmx_io_range io[KVMX_MAX_IO_RANGES];
	unsigned int n_msr;
	struct kvmx_msr_intercept msr[KVMX_MAX_MSR_INTERCEPTS];
	/* Refuse, instead of report, controls the CPU forces on although they were not asked for. */
	bool strict;
};

/* Which control word a control lives in. */
enum kvmx_word { KVMX_WORD_PIN, KVMX_WORD_PROC, KVMX_WORD_PROC2, KVMX_WORD_EXIT, KVMX_WORD_ENTRY, KVMX_WORD_COUNT };

/* Every control the structure above switches, in table order. */
enum kvmx_ctl {
	KVMX_CTL_EXTINT_EXITING,
	KVMX_CTL_NMI_EXITING,
	KVMX_CTL_VIRTUAL_NMIS,
	KVMX_CTL_PREEMPTION_TIMER,
	KVMX_CTL_INTR_WINDOW_EXITING,
	KVMX_CTL_HLT_EXITING,
	KVMX_CTL_INVLPG_EXITING,
	KVMX_CTL_MWAIT_EXITING,
	KVMX_CTL_RDPMC_EXITING,
	KVMX_CTL_RDTSC_EXITING,
	KVMX_CTL_CR3_LOAD_EXITING,
	KVMX_CTL_CR3_STORE_EXITING,
	KVMX_CTL_CR8_LOAD_EXITING,
	KVMX_CTL_CR8_STORE_EXITING,
	KVMX_CTL_NMI_WINDOW_EXITING,
	KVMX_CTL_MOV_DR_EXITING,
	KVMX_CTL_UNCOND_IO_EXITING,
	KVMX_CTL_IO_BITMAPS,
	KVMX_CTL_MONITOR_TRAP_FLAG,
	KVMX_CTL_MSR_BITMAPS,
	KVMX_CTL_MONITOR_EXITING,
	KVMX_CTL_PAUSE_EXITING,
	KVMX_CTL_EPT,
	KVMX_CTL_DESC_TABLE_EXITING,
	KVMX_CTL_ENABLE_RDTSCP,
	KVMX_CTL_WBINVD_EXITING,
	KVMX_CTL_UNRESTRICTED_GUEST,
	KVMX_CTL_RDRAND_EXITING,
	KVMX_CTL_RDSEED_EXITING,
	KVMX_CTL_ACK_INTERRUPT_ON_EXIT,
	KVMX_CTL_COUNT
};

struct kvmx_control_info {
	const char *name; /* the SDM's name: "RDTSC exiting" */
	const char *key;  /* a short key for metadata and logs: "rdtsc_exiting" */
	enum kvmx_word word;
	u32 bit; /* the control's mask within its word */
};

const struct kvmx_control_info *kvmx_control_info(enum kvmx_ctl ctl);
const char *kvmx_word_name(enum kvmx_word word); /* "primary processor-based", ... */
/* The capability MSR value that governs a word (its TRUE_ form when the CPU has those). */
u64 kvmx_word_caps(const struct kvmx_caps *caps, enum kvmx_word word);
/* May this control be 1 on this CPU? (For the secondary word: the CPU also has secondary controls.) */
bool kvmx_control_allowed(const struct kvmx_caps *caps, enum kvmx_ctl ctl);
bool kvmx_control_wanted(const struct kvmx_controls *c, enum kvmx_ctl ctl);
/* Switch one control of the structure by its identity (what a name lookup or a loop over the table needs). */
void kvmx_control_set(struct kvmx_controls *c, enum kvmx_ctl ctl, bool on);
/* The control whose key ("rdtsc_exiting") or SDM name ("RDTSC exiting") this is; false if none. */
bool kvmx_control_lookup(const char *name, enum kvmx_ctl *ctl);

/* What goes into the VMCS. */
struct kvmx_words {
	u32 word[KVMX_WORD_COUNT];
	/* Controls of the table the CPU forces on although they were not requested (not strict). */
	u32 forced[KVMX_WORD_COUNT];
};

/* Guest facts the exit and entry words depend on. */
struct kvmx_guest_mode {
	bool ia32e; /* the guest runs in IA-32e mode (64-bit) */
};

/*
 * Compute the control words from the request and the capabilities. Exit controls always include a 64-bit
 * host and, where the CPU allows them, save/load of EFER and PAT; entry controls follow the guest mode.
 * Returns 0, or -1 with err naming the first control that cannot be had (or a broken dependency).
 */
int kvmx_controls_compute(const struct kvmx_caps *caps, const struct kvmx_controls *want,
			  const struct kvmx_guest_mode *mode, struct kvmx_words *out, struct kvmx_err *err);

#endif
