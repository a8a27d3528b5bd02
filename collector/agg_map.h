/* SPDX-License-Identifier: MIT */
/*
 * Aggregation mode's kernel map (collector/exitscope.bpf.c, cfg.aggregate): one per-CPU hash cell per (pid,
 * vCPU, isa, reason, decoded detail) holding the exit count and a log2 histogram of exit-to-entry latencies.
 * No ring record per exit: user space reads the cells at its refresh (collector/agg_read.h). Shared by the
 * BPF program and user space, so only fixed-width types.
 */
#ifndef EXITSCOPE_COLLECTOR_AGG_MAP_H
#define EXITSCOPE_COLLECTOR_AGG_MAP_H

#include "exitscope/record.h"

/* Bucket 0: latency 0; bucket b >= 1: [2^(b-1), 2^b) ns; the last bucket also holds everything above. */
#define XS_AGG_LAT_BUCKETS 64 /* a power of two: the BPF program masks its index with it */
_Static_assert((XS_AGG_LAT_BUCKETS & (XS_AGG_LAT_BUCKETS - 1)) == 0, "bucket count a power of two");
#define XS_AGG_DEFAULT_CELLS 4096 /* map entries (user space may set another size before load) */

/* What the detail part of a key is. */
enum xs_agg_detail {
	XS_AGG_D_NONE = 0,
	XS_AGG_D_PORT = 1, /* I/O port */
	XS_AGG_D_MSR = 2,  /* MSR index */
};

struct xs_agg_map_key {
	xs_u32 pid; /* tgid */
	xs_u32 vcpu;
	xs_u32 reason;
	xs_u8 isa;	   /* XS_ISA_* */
	xs_u8 detail_kind; /* enum xs_agg_detail */
	xs_u16 pad;
	xs_u64 detail;
};

/*
 * One CPU's part of a cell. count may move between cells of one CPU (a hardware-mode exit counted at kvm_exit
 * moves to its port's cell when kvm_pio names the port): one CPU's count can wrap below zero, the sum over
 * CPUs cannot.
 */
struct xs_agg_map_val {
	xs_u64 count;
	xs_u64 lat_count; /* exits that ended with a kvm_entry (hardware mode) */
	xs_u64 lat_sum;	  /* ns */
	xs_u64 lat_max;	  /* ns */
	xs_u64 hist[XS_AGG_LAT_BUCKETS];
};

#endif
