/* SPDX-License-Identifier: MIT */
/*
 * A VT-x virtual CPU: VMX operation on the host CPU, one VMCS with its bitmaps and EPT, the run loop that
 * turns every VM exit into an exit record in the ring and hands it to an exit handler (the default policy
 * in policy.h, or the caller's).
 *
 * Typical use:
 *   kvmx_cpu_on(&cpu, &platform, &err);
 *   kvmx_vcpu_create(&v, &cpu, 0, XS_SRC_BARE_VMX, ring, ring_bytes, &err);
 *   kvmx_vcpu_ept_map(&v, 0, 0, 32 << 20, EPT_RWX, EPT_MT_WB, &err);      (when controls.ept is on)
 *   kvmx_vcpu_configure(&v, &controls, &guest, &err);
 *   stop = kvmx_vcpu_run(&v, NULL, NULL);       (NULL: the default policy)
 */
#ifndef KVMX_VCPU_H
#define KVMX_VCPU_H

#include "kmod-vmx/core/controls.h"
#include "kmod-vmx/core/ept.h"
#include "kmod-vmx/core/ring.h"
#include "kmod-vmx/core/vmx_ops.h"

/* VMX operation on one host CPU. */
struct kvmx_cpu {
	const struct kvmx_platform *plat;
	struct kvmx_caps caps;
	void *vmxon_region;
	u64 vmxon_phys;
	bool region_borrowed;	    /* the platform owns vmxon_region (kvmx_cpu_on_region): kvmx_cpu_off keeps it */
	u64 cr0_before, cr4_before; /* restored by kvmx_cpu_off */
	bool on;
};

/* Read the capabilities, set CR0/CR4 to the VMX fixed bits, VMXON. */
int kvmx_cpu_on(struct kvmx_cpu *cpu, const struct kvmx_platform *p, struct kvmx_err *err);
/*
 * The same with a VMXON region the platform keeps (a zeroed page per host CPU, allocated once): a platform
 * that enters VMX operation for each run, in atomic context, cannot allocate there.
 */
int kvmx_cpu_on_region(struct kvmx_cpu *cpu, const struct kvmx_platform *p, void *region, u64 region_phys,
		       struct kvmx_err *err);
void kvmx_cpu_off(struct kvmx_cpu *cpu);

struct kvmx_segment {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar; /* VMX access-rights format; AR_UNUSABLE for an unusable segment */
};

/* The guest-state area to start from. */
struct kvmx_guest_state {
	bool ia32e; /* 64-bit guest: sets the "IA-32e mode guest" entry control */
	u64 rip, rsp, rflags;
	u64 cr0, cr3, cr4, dr7, efer, pat;
	struct kvmx_segment seg[XS_SEG_COUNT];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 interruptibility, activity;
	u64 link_pointer; /* ~0 unless a test wants a broken VMCS link pointer */
	struct kvmx_gprs gprs;
};

/* Why kvmx_vcpu_run returned. */
enum kvmx_stop {
	KVMX_STOP_NONE = 0,	 /* (handler verdict: keep running) */
	KVMX_STOP_REQUESTED,	 /* the exit's reason is in stop_on: the caller handles it */
	KVMX_STOP_VMCALL,	 /* the guest called the hypervisor */
	KVMX_STOP_IO,		 /* I/O instruction: the caller emulates it */
	KVMX_STOP_MMIO,		 /* EPT violation: an access to guest-physical memory nobody mapped (or not so) */
	KVMX_STOP_EPT_MISCONFIG, /* the EPT tables are broken */
	KVMX_STOP_HLT,		 /* the guest halted and no event is queued to wake it */
	KVMX_STOP_TRIPLE_FAULT,
	KVMX_STOP_ENTRY_FAIL, /* VM entry failed on guest state or MSR loading (reason has bit 31) */
	KVMX_STOP_VMFAIL,     /* VMLAUNCH/VMRESUME failed: insn_error says why */
	KVMX_STOP_UNHANDLED,  /* an exit the default policy has no answer for */
	KVMX_STOP_EXIT_LIMIT, /* max_exits reached */
	KVMX_STOP_YIELD,      /* (handler verdict) the platform has host work to do first: reschedule, a signal */
	KVMX_STOP_COUNT
};
const char *kvmx_stop_name(enum kvmx_stop s);

struct kvmx_vcpu;
/* Decides what an exit means: KVMX_STOP_NONE to resume the guest, anything else ends kvmx_vcpu_run. */
typedef enum kvmx_stop (*kvmx_exit_handler)(struct kvmx_vcpu *v, struct xs_exit_record *rec, void *opaque);

#define KVMX_MAX_VIRTUAL_MSRS 16

struct kvmx_vcpu {
	struct kvmx_cpu *cpu;
	const struct kvmx_platform *plat;
	u32 id;
	u8 source; /* XS_SRC_BARE_VMX or XS_SRC_KMOD_VMX */
	void *vmcs;
	u64 vmcs_phys;
	u8 *io_bitmap_a, *io_bitmap_b, *msr_bitmap;
	u64 io_bitmap_a_phys, io_bitmap_b_phys, msr_bitmap_phys;
	struct kvmx_ept ept;
	bool ept_ready;
	struct kvmx_controls ctl;
	struct kvmx_words words;
	struct kvmx_gprs gprs;
	bool launched, halted;
	/* Exit records go here; records that do not fit are counted in the ring's drop counter. */
	struct kvmx_ring_header *ring;
	struct kvmx_ring_producer ring_out; /* the producer's side of ring, set up by kvmx_vcpu_create */
	u64 seq; /* sequence number of the next record; a caller may start it where an earlier vCPU stopped */
	u64 exits, failed_entries;
	u64 entry_ts; /* platform time just before the latest VM entry: exit-to-entry latency of the exit before it */
	struct xs_exit_record rec; /* the last exit */
	u32 insn_error;		   /* VM-instruction error of the last VMfailValid */
	u64 guest_cr2;		   /* CR2 as the guest left it at the last exit (CR2 is not in the VMCS) */
	bool cr2_dirty;		   /* guest_cr2 must be loaded before the next entry (a reflected #PF) */
	/* An event to inject at the next VM entry. */
	bool event_pending;
	u32 event_info, event_error, event_insn_len;
	/* State the default policy emulates. */
	u64 tpr;	/* the guest's CR8 (the real TPR: there is no TPR shadow) */
	bool tpr_dirty; /* tpr must be written to CR8 before the next entry */
	u64 dr[4];	/* DR0-3 while MOV-DR exits (DR7 is in the VMCS) */
	u64 tsc_offset; /* added to the TSC the guest reads through emulated RDTSC/RDTSCP */
	u64 tsc_aux;	/* what emulated RDTSCP returns in ECX */
	unsigned int n_vmsrs;
	struct {
		u32 index;
		u64 value;
	} vmsrs[KVMX_MAX_VIRTUAL_MSRS]; /* MSRs the guest wrote through emulated WRMSR */
	u64 vmsr_overflow;		/* emulated WRMSRs refused because the table was full */
	/* Caller's knobs. */
	u32 stop_on[4]; /* basic reasons 0..127 that stop the run unhandled: bit n%32 of word n/32 */
	u32 max_exits;	/* per kvmx_vcpu_run call; 0: no limit */
};

static inline void kvmx_vcpu_stop_on(struct kvmx_vcpu *v, u32 basic_reason)
{
	if (basic_reason < 128)
		v->stop_on[basic_reason / 32] |= 1u << (basic_reason % 32);
}

int kvmx_vcpu_create(struct kvmx_vcpu *v, struct kvmx_cpu *cpu, u32 id, u8 source, struct kvmx_ring_header *ring,
		     struct kvmx_err *err);
/* Frees the vCPU's pages; VMCLEARs its VMCS first when v->cpu is in VMX operation (else it must be clear). */
void kvmx_vcpu_destroy(struct kvmx_vcpu *v);

/*
 * Make a configured vCPU current on the host CPU v->cpu (in VMX operation) after it was VMCLEARed: VMPTRLD
 * and the host-state area of this CPU (GDT, TSS, FS/GS bases and CR3/CR4 differ between CPUs and threads).
 * The next entry is a VMLAUNCH. How a platform moves a vCPU between host CPUs (docs/kmod-vmx.md).
 */
int kvmx_vcpu_load(struct kvmx_vcpu *v, struct kvmx_err *err);

/* Map guest-physical memory in this vCPU's EPT (created on first use). */
int kvmx_vcpu_ept_map(struct kvmx_vcpu *v, u64 gpa, u64 hpa, u64 size, u64 perms, u64 memtype, struct kvmx_err *err);

/*
 * Compute the control words (refusing what the CPU cannot do), build the I/O and MSR bitmaps, and write the
 * whole VMCS: controls, host state (taken from the running CPU) and the guest state gs. The next run
 * starts with VMLAUNCH.
 */
int kvmx_vcpu_configure(struct kvmx_vcpu *v, const struct kvmx_controls *c, const struct kvmx_guest_state *gs,
			struct kvmx_err *err);

/* Run until the handler (NULL: kvmx_policy_default) or an error stops it. */
enum kvmx_stop kvmx_vcpu_run(struct kvmx_vcpu *v, kvmx_exit_handler handler, void *opaque);

/*
 * Queue an event for the next VM entry: type INTR_TYPE_*, vector, error code (error >= 0: delivered with
 * one), instruction length for software interrupts and exceptions (the return address is RIP + insn_len).
 */
void kvmx_vcpu_queue_event(struct kvmx_vcpu *v, u32 type, u32 vector, long long error, u32 insn_len);

/* Turn primary (word KVMX_WORD_PROC) or other control bits on or off in the current VMCS. */
void kvmx_vcpu_update_controls(struct kvmx_vcpu *v, enum kvmx_word word, u32 set, u32 clear);

/* Guest register access by x86 register number (XS_RSP reads the VMCS). */
u64 kvmx_vcpu_gpr(struct kvmx_vcpu *v, unsigned int n);
void kvmx_vcpu_set_gpr(struct kvmx_vcpu *v, unsigned int n, u64 value);
/* Advance the guest RIP past the instruction that exited (VM-exit instruction length). */
void kvmx_vcpu_skip_insn(struct kvmx_vcpu *v);

#endif
