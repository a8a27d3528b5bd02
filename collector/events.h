/* SPDX-License-Identifier: MIT */
/*
 * Ring events: what the BPF program (collector/exitscope.bpf.c) writes into its ring buffer, one event per
 * KVM tracepoint hit. This header is shared by the BPF program and user space, so it uses only the fixed-width
 * types of exitscope/record.h. User space never trusts these bytes: collector/event_parse.c checks every
 * event's type and size before the joiner (collector/joiner.h) sees it.
 *
 * Layout rules: little-endian, natural alignment, explicit padding, every event a multiple of 8 bytes. The
 * perf backend produces the same structures from perf samples, so both backends feed the same joiner.
 */
#ifndef EXITSCOPE_COLLECTOR_EVENTS_H
#define EXITSCOPE_COLLECTOR_EVENTS_H

#include "exitscope/record.h"

enum xs_ev_type {
	XS_EV_EXIT = 1,		/* kvm_exit (tp_btf half: read from struct kvm_vcpu, guest state optional) */
	XS_EV_EXIT_TP = 2,	/* kvm_exit (classic tracepoint half: the fields KVM itself traced) */
	XS_EV_ENTRY = 3,	/* kvm_entry */
	XS_EV_PIO = 4,		/* kvm_pio */
	XS_EV_MMIO = 5,		/* kvm_mmio */
	XS_EV_MSR = 6,		/* kvm_msr */
	XS_EV_CR = 7,		/* kvm_cr */
	XS_EV_CPUID = 8,	/* kvm_cpuid */
	XS_EV_HYPERCALL = 9,	/* kvm_hypercall */
	XS_EV_UEXIT = 10,	/* kvm_userspace_exit, with a copy of the head of struct kvm_run */
	XS_EV_INJ_EXC = 11,	/* kvm_inj_exception */
	XS_EV_PAGE_FAULT = 12,	/* kvm_page_fault */
	XS_EV_EMULATE = 13,	/* kvm_emulate_insn (opt-in) */
	XS_EV_NESTED_EXIT = 14, /* kvm_nested_vmexit (opt-in) */
	XS_EV_RUN = 15,		/* the next KVM_RUN of a vCPU whose last userspace exit carried data back into KVM */
	XS_EV_TYPE_COUNT
};

/* Bits of xs_ev_hdr.flags. */
#define XS_EVH_SAMPLED 0x01 /* kept by 1-in-N sampling */

#define XS_EV_VCPU_UNKNOWN 0xffffffffu

struct xs_ev_hdr {
	xs_u8 type;  /* enum xs_ev_type */
	xs_u8 flags; /* XS_EVH_* */
	xs_u16 size; /* bytes of the whole event */
	xs_u32 cpu;
	xs_u32 pid; /* tgid */
	xs_u32 tid;
	xs_u64 ts;   /* CLOCK_MONOTONIC ns */
	xs_u32 vcpu; /* vcpu_id of the vCPU loaded on this thread, or XS_EV_VCPU_UNKNOWN */
	xs_u32 pad;
};

/* Which fields of xs_ev_exit are known (kvm_exit from tp_btf may lack some on VMX). */
#define XS_EVX_REASON 0x01
#define XS_EVX_INFO1 0x02
#define XS_EVX_INFO2 0x04
#define XS_EVX_INTR 0x08 /* intr_info and error_code */
#define XS_EVX_RIP 0x10
#define XS_EVX_IDT_VEC 0x20  /* idt_vectoring_info (VMX) */
#define XS_EVX_REGS 0x40     /* a struct xs_ev_vcpu_regs follows */
#define XS_EVX_SVM_SAVE 0x80 /* a struct xs_ev_svm_save follows (after the regs) */
#define XS_EVX_ALL_INFO (XS_EVX_REASON | XS_EVX_INFO1 | XS_EVX_INFO2 | XS_EVX_INTR | XS_EVX_RIP)

/* XS_EV_EXIT, XS_EV_EXIT_TP, XS_EV_NESTED_EXIT */
struct xs_ev_exit {
	struct xs_ev_hdr h;
	xs_u32 isa; /* the tracepoint's isa: 1 VMX, 2 SVM */
	xs_u32 reason;
	xs_u32 fields; /* XS_EVX_* */
	xs_u32 intr_info;
	xs_u64 info1;
	xs_u64 info2;
	xs_u64 rip;
	xs_u32 error_code;
	xs_u32 idt_vectoring_info;
};

/* What struct kvm_vcpu holds right after the exit: the saved GPRs and the cached control registers. */
struct xs_ev_vcpu_regs {
	xs_u64 regs[17];   /* KVM's order: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 RIP */
	xs_u32 regs_avail; /* KVM's bitmap of fresh entries (bit n = regs[n]; 18 CR0, 19 CR3, 20 CR4, 21 RFLAGS) */
	xs_u32 pad;
	xs_u64 cr0, cr2, cr3, cr4, efer;
};

/* The SVM VMCB save area of the exit (AMD APM vol. 2, appendix B): the guest's whole architectural state. */
struct xs_ev_vmcb_seg {
	xs_u16 selector;
	xs_u16 attrib; /* SVM's compressed attribute format */
	xs_u32 limit;
	xs_u64 base;
};

enum {
	XS_VMCB_ES,
	XS_VMCB_CS,
	XS_VMCB_SS,
	XS_VMCB_DS,
	XS_VMCB_FS,
	XS_VMCB_GS,
	XS_VMCB_GDTR,
	XS_VMCB_LDTR,
	XS_VMCB_IDTR,
	XS_VMCB_TR,
	XS_VMCB_SEG_COUNT
};

struct xs_ev_svm_save {
	struct xs_ev_vmcb_seg seg[XS_VMCB_SEG_COUNT];
	xs_u64 efer, cr4, cr3, cr0, dr7, dr6, rflags, rip, rsp, rax, cr2;
	xs_u64 nested_ctl; /* bit 2: SEV-ES, whose save area is encrypted and not read */
	xs_u32 int_ctl;	   /* bits 3:0: V_TPR, the guest's CR8 */
	xs_u32 pad;
};

#define XS_EV_EXIT_REGS_SIZE (sizeof(struct xs_ev_exit) + sizeof(struct xs_ev_vcpu_regs))
#define XS_EV_EXIT_FULL_SIZE (XS_EV_EXIT_REGS_SIZE + sizeof(struct xs_ev_svm_save))

/* XS_EV_ENTRY */
struct xs_ev_entry {
	struct xs_ev_hdr h;
};

/* XS_EV_PIO */
struct xs_ev_pio {
	struct xs_ev_hdr h;
	xs_u32 rw; /* 1 write (OUT), 0 read (IN) */
	xs_u32 port;
	xs_u32 size;
	xs_u32 count;
	xs_u32 val; /* first element */
	xs_u32 pad;
};

/* XS_EV_MMIO */
#define XS_EV_MMIO_UNSATISFIED_READ 0
#define XS_EV_MMIO_READ 1
#define XS_EV_MMIO_WRITE 2
struct xs_ev_mmio {
	struct xs_ev_hdr h;
	xs_u32 type; /* XS_EV_MMIO_* */
	xs_u32 len;
	xs_u64 gpa;
	xs_u64 val;
};

/* XS_EV_MSR */
struct xs_ev_msr {
	struct xs_ev_hdr h;
	xs_u32 write;
	xs_u32 ecx;
	xs_u64 data;
	xs_u32 exception; /* the access raised #GP */
	xs_u32 pad;
};

/* XS_EV_CR */
struct xs_ev_cr {
	struct xs_ev_hdr h;
	xs_u32 rw; /* 1 write */
	xs_u32 cr;
	xs_u64 val;
};

/* XS_EV_CPUID */
struct xs_ev_cpuid {
	struct xs_ev_hdr h;
	xs_u32 function;
	xs_u32 index;
	xs_u64 rax, rbx, rcx, rdx;
};

/* XS_EV_HYPERCALL */
struct xs_ev_hypercall {
	struct xs_ev_hdr h;
	xs_u64 nr;
	xs_u64 a[4];
};

/*
 * The head of struct kvm_run (linux/kvm.h, a stable ABI): exit_reason at 8, cr8 at 16, the exit union at 32.
 * 128 bytes cover every union member exitscope records (hypercall's longmode ends at byte 104).
 */
#define XS_EV_RUN_HEAD 128

/* XS_EV_UEXIT */
struct xs_ev_uexit {
	struct xs_ev_hdr h;
	xs_u32 reason;	 /* KVM_EXIT_* */
	xs_u32 err;	 /* the ioctl's result: 0, or a negative errno as two's complement */
	xs_u32 have_run; /* run[] holds a copy of struct kvm_run's head */
	xs_u32 pad;
	xs_u8 run[XS_EV_RUN_HEAD];
};

/* XS_EV_RUN: the head of struct kvm_run as the VMM left it for KVM (RDMSR data, MSR error, hypercall ret) */
struct xs_ev_run {
	struct xs_ev_hdr h;
	xs_u8 run[XS_EV_RUN_HEAD];
};

/* XS_EV_INJ_EXC */
struct xs_ev_inj_exc {
	struct xs_ev_hdr h;
	xs_u32 exception;
	xs_u32 has_error;
	xs_u32 error_code;
	xs_u32 reinjected;
};

/* XS_EV_PAGE_FAULT */
#define XS_EVPF_RIP 0x1 /* guest_rip is known (kernels that trace it) */
struct xs_ev_page_fault {
	struct xs_ev_hdr h;
	xs_u64 address;
	xs_u64 error_code;
	xs_u64 rip;
	xs_u32 fields; /* XS_EVPF_* */
	xs_u32 pad;
};

/* XS_EV_EMULATE */
struct xs_ev_emulate {
	struct xs_ev_hdr h;
	xs_u64 rip;
	xs_u32 csbase;
	xs_u8 len;
	xs_u8 flags;
	xs_u8 failed;
	xs_u8 pad;
	xs_u8 insn[15];
	xs_u8 pad2;
};

/* Per-CPU counters the BPF program keeps (map "counters"); user space sums the CPUs. */
struct xs_bpf_counters {
	xs_u64 ring_full;   /* events lost: the ring had no room (reserve failed) */
	xs_u64 filtered;    /* hits dropped by the vCPU or reason filter */
	xs_u64 sampled_out; /* hits dropped by 1-in-N sampling */
	xs_u64 read_fail;   /* kernel reads that failed (the event was still written, marked incomplete) */
	xs_u64 wakeups;	    /* forced consumer wake-ups */
	xs_u64 sample_tick; /* 1-in-N counter */
	xs_u64 bytes;	    /* bytes written to the ring (for the wake-up mark) */
	xs_u64 agg_full;    /* aggregation mode: exits not counted, the cell map (or thread state) was full */
};

#define XS_EV_MAX_SIZE XS_EV_EXIT_FULL_SIZE

#endif
