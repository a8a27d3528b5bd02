/* SPDX-License-Identifier: MIT */
/*
 * Small helpers over /dev/kmod-vmx for the module's own test tools (kvmx-test, kvmx-fuzz): a VM with
 * identity-paged 64-bit guest memory, one vCPU with its ring mapped.
 */
#ifndef KVMX_DEV_H
#define KVMX_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "exitscope/kmod_vmx.h"
#include "kmod-vmx/core/ring.h"

#define KVMX_GUEST_MEM (4u << 20) /* 4 MiB, identity-mapped with 2 MiB pages */
#define KVMX_GUEST_PML4 0x1000u
#define KVMX_GUEST_CODE 0x10000u
#define KVMX_GUEST_STACK 0x3f0000u

struct kvmx_dev {
	int fd, vcpu;
	uint8_t *mem;
	struct kvmx_ring_header *ring;
	size_t ring_bytes;
	char msg[KVMX_MSG_LEN]; /* the module's text for the last refusal */
};

/* Open the device and create a VM with ring_slots records per vCPU; -1 with d->msg on failure. */
int kvmx_dev_open(struct kvmx_dev *d, uint32_t ring_slots);
/* Page tables for a 64-bit guest and one vCPU with its ring; -1 with d->msg on failure. */
int kvmx_dev_vcpu(struct kvmx_dev *d);
void kvmx_dev_close(struct kvmx_dev *d);
/* Flat 64-bit guest state: RIP rip, stack KVMX_GUEST_STACK, paging through KVMX_GUEST_PML4. */
void kvmx_dev_long_mode_regs(struct kvmx_regs *r, uint64_t rip);

#endif
