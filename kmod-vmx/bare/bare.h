/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal test kernel's own services: the platform the VT-x core runs on (page pool, MSRs, TSC),
 * output to the Bochs debug port (results) and to COM1 (exit records as a record file), and the host IDT.
 */
#ifndef KVMX_BARE_H
#define KVMX_BARE_H

#include "kmod-vmx/core/platform.h"

/* Memory map: the kernel lives below 0x90000; the page pool is [2 MiB, 32 MiB); RAM ends at 64 MiB. */
#define POOL_START 0x200000ull
#define POOL_END 0x2000000ull
#define GUEST_RAM_END POOL_END	   /* guest-physical memory the EPT maps 1:1 */
#define MMIO_TEST_GPA 0x3000000ull /* RAM the host page tables map but the EPT does not */

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x28
#define GDT_ENTRIES 7

extern const struct kvmx_platform bare_platform;
void bare_init(void);
/* Physically contiguous pages from the pool (the ring); NULL when the pool is exhausted. */
void *bare_alloc_contig(unsigned int pages, u64 *phys);
void bare_free_contig(void *p, unsigned int pages);
unsigned int bare_pool_free_pages(void);

extern u64 gdt[GDT_ENTRIES];
extern u8 host_tss[104];

/* Debug port 0xe9: what the test scripts read. */
void dbg_puts(const char *s);
void dbg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* No debug-port text (the runner streams records through port 0xe9 instead). */
extern bool dbg_quiet;
/* Bytes out of port 0xe9 (Bochs' port_e9_hack: straight to its stdout, no baud rate to wait for). */
void e9_write(const void *buf, unsigned long n);

/* COM1 at 115200 8N1, polled. */
void serial_init(void);
void serial_write(const void *buf, unsigned long n);

/* Stop the machine: summary already printed; Bochs quits at the magic breakpoint. */
__attribute__((noreturn)) void bare_halt(void);

#endif
