/* SPDX-License-Identifier: MIT */
/*
 * What the VT-x core needs from the environment it runs in. The bare-metal test kernel, the host unit tests
 * (a fake) and the Linux module (part 2) each fill one of these; the core calls nothing else outside itself
 * except the VMX instructions in vmx_ops.h.
 */
#ifndef KVMX_PLATFORM_H
#define KVMX_PLATFORM_H

#include "kmod-vmx/core/types.h"

struct kvmx_platform {
	void *ctx; /* passed back to every hook */
	/* A zeroed, 4 KiB-aligned page and its physical address; NULL when memory is exhausted. */
	void *(*alloc_page)(void *ctx, u64 *phys);
	void (*free_page)(void *ctx, void *page);
	/* The virtual address of a page this platform handed out (the core walks its own EPT tables). */
	void *(*phys_to_virt)(void *ctx, u64 phys);
	u64 (*rdmsr)(void *ctx, u32 msr);
	void (*wrmsr)(void *ctx, u32 msr, u64 value);
	/* CPUID of the host CPU: out[0..3] = EAX, EBX, ECX, EDX. */
	void (*cpuid)(void *ctx, u32 leaf, u32 subleaf, u32 out[4]);
	/* One line of diagnostics (no newline). */
	void (*print)(void *ctx, const char *line);
	/* Time stamps of exit records: TSC ticks. */
	u64 (*now)(void *ctx);
	/*
	 * A host interrupt taken by a VM exit with "acknowledge interrupt on exit": the platform dispatches it
	 * (the bare kernel sends the LAPIC its EOI). May be NULL when that exit control is never used.
	 */
	void (*host_irq)(void *ctx, u32 vector);
	/*
	 * An NMI that caused a VM exit ("NMI exiting"): it was the host's, and the CPU keeps NMIs blocked after
	 * such an exit until the host executes IRET. The platform runs its NMI handling and unblocks. May be NULL.
	 */
	void (*host_nmi)(void *ctx);
};

#endif
