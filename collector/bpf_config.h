/* SPDX-License-Identifier: MIT */
/*
 * The BPF program's configuration: one read-only struct (`cfg` in the object's .rodata) that user space fills
 * between open and load, so the verifier sees constants and dead branches cost nothing. Shared by
 * collector/exitscope.bpf.c and collector/bpf_backend.c.
 */
#ifndef EXITSCOPE_COLLECTOR_BPF_CONFIG_H
#define EXITSCOPE_COLLECTOR_BPF_CONFIG_H

#include "exitscope/record.h"

/* Reason bitmaps; their sizes are powers of two (the BPF program masks its indexes with them). */
#define XS_BPF_VMX_WORDS 4  /* VMX basic reasons 0..127 */
#define XS_BPF_SVM_WORDS 64 /* SVM exit codes 0..0x7ff; larger codes (VMGEXIT events) share svm_other */

enum xs_bpf_gs_level {
	XS_BPF_GS_NONE = 0, /* no guest state */
	XS_BPF_GS_REGS = 1, /* struct kvm_vcpu: saved GPRs, RIP, cached CRs */
	XS_BPF_GS_FULL = 2, /* and the SVM VMCB save area (segments, descriptor tables, fresh CRs, DRs) */
};

/* The scalars every event reads come first, in one cache line; the reason bitmaps, read only with --reason, last. */
struct xs_bpf_config {
	xs_u32 tgid;	    /* only this process; 0: every process */
	xs_u32 vcpu_filter; /* only vCPU `vcpu` */
	xs_u32 vcpu;
	xs_u32 reason_filter;  /* only reasons in the sets below */
	xs_u32 sample_n;       /* keep 1 exit in sample_n; 0 or 1: every exit */
	xs_u32 track_exits;    /* reason filter or sampling: remember each exit's decision per thread */
	xs_u32 hw_mode;	       /* kvm_exit fires on this host: detail events follow their exit */
	xs_u32 exit_tp_loaded; /* the classic kvm_exit half is loaded next to the tp_btf half */
	xs_u32 gs_level;       /* enum xs_bpf_gs_level */
	xs_u32 wakeup_shift;   /* wake the consumer each time the waiting data crosses a multiple of 2^wakeup_shift */
	xs_u32 host_reasons;   /* bit n: enum xs_host_event n */
	xs_u32 svm_other;
	xs_u32 aggregate; /* aggregation mode: count exits into the agg map (collector/agg_map.h), no ring events */
	xs_u32 vmx_reasons[XS_BPF_VMX_WORDS];
	xs_u32 svm_reasons[XS_BPF_SVM_WORDS];
};

_Static_assert((XS_BPF_VMX_WORDS & (XS_BPF_VMX_WORDS - 1)) == 0, "VMX bitmap size a power of two");
_Static_assert((XS_BPF_SVM_WORDS & (XS_BPF_SVM_WORDS - 1)) == 0, "SVM bitmap size a power of two");

#endif
