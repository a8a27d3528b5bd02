/* SPDX-License-Identifier: MIT */
/*
 * The contract between the launcher and the guests it runs: where things live in guest-physical memory,
 * what the vCPU looks like at entry, and the I/O ports guests use to talk to the launcher. Included by the
 * launcher's C code and by the built-in guests' assembly (launcher/guests/), so it holds #defines only
 * outside the C section at the end.
 *
 * Guest-physical layout (docs/launcher.md draws it):
 *   0x00000  IDT / real-mode IVT           owned by the guest
 *   0x01000  GDT and TSS                   written by the launcher (protected and long mode)
 *   0x02000  per-vCPU parameter blocks     written by the launcher, XS_PARAMS_SIZE bytes each
 *   0x08000  built-in guest images         (raw --image files go wherever --load says)
 *   0x70000  per-vCPU stacks               XS_STACK_SIZE bytes each, vCPU 0 lowest
 *   0x90000  identity page tables          written by the launcher (long mode): 4 GiB in 2 MiB pages
 *   0xa0000  unmapped hole                 every access is an MMIO exit (the mmio guest's "device")
 *   0xc0000  RAM                           the usual place for memory.readonly ranges
 *   0x100000 RAM up to --mem
 *
 * Entry state: the mode's flat segments (real mode: CS = DS = ES = 0, SS = the vCPU's stack segment),
 * RSP = top of the vCPU's stack, RDI = address of the vCPU's parameter block, RFLAGS = 0x2 (interrupts off),
 * RIP = entry. Protected and long mode: GDT selector 0x08 is the code segment, 0x10 the data segment.
 */
#ifndef EXITSCOPE_LAUNCHER_GUEST_ABI_H
#define EXITSCOPE_LAUNCHER_GUEST_ABI_H

#define XS_GPA_IDT 0x0
#define XS_GPA_GDT 0x1000
#define XS_GPA_TSS 0x1800
#define XS_GPA_PARAMS 0x2000
#define XS_PARAMS_SIZE 128
#define XS_MAX_VCPUS 64
#define XS_GPA_PARAMS_END (XS_GPA_PARAMS + XS_MAX_VCPUS * XS_PARAMS_SIZE)
#define XS_GPA_GUEST 0x8000
#define XS_GPA_STACKS 0x70000
#define XS_STACK_SIZE 0x800
#define XS_GPA_STACKS_END (XS_GPA_STACKS + XS_MAX_VCPUS * XS_STACK_SIZE)
/* The runtime's interrupt stubs count interrupts in the lowest dword of the vCPU's (aligned) stack. */
#define XS_STACK_IRQ_COUNT 0
#define XS_GPA_PAGE_TABLES 0x90000
#define XS_PAGE_TABLE_PAGES 6 /* PML4, PDPT, 4 page directories */
#define XS_GPA_PAGE_TABLES_END (XS_GPA_PAGE_TABLES + XS_PAGE_TABLE_PAGES * 0x1000)
#define XS_GPA_HOLE 0xa0000
#define XS_GPA_HOLE_END 0xc0000
#define XS_GPA_HIGH_RAM 0x100000

#define XS_SEL_CODE 0x08
#define XS_SEL_DATA 0x10
#define XS_SEL_TSS 0x18

/* Ports the launcher itself answers; every built-in guest uses them. */
#define XS_PORT_DONE 0x500   /* OUT: this vCPU finished; the value is 0. The vCPU stops here (XS_F_FINAL). */
#define XS_PORT_VECTOR 0x501 /* OUT dword from the interrupt stubs: vector | interrupted RIP << 8 */
#define XS_PORT_RESULT 0x502 /* OUT: a value the guest reports (CPUID results, ...) */
#define XS_PORT_FAIL 0x503   /* OUT: a guest self-check failed; the value says which. Stops the run. */

/* Parameter block, one per vCPU at XS_GPA_PARAMS + vcpu * XS_PARAMS_SIZE (offsets in bytes, u32 each). */
#define XS_P_MAGIC 0	   /* XS_PARAMS_MAGIC */
#define XS_P_VCPU 4	   /* this vCPU's index */
#define XS_P_NR_VCPUS 8	   /* how many vCPUs run */
#define XS_P_MODE 12	   /* 16, 32 or 64 */
#define XS_P_ITERATIONS 16 /* iterations to run; 0 = until the launcher stops the guest */
#define XS_P_ARG0 20	   /* guest parameters (--param), meaning per guest */
#define XS_P_ARG1 24
#define XS_P_ARG2 28
#define XS_P_ARG3 32
#define XS_P_LEFT 64  /* guest scratch: iterations left */
#define XS_P_INDEX 68 /* guest scratch: index of the current iteration */
#define XS_P_SCRATCH 72
#define XS_PARAMS_MAGIC 0x50475358 /* "XSGP" */
#define XS_GUEST_ARGS 4

#endif
