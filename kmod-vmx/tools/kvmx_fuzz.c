// SPDX-License-Identifier: MIT
/*
 * kvmx-fuzz: bounded random abuse of kmod_vmx.ko's ioctl ABI, run inside the Bochs Linux test host
 * (tests/kmod). Random commands (valid ones with random payloads, and near misses of their numbers, sizes
 * and directions), bad pointers (NULL, kernel addresses, buffers running into an unmapped page), random
 * VM and vCPU configurations, random guest state and controls, runs of random guest code with a small exit
 * budget, random mmaps, and a consumer that scribbles over the ring header the module produces into.
 *
 *   kvmx-fuzz SECONDS SEED
 *
 * Success is surviving: the process ends normally (exit 0 and a summary line) and the kernel log stays clean
 * (the test host checks that). Deterministic for a seed, up to timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kmod-vmx/tools/kvmx_dev.h"

#define NVMS 3

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct vm {
	int fd, vcpu;
	uint8_t *mem;
	size_t mem_size;
	struct kvmx_ring_header *ring;
	size_t ring_bytes;
};

static struct vm vms[NVMS];
static uint8_t *edge; /* 64 bytes before an unmapped page */
static uint64_t calls, ok_calls, errnos[256], runs, run_exits, stops[16];

static void vm_close(struct vm *v)
{
	if (v->ring)
		munmap(v->ring, v->ring_bytes);
	if (v->mem)
		munmap(v->mem, v->mem_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->fd >= 0)
		close(v->fd);
	memset(v, 0, sizeof(*v));
	v->fd = v->vcpu = -1;
}

static int count(int rc)
{
	calls++;
	if (rc >= 0)
		ok_calls++;
	else
		errnos[errno & 0xff]++;
	return rc;
}

/* A pointer an ioctl must survive: mostly good, sometimes not. */
static void *arg_ptr(void *good)
{
	switch (below(12)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ull; /* the kernel's direct map */
	case 2:
		return edge; /* runs into an unmapped page */
	case 3:
		return (void *)(uintptr_t)rnd();
	default:
		return good;
	}
}

static void random_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

static void random_regs(struct kvmx_regs *r, struct vm *v)
{
	kvmx_dev_long_mode_regs(r, KVMX_GUEST_CODE + below(256));
	switch (below(4)) {
	case 0: /* anything at all */
		random_bytes(r, sizeof(*r));
		break;
	case 1: /* one field off */
		((uint8_t *)r)[below(sizeof(*r))] ^= (uint8_t)(1u << below(8));
		break;
	default:
		break;
	}
	if (below(2))
		memset(r->reserved, 0, sizeof(r->reserved));
	if (below(2))
		r->flags &= KVMX_REGS_IA32E;
	(void)v;
}

static void random_controls(struct kvmx_control_req *c)
{
	memset(c, 0, sizeof(*c));
	c->on = below(3) ? rnd() & ((1ull << KVMX_CTL_BIT_COUNT) - 1) : rnd();
	/* keep the refused bitmaps out half of the time, so more requests get as far as the CPU's judgement */
	if (below(2))
		c->on &= ~((1ull << KVMX_CTL_BIT_IO_BITMAPS) | (1ull << KVMX_CTL_BIT_MSR_BITMAPS));
	if (below(2)) {
		c->exception_bitmap = (uint32_t)rnd();
		c->preemption_timer_value = (uint32_t)below(1000);
		c->cr3_target_count = (uint32_t)below(6);
		c->n_io = (uint32_t)below(10);
		c->n_msr = (uint32_t)below(18);
		random_bytes(c->io, sizeof(c->io));
		random_bytes(c->msr, sizeof(c->msr));
		c->cr0_mask = rnd();
		c->cr4_mask = rnd();
	}
	if (!below(8))
		c->flags = (uint32_t)rnd();
	if (!below(8))
		c->reserved[below(4)] = rnd();
}

static void act_create(struct vm *v)
{
	struct kvmx_vm_config cfg = {.version = KVMX_ABI_VERSION};

	if (v->fd < 0)
		v->fd = count(open(KVMX_DEVICE_PATH, O_RDWR | O_CLOEXEC));
	if (v->fd < 0)
		return;
	cfg.ring_slots = below(2) ? 1u << below(18) : (uint32_t)rnd();
	cfg.mem_size = below(2) ? KVMX_GUEST_MEM : below(2) ? rnd() : (below(64) + 1) << 12;
	if (!below(8))
		cfg.version = (uint32_t)rnd();
	if (!below(8))
		cfg.reserved[below(4)] = rnd();
	if (count(ioctl(v->fd, KVMX_CREATE_VM, arg_ptr(&cfg))) == 0 && !v->mem) {
		v->mem_size = cfg.mem_size;
		v->ring_bytes = cfg.ring_bytes;
		v->mem = mmap(NULL, v->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		count(v->mem == MAP_FAILED ? -1 : 0);
		if (v->mem == MAP_FAILED)
			v->mem = NULL;
	}
}

static void act_vcpu(struct vm *v)
{
	if (v->fd < 0)
		return;
	int fd = count(ioctl(v->fd, KVMX_CREATE_VCPU, below(8) ? 0 : rnd()));
	if (fd < 0)
		return;
	if (v->vcpu >= 0 && below(2)) {
		close(fd); /* a second vCPU, gone again */
		return;
	}
	if (v->vcpu >= 0) {
		if (v->ring)
			munmap(v->ring, v->ring_bytes);
		close(v->vcpu);
	}
	v->vcpu = fd;
	v->ring = mmap(NULL, v->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	count(v->ring == MAP_FAILED ? -1 : 0);
	if (v->ring == MAP_FAILED)
		v->ring = NULL;
	if (v->mem && v->mem_size >= KVMX_GUEST_MEM) {
		struct kvmx_dev d = {.mem = v->mem};
		/* identity paging as kvmx-test sets it up; the vCPU itself is ours already */
		uint64_t *pml4 = (uint64_t *)(d.mem + KVMX_GUEST_PML4);
		pml4[0] = (KVMX_GUEST_PML4 + 0x1000) | 3;
		pml4[512] = (KVMX_GUEST_PML4 + 0x2000) | 3;
		for (uint64_t i = 0; i < KVMX_GUEST_MEM >> 21; i++)
			pml4[1024 + i] = (i << 21) | 0x83;
	}
}

static void act_random_ioctl(struct vm *v)
{
	static const unsigned long cmds[] = {KVMX_GET_CAPS,	KVMX_CREATE_VM,	    KVMX_CREATE_VCPU,
					     KVMX_SET_REGS,	KVMX_GET_GPRS,	    KVMX_SET_GPRS,
					     KVMX_SET_CONTROLS, KVMX_SET_EPT_RANGE, KVMX_RUN};
	uint8_t buf[4096];
	unsigned long cmd = cmds[below(sizeof(cmds) / sizeof(cmds[0]))];
	int fd = below(2) ? v->fd : v->vcpu;

	if (fd < 0)
		return;
	if (cmd == KVMX_RUN || cmd == KVMX_CREATE_VM)
		return; /* those get their own, bounded actions */
	switch (below(4)) {
	case 0:
		cmd ^= 1ul << below(32); /* a near miss: number, size or direction */
		break;
	case 1:
		cmd = (unsigned long)rnd();
		break;
	default:
		break;
	}
	random_bytes(buf, sizeof(buf));
	int rc = count(ioctl(fd, cmd, arg_ptr(buf)));
	if (rc > 0)
		close(rc); /* a vCPU file a near miss created */
}

static void act_state(struct vm *v)
{
	struct kvmx_regs r;
	struct kvmx_control_req c;

	if (v->vcpu < 0)
		return;
	if (below(2)) {
		random_regs(&r, v);
		count(ioctl(v->vcpu, KVMX_SET_REGS, arg_ptr(&r)));
	} else {
		random_controls(&c);
		count(ioctl(v->vcpu, KVMX_SET_CONTROLS, arg_ptr(&c)));
	}
}

/* A VM with a vCPU where there is none, most of the time, so that runs are frequent. */
static void ensure_vcpu(struct vm *v)
{
	struct kvmx_vm_config cfg = {.version = KVMX_ABI_VERSION, .ring_slots = 256, .mem_size = KVMX_GUEST_MEM};

	if (v->vcpu >= 0 || below(4) == 0)
		return;
	vm_close(v);
	v->fd = count(open(KVMX_DEVICE_PATH, O_RDWR | O_CLOEXEC));
	if (v->fd < 0 || count(ioctl(v->fd, KVMX_CREATE_VM, &cfg)) < 0)
		return;
	v->mem_size = cfg.mem_size;
	v->ring_bytes = cfg.ring_bytes;
	v->mem = mmap(NULL, v->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->mem == MAP_FAILED)
		v->mem = NULL;
	act_vcpu(v);
}

static void act_run(struct vm *v)
{
	struct kvmx_run run;

	ensure_vcpu(v);
	if (v->vcpu < 0)
		return;
	if (below(4)) {
		/* a runnable 64-bit guest with random controls, so that most runs get past the checks */
		struct kvmx_regs r;
		struct kvmx_control_req c;
		kvmx_dev_long_mode_regs(&r, KVMX_GUEST_CODE + below(256));
		memset(&c, 0, sizeof(c));
		c.on = rnd() & ((1ull << KVMX_CTL_BIT_COUNT) - 1) &
		       ~((1ull << KVMX_CTL_BIT_IO_BITMAPS) | (1ull << KVMX_CTL_BIT_MSR_BITMAPS));
		c.exception_bitmap = below(2) ? (uint32_t)rnd() : 0;
		c.preemption_timer_value = (uint32_t)below(10000);
		count(ioctl(v->vcpu, KVMX_SET_REGS, &r));
		/* random sets are mostly refused (a control the CPU lacks, a dependency): then a plain one */
		if (count(ioctl(v->vcpu, KVMX_SET_CONTROLS, &c)) < 0) {
			c.on &= (1ull << KVMX_CTL_BIT_HLT_EXITING) | (1ull << KVMX_CTL_BIT_RDTSC_EXITING) |
				(1ull << KVMX_CTL_BIT_INVLPG_EXITING) | (1ull << KVMX_CTL_BIT_CR3_LOAD_EXITING) |
				(1ull << KVMX_CTL_BIT_PREEMPTION_TIMER) | (1ull << KVMX_CTL_BIT_MOV_DR_EXITING);
			count(ioctl(v->vcpu, KVMX_SET_CONTROLS, &c));
		}
	}
	if (v->mem && v->mem_size >= KVMX_GUEST_MEM && below(2))
		random_bytes(v->mem + KVMX_GUEST_CODE, 512); /* random guest code where RIP points */
	if (!below(4)) {
		/* EPT ranges: mostly whole pages inside the VM (unmapped, read-only, mapped), else anything */
		struct kvmx_ept_range er = {.gpa = (uint64_t)below(1024) << 12,
					    .size = (uint64_t)(1 + below(64)) << 12,
					    .access = below(4) ? (uint32_t)(below(3) == 0 ? 0
									    : below(2)	  ? 5
											  : 7)
							       : (uint32_t)rnd()};
		if (!below(4)) {
			er.gpa = rnd();
			er.size = rnd();
			er.reserved = (uint32_t)below(2);
		}
		count(ioctl(v->vcpu, KVMX_SET_EPT_RANGE, arg_ptr(&er)));
	}
	memset(&run, 0, sizeof(run));
	run.max_exits = 1 + below(64);
	if (!below(8))
		run.flags = (uint32_t)below(32); /* SKIP_INSN, INJECT, SET_RIP, INJECT_READY and one unknown bit */
	if (run.flags & KVMX_RUN_SET_RIP)
		run.rip = below(2) ? rnd() : KVMX_GUEST_CODE + below(64);
	if (run.flags & (KVMX_RUN_INJECT | KVMX_RUN_INJECT_READY)) {
		run.inject_info = below(2) ? (uint32_t)rnd() : (0x80000000u | (uint32_t)below(0x800));
		run.inject_error = (uint32_t)rnd();
		run.inject_insn_len = (uint32_t)below(17);
	}
	if (!below(16))
		run.reserved = rnd();
	if (count(ioctl(v->vcpu, KVMX_RUN, arg_ptr(&run))) == 0) {
		runs++;
		run_exits += run.exits;
		stops[run.stop & 15]++;
	}
}

static void act_ring(struct vm *v)
{
	struct xs_exit_record r;
	struct kvmx_err err;
	uint64_t bad = 0;

	if (!v->ring)
		return;
	switch (below(4)) {
	case 0: /* a hostile consumer: counters and geometry the producer must not believe */
		v->ring->tail = rnd();
		break;
	case 1:
		v->ring->nslots = (uint32_t)rnd();
		v->ring->head = rnd();
		break;
	default: /* an honest one */
		while (kvmx_ring_pop(v->ring, v->ring_bytes, &r, &bad, &err) > 0)
			;
		break;
	}
}

static void act_mmap(struct vm *v)
{
	int fd = below(2) ? v->fd : v->vcpu;
	size_t len = (size_t)(below(4) ? (below(2048) + 1) << 12 : rnd());
	off_t off = below(4) ? 0 : (off_t)(below(16) << 12);

	if (fd < 0)
		return;
	void *p = mmap(NULL, len, below(4) ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC, MAP_SHARED, fd, off);
	count(p == MAP_FAILED ? -1 : 0);
	if (p != MAP_FAILED) {
		((volatile uint8_t *)p)[0];
		munmap(p, len);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: kvmx-fuzz SECONDS SEED\n");
		return 2;
	}
	unsigned int seconds = (unsigned int)strtoul(argv[1], NULL, 0);
	rng_state = strtoull(argv[2], NULL, 0) | 1;
	uint8_t *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return 1;
	munmap(pages + 4096, 4096);
	edge = pages + 4096 - 64;
	for (int i = 0; i < NVMS; i++)
		vms[i].fd = vms[i].vcpu = -1;

	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct vm *v = &vms[below(NVMS)];
		switch (below(16)) {
		case 0:
			vm_close(v);
			break;
		case 1:
		case 2:
			act_create(v);
			break;
		case 3:
			act_vcpu(v);
			break;
		case 4:
		case 5:
		case 6:
			act_random_ioctl(v);
			break;
		case 7:
		case 8:
		case 9:
			act_state(v);
			break;
		case 10:
		case 11:
		case 12:
			act_run(v);
			break;
		case 13:
			act_ring(v);
			break;
		default:
			act_mmap(v);
			break;
		}
	}
	for (int i = 0; i < NVMS; i++)
		vm_close(&vms[i]);
	printf("kvmx-fuzz: %llu calls, %llu succeeded, %llu runs with %llu exits; stops:", (unsigned long long)calls,
	       (unsigned long long)ok_calls, (unsigned long long)runs, (unsigned long long)run_exits);
	for (int i = 0; i < 16; i++)
		if (stops[i])
			printf(" %d=%llu", i, (unsigned long long)stops[i]);
	printf("; errnos:");
	for (int i = 0; i < 256; i++)
		if (errnos[i])
			printf(" %s=%llu", strerrorname_np(i) ? strerrorname_np(i) : "?",
			       (unsigned long long)errnos[i]);
	printf("\n");
	return 0;
}
