// SPDX-License-Identifier: MIT
/* Helpers over /dev/kmod-vmx for the module's test tools (see kvmx_dev.h). */
#include "kmod-vmx/tools/kvmx_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int kvmx_dev_open(struct kvmx_dev *d, uint32_t ring_slots)
{
	struct kvmx_vm_config cfg = {.version = KVMX_ABI_VERSION, .ring_slots = ring_slots, .mem_size = KVMX_GUEST_MEM};

	memset(d, 0, sizeof(*d));
	d->vcpu = -1;
	d->fd = open(KVMX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(d->msg, sizeof(d->msg), "%s: %s", KVMX_DEVICE_PATH, strerror(errno));
		return -1;
	}
	if (ioctl(d->fd, KVMX_CREATE_VM, &cfg) < 0) {
		snprintf(d->msg, sizeof(d->msg), "%s", cfg.msg[0] ? cfg.msg : strerror(errno));
		return -1;
	}
	d->ring_bytes = cfg.ring_bytes;
	d->mem = mmap(NULL, KVMX_GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		snprintf(d->msg, sizeof(d->msg), "mmap of guest memory: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvmx_dev_vcpu(struct kvmx_dev *d)
{
	/* PML4[0] -> PDPT at +0x1000 -> PD at +0x2000 with 2 MiB pages over the whole guest memory. */
	uint64_t *pml4 = (uint64_t *)(d->mem + KVMX_GUEST_PML4);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;

	pml4[0] = (KVMX_GUEST_PML4 + 0x1000) | 3;
	pdpt[0] = (KVMX_GUEST_PML4 + 0x2000) | 3;
	for (uint64_t i = 0; i < KVMX_GUEST_MEM >> 21; i++)
		pd[i] = (i << 21) | 0x83;
	d->vcpu = ioctl(d->fd, KVMX_CREATE_VCPU, 0);
	if (d->vcpu < 0) {
		snprintf(d->msg, sizeof(d->msg), "KVMX_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	d->ring = mmap(NULL, d->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, d->vcpu, 0);
	if (d->ring == MAP_FAILED) {
		d->ring = NULL;
		snprintf(d->msg, sizeof(d->msg), "mmap of the ring: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void kvmx_dev_close(struct kvmx_dev *d)
{
	if (d->ring)
		munmap(d->ring, d->ring_bytes);
	if (d->mem)
		munmap(d->mem, KVMX_GUEST_MEM);
	if (d->vcpu >= 0)
		close(d->vcpu);
	if (d->fd >= 0)
		close(d->fd);
	d->ring = NULL;
	d->mem = NULL;
	d->vcpu = d->fd = -1;
}

void kvmx_dev_long_mode_regs(struct kvmx_regs *r, uint64_t rip)
{
	memset(r, 0, sizeof(*r));
	r->flags = KVMX_REGS_IA32E;
	r->rip = rip;
	r->gpr[4] = KVMX_GUEST_STACK;
	r->rflags = 2;
	r->cr0 = 0x80000031; /* PG, NE, ET, PE */
	r->cr3 = KVMX_GUEST_PML4;
	r->cr4 = 0x20;	 /* PAE */
	r->efer = 0x500; /* LMA, LME */
	r->pat = 0x0007040600070406ull;
	r->dr7 = 0x400;
	for (int i = 0; i < KVMX_NSEGS; i++) {
		r->seg[i].sel = 0x10;
		r->seg[i].limit = 0xffffffff;
		r->seg[i].ar = 0xc093; /* data, accessed, present, 4 KiB granular */
	}
	r->seg[1].sel = 0x8;
	r->seg[1].ar = 0xa09b; /* 64-bit code */
	r->seg[6].sel = 0;
	r->seg[6].ar = 0x10000; /* LDTR unusable */
	r->seg[6].limit = 0;
	r->seg[7].sel = 0x18;
	r->seg[7].ar = 0x8b; /* busy 64-bit TSS */
	r->seg[7].limit = 0x67;
	r->gdtr_limit = 0xffff;
	r->idtr_limit = 0xffff;
}
