/* SPDX-License-Identifier: MIT */
/* The bare machine both bare-metal images share (machine.c). */
#ifndef KVMX_BARE_MACHINE_H
#define KVMX_BARE_MACHINE_H

#include "kmod-vmx/core/caps.h"

/* Load the TSS and the host IDT (every vector goes to host_interrupt). */
void load_tables(void);
/* Mask the 8259s, enable the LAPIC with its timer masked. */
void lapic_init(void);
/* RAM write-back, the top gigabyte uncached. */
void mtrr_init(void);
void cpu_brand(char *out, unsigned int len);
/* The CPU's brand and capability MSRs on the debug port and as vmx.* metadata. */
void describe_cpu(const struct kvmx_caps *c);

#endif
