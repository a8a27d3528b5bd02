/* SPDX-License-Identifier: MIT */
/*
 * The run descriptor: what the host side of the vmx backend (launcher/vmx_bochs.c) hands the runner image
 * (kmod-vmx/bare/runner.c) inside the emulated machine. The disk Bochs boots holds the runner image, then
 * (at sector RUN_DESC_LBA) this descriptor, then the non-zero parts of the guest's RAM as the host laid it
 * out (image, GDT, TSS, page tables, parameter blocks), which the runner reads with ATA PIO to
 * RUN_GUEST_BASE + gpa. (Bochs' optramimage would be simpler, but Bochs 2.7 loads a RAM image with one read()
 * into its first 128 KiB memory block: anything beyond lands elsewhere.) Both sides are built from this
 * header by x86-64 compilers, so the structure is shared as is; magic and version catch a stale image.
 */
#ifndef KVMX_BARE_RUN_DESC_H
#define KVMX_BARE_RUN_DESC_H

#include "kmod-vmx/core/controls.h"

#define RUN_DESC_MAGIC 0x4e555258u /* "XRUN" */
#define RUN_DESC_VERSION 1
#define RUN_DESC_LBA 2016	    /* right after the runner image (KVMX_DISK_BYTES / 512) */
#define RUN_DESC_ADDR 0x2800000ull  /* 40 MiB: where the runner reads the descriptor to */
#define RUN_GUEST_BASE 0x4000000ull /* 64 MiB: guest-physical 0 */
#define RUN_MAX_SEGMENTS 16
#define RUN_MAX_INJECT 8
#define RUN_MAX_READONLY 8

enum run_inject_when { RUN_WHEN_HLT, RUN_WHEN_AT, RUN_WHEN_EVERY, RUN_WHEN_IO };
enum run_inject_kind { RUN_INJ_IRQ, RUN_INJ_NMI, RUN_INJ_EXC };

struct run_inject {
	u32 kind, vector, has_error, error_code, when, pad;
	u64 n;
};

struct run_desc {
	u32 magic, version;
	u32 mode;  /* 16, 32, 64 */
	u32 vcpus; /* 1 */
	u64 mem_bytes;
	u64 entry;
	u32 iterations;
	u32 own_exceptions; /* vectors the guest raises on purpose */
	u64 max_exits;	    /* 0: no limit */
	u32 n_inject, n_readonly;
	struct run_inject inject[RUN_MAX_INJECT];
	struct {
		u64 lo, hi; /* inclusive guest-physical range the EPT maps read-only */
	} readonly[RUN_MAX_READONLY];
	u32 n_segments;
	u32 core_records; /* send records without the guest-state block (record.guest_state = off) */
	struct {
		u64 gpa, len; /* 4 KiB multiples */
		u64 lba;      /* where the bytes start on the disk */
	} segment[RUN_MAX_SEGMENTS];
	struct kvmx_controls ctl;
};

#endif
