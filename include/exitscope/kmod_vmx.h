/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ioctl ABI of kmod_vmx.ko, exitscope's VT-x module: /dev/kmod-vmx (mode 0600).
 *
 *   fd = open("/dev/kmod-vmx", O_RDWR)           one VM per open file
 *   ioctl(fd, KVMX_GET_CAPS, &caps)               the CPU's VMX capability MSRs, or why VT-x cannot be used
 *   ioctl(fd, KVMX_CREATE_VM, &vm)                guest memory (GPA 0 .. mem_size) and the ring size of each vCPU
 *   mem = mmap(0, mem_size, RW, MAP_SHARED, fd, 0)      the caller fills guest memory here
 *   vcpu = ioctl(fd, KVMX_CREATE_VCPU, 0)         a new fd for one vCPU
 *   ring = mmap(0, ring_bytes, RW, MAP_SHARED, vcpu, 0) struct kvmx_ring_header + slots (kmod-vmx/core/ring.h)
 *   ioctl(vcpu, KVMX_SET_REGS, &regs)             the guest-state area to start from
 *   ioctl(vcpu, KVMX_SET_CONTROLS, &controls)     refused with the core's text in controls.msg
 *   ioctl(vcpu, KVMX_RUN, &run)                   runs on the calling thread until a stop condition
 *   ioctl(vcpu, KVMX_GET_GPRS / KVMX_SET_GPRS)    registers between runs (emulating an IN, ...)
 *   ioctl(vcpu, KVMX_SET_EPT_RANGE, &range)       a guest-physical range unmapped (MMIO) or read-only
 *
 * Additions within version 1 are announced in kvmx_caps_info.features (KVMX_FEAT_*): a caller checks the bit
 * before it uses one, and an older module refuses the flag or ioctl it does not know with EINVAL/ENOTTY.
 *
 * Every structure starts in the caller's memory and is checked field by field; reserved fields must be 0.
 * docs/kmod-vmx.md describes the ABI, what the module forces on for the host's safety, and what it refuses.
 */
#ifndef EXITSCOPE_KMOD_VMX_H
#define EXITSCOPE_KMOD_VMX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KVMX_DEVICE_PATH "/dev/kmod-vmx"
#define KVMX_ABI_VERSION 1
#define KVMX_MSG_LEN 192 /* refusal texts: one line, NUL-terminated */

#define KVMX_MAX_MEM_SIZE (1ull << 30) /* guest memory per VM */
#define KVMX_MAX_RING_SLOTS 65536u     /* records per vCPU ring */
#define KVMX_MAX_VCPUS 64

/* KVMX_GET_CAPS: the capability MSRs of the CPU the call ran on (status 0), or why VT-x is unusable. */
struct kvmx_caps_info {
	__u32 abi_version; /* out: KVMX_ABI_VERSION */
	__s32 status;	   /* out: 0 usable; else a negative errno and msg says why */
	char msg[KVMX_MSG_LEN];
	__u64 basic, pin, proc, proc2, exit, entry; /* pin..entry: the TRUE_ MSRs when basic bit 55 is set */
	__u64 ept_vpid, misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, feature_control;
	__u32 true_ctls;
	__u32 cpu;	/* the host CPU that was read */
	__u64 features; /* out: KVMX_FEAT_* this module has */
	__u64 reserved[3];
};

#define KVMX_FEAT_RUN_STATE (1ull << 0)	  /* kvmx_run.rip/rflags/interruptibility/event_held are filled */
#define KVMX_FEAT_SET_RIP (1ull << 1)	  /* KVMX_RUN_SET_RIP */
#define KVMX_FEAT_INJECT_READY (1ull << 2) /* KVMX_RUN_INJECT_READY */
#define KVMX_FEAT_EPT_RANGE (1ull << 3)	  /* KVMX_SET_EPT_RANGE */

/* KVMX_CREATE_VM: once per open file. */
struct kvmx_vm_config {
	__u32 version;	  /* in: KVMX_ABI_VERSION */
	__u32 ring_slots; /* in: records per vCPU ring, a power of two, 2 .. KVMX_MAX_RING_SLOTS */
	__u64 mem_size;	  /* in: bytes of guest memory at GPA 0, a multiple of 4096, up to KVMX_MAX_MEM_SIZE */
	__u64 ring_bytes; /* out: the size to mmap on each vCPU fd */
	__u64 reserved[4];
	char msg[KVMX_MSG_LEN]; /* out: why the VM was refused */
};

struct kvmx_segment_regs {
	__u64 base;
	__u32 limit;
	__u32 ar; /* VMX access-rights format; bit 16: unusable */
	__u16 sel;
	__u16 reserved[3];
};

/* Segment order: ES, CS, SS, DS, FS, GS, LDTR, TR (the VMCS's). */
#define KVMX_NSEGS 8
#define KVMX_REGS_IA32E (1u << 0) /* 64-bit guest: "IA-32e mode guest" on entry */

/* KVMX_SET_REGS: the whole guest-state area; the VMCS is rewritten at the next KVMX_RUN. */
struct kvmx_regs {
	__u64 gpr[16]; /* x86 register numbers: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 */
	__u64 rip, rflags, cr0, cr3, cr4, dr7, efer, pat;
	struct kvmx_segment_regs seg[KVMX_NSEGS];
	__u64 gdtr_base, idtr_base;
	__u32 gdtr_limit, idtr_limit;
	__u32 interruptibility, activity;
	__u32 flags; /* KVMX_REGS_* */
	__u32 reserved[5];
};

/* KVMX_GET_GPRS / KVMX_SET_GPRS: general-purpose registers between runs (gpr[4], RSP, is the VMCS's). */
struct kvmx_gpr_block {
	__u64 gpr[16];
};

/*
 * Control bits of kvmx_controls.on and .forced_on: the order of the core's table (kmod-vmx/core/controls.h,
 * enum kvmx_ctl), pinned by static asserts in the module.
 */
enum {
	KVMX_CTL_BIT_EXTINT_EXITING,
	KVMX_CTL_BIT_NMI_EXITING,
	KVMX_CTL_BIT_VIRTUAL_NMIS,
	KVMX_CTL_BIT_PREEMPTION_TIMER,
	KVMX_CTL_BIT_INTR_WINDOW_EXITING,
	KVMX_CTL_BIT_HLT_EXITING,
	KVMX_CTL_BIT_INVLPG_EXITING,
	KVMX_CTL_BIT_MWAIT_EXITING,
	KVMX_CTL_BIT_RDPMC_EXITING,
	KVMX_CTL_BIT_RDTSC_EXITING,
	KVMX_CTL_BIT_CR3_LOAD_EXITING,
	KVMX_CTL_BIT_CR3_STORE_EXITING,
	KVMX_CTL_BIT_CR8_LOAD_EXITING,
	KVMX_CTL_BIT_CR8_STORE_EXITING,
	KVMX_CTL_BIT_NMI_WINDOW_EXITING,
	KVMX_CTL_BIT_MOV_DR_EXITING,
	KVMX_CTL_BIT_UNCOND_IO_EXITING,
	KVMX_CTL_BIT_IO_BITMAPS,
	KVMX_CTL_BIT_MONITOR_TRAP_FLAG,
	KVMX_CTL_BIT_MSR_BITMAPS,
	KVMX_CTL_BIT_MONITOR_EXITING,
	KVMX_CTL_BIT_PAUSE_EXITING,
	KVMX_CTL_BIT_EPT,
	KVMX_CTL_BIT_DESC_TABLE_EXITING,
	KVMX_CTL_BIT_ENABLE_RDTSCP,
	KVMX_CTL_BIT_WBINVD_EXITING,
	KVMX_CTL_BIT_UNRESTRICTED_GUEST,
	KVMX_CTL_BIT_RDRAND_EXITING,
	KVMX_CTL_BIT_RDSEED_EXITING,
	KVMX_CTL_BIT_ACK_INTERRUPT_ON_EXIT,
	KVMX_CTL_BIT_COUNT
};

#define KVMX_CONTROLS_STRICT (1u << 0) /* refuse controls the CPU forces on instead of reporting them */
#define KVMX_MSR_READ (1u << 0)
#define KVMX_MSR_WRITE (1u << 1)

struct kvmx_io_range_req {
	__u16 first;
	__u16 reserved;
	__u32 count; /* ports first .. first + count - 1, within 0 .. 0xffff */
};

struct kvmx_msr_req {
	__u32 msr;
	__u32 flags; /* KVMX_MSR_READ | KVMX_MSR_WRITE */
};

/* KVMX_SET_CONTROLS: checked against the CPU at once; applied at the next KVMX_RUN. */
struct kvmx_control_req {
	__u64 on;    /* in: bit KVMX_CTL_BIT_x requests control x */
	__u32 flags; /* in: KVMX_CONTROLS_* */
	__u32 exception_bitmap;
	__u32 preemption_timer_value;
	__u32 cr3_target_count; /* 0 .. 4 */
	__u64 cr0_mask, cr0_shadow, cr4_mask, cr4_shadow;
	__u64 cr3_targets[4];
	__u32 n_io, n_msr;
	struct kvmx_io_range_req io[8];
	struct kvmx_msr_req msr[16];
	__u64 reserved[4];
	__u64 forced_on; /* out: controls the module turned on for the host's safety (docs/kmod-vmx.md) */
	__u32 words[5];	 /* out: the pin, primary, secondary, exit and entry words the VMCS will hold */
	__u32 reserved_out;
	char msg[KVMX_MSG_LEN]; /* out: the refusal, naming the control */
};

/* Why KVMX_RUN returned: the core's stop reasons (kmod-vmx/core/vcpu.h, enum kvmx_stop), and a signal. */
enum {
	KVMX_RUN_STOP_NONE,
	KVMX_RUN_STOP_REQUESTED,
	KVMX_RUN_STOP_VMCALL,
	KVMX_RUN_STOP_IO,
	KVMX_RUN_STOP_MMIO,
	KVMX_RUN_STOP_EPT_MISCONFIG,
	KVMX_RUN_STOP_HLT,
	KVMX_RUN_STOP_TRIPLE_FAULT,
	KVMX_RUN_STOP_ENTRY_FAIL,
	KVMX_RUN_STOP_VMFAIL,
	KVMX_RUN_STOP_UNHANDLED,
	KVMX_RUN_STOP_EXIT_LIMIT, /* max_exits reached */
	KVMX_RUN_STOP_SIGNAL,	  /* a signal is pending for the calling thread */
	KVMX_RUN_STOP_ERROR,	  /* the vCPU could not run (VMX unavailable, configuration refused): msg */
};

#define KVMX_RUN_SKIP_INSN (1u << 0) /* first advance RIP past the instruction of the last exit (I/O, VMCALL) */
#define KVMX_RUN_INJECT (1u << 1)    /* inject inject_info/inject_error/inject_insn_len at the next entry */
#define KVMX_RUN_SET_RIP (1u << 2)   /* first set the guest's RIP to run.rip (past an emulated MMIO access) */
/*
 * Hold the event of inject_* until the guest can take it: an external interrupt waits for RFLAGS.IF and no
 * STI/MOV-SS blocking, with interrupt-window exiting on meanwhile (those exits are in the ring); NMIs and
 * exceptions go at the next entry. run.event_held says whether it still waits. Not with KVMX_RUN_INJECT;
 * refused (EBUSY) while an event is held.
 */
#define KVMX_RUN_INJECT_READY (1u << 3)

/* KVMX_RUN */
struct kvmx_run {
	__u32 flags;	       /* in: KVMX_RUN_* */
	__u32 inject_info;     /* in: VM-entry interruption information (valid bit 31, type 10:8, vector 7:0) */
	__u32 inject_error;    /* in: error code, when bit 11 of inject_info asks for one */
	__u32 inject_insn_len; /* in: length of a software interrupt or exception, 1 .. 15 */
	__u64 max_exits;       /* in: exits this call may take; 0: no limit (a signal or a stop ends it) */
	__u32 stop;	       /* out: KVMX_RUN_STOP_* */
	__u32 exit_reason;     /* out: the last exit's full reason */
	__u64 exit_qualification;
	__u64 exits;	    /* out: exits during this call */
	__u64 total_exits;  /* out: exits of this vCPU so far */
	__u64 ring_dropped; /* out: records the ring had no room for, so far */
	__u32 insn_error;   /* out: VM-instruction error of a failed VMLAUNCH/VMRESUME */
	__u32 cpu;	    /* out: host CPU of the last entry */
	__u64 rip;	    /* in with KVMX_RUN_SET_RIP; out (KVMX_FEAT_RUN_STATE): the guest's RIP at the stop */
	__u64 rflags;	    /* out: the guest's RFLAGS at the stop (ignored in) */
	__u32 interruptibility; /* out: the guest's interruptibility state (bit 0 STI, 1 MOV SS, 2 SMI, 3 NMI) */
	__u32 event_held;	/* out: 1 while a KVMX_RUN_INJECT_READY event waits for the guest */
	__u64 reserved;		/* must be 0 */
	char msg[KVMX_MSG_LEN]; /* out: KVMX_RUN_STOP_ERROR's reason */
};

#define KVMX_IOC_TYPE 0xB9
#define KVMX_GET_CAPS _IOR(KVMX_IOC_TYPE, 0x00, struct kvmx_caps_info)
#define KVMX_CREATE_VM _IOWR(KVMX_IOC_TYPE, 0x01, struct kvmx_vm_config)
#define KVMX_CREATE_VCPU _IO(KVMX_IOC_TYPE, 0x02)
#define KVMX_SET_REGS _IOW(KVMX_IOC_TYPE, 0x10, struct kvmx_regs)
#define KVMX_GET_GPRS _IOR(KVMX_IOC_TYPE, 0x11, struct kvmx_gpr_block)
#define KVMX_SET_GPRS _IOW(KVMX_IOC_TYPE, 0x12, struct kvmx_gpr_block)
#define KVMX_SET_CONTROLS _IOWR(KVMX_IOC_TYPE, 0x13, struct kvmx_control_req)
#define KVMX_RUN _IOWR(KVMX_IOC_TYPE, 0x20, struct kvmx_run)

/* KVMX_SET_EPT_RANGE: this vCPU's EPT for GPA gpa .. gpa + size - 1 (whole pages inside the VM's memory). */
#define KVMX_EPT_NONE 0u /* not mapped: every access is an EPT violation (KVMX_RUN_STOP_MMIO) */
#define KVMX_EPT_RX 5u	 /* read and execute: writes are EPT violations */
#define KVMX_EPT_RWX 7u	 /* the VM's memory as mapped at creation */
struct kvmx_ept_range {
	__u64 gpa, size;
	__u32 access; /* KVMX_EPT_* */
	__u32 reserved;
};
#define KVMX_SET_EPT_RANGE _IOW(KVMX_IOC_TYPE, 0x14, struct kvmx_ept_range)

#endif
