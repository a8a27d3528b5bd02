/* SPDX-License-Identifier: MIT */
/* Privileged x86 register access the core needs for VMXON and the host-state area (CPU builds only). */
#ifndef KVMX_X86_H
#define KVMX_X86_H

#include "kmod-vmx/core/types.h"

struct kvmx_dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

#define KVMX_READ_CR(n)                                           \
	static inline u64 kvmx_read_cr##n(void)                   \
	{                                                         \
		u64 v;                                            \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                         \
	}
KVMX_READ_CR(0)
KVMX_READ_CR(2)
KVMX_READ_CR(3)
KVMX_READ_CR(4)
KVMX_READ_CR(8)

static inline void kvmx_write_cr0(u64 v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void kvmx_write_cr2(u64 v)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(v) : "memory");
}

static inline void kvmx_write_cr8(u64 v)
{
	__asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline void kvmx_write_cr4(u64 v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void kvmx_sgdt(struct kvmx_dtr *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

static inline void kvmx_sidt(struct kvmx_dtr *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}

#define KVMX_READ_SEG(name, insn)                        \
	static inline u16 kvmx_read_##name(void)         \
	{                                                \
		u16 v;                                   \
		__asm__ volatile(insn " %0" : "=rm"(v)); \
		return v;                                \
	}
KVMX_READ_SEG(cs, "mov %%cs,")
KVMX_READ_SEG(ss, "mov %%ss,")
KVMX_READ_SEG(ds, "mov %%ds,")
KVMX_READ_SEG(es, "mov %%es,")
KVMX_READ_SEG(fs, "mov %%fs,")
KVMX_READ_SEG(gs, "mov %%gs,")
KVMX_READ_SEG(tr, "str")

/* Base address of a system-segment descriptor (TSS) in a 64-bit GDT. */
static inline u64 kvmx_descriptor_base64(u64 gdt_base, u16 sel)
{
	const u8 *d = (const u8 *)(__UINTPTR_TYPE__)(gdt_base + (sel & ~7u));
	u64 base = d[2] | ((u64)d[3] << 8) | ((u64)d[4] << 16) | ((u64)d[7] << 24);

	return base | ((u64)(d[8] | (d[9] << 8) | (d[10] << 16) | ((u32)d[11] << 24)) << 32);
}

#endif
