// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The ioctl structures of include/exitscope/kmod_vmx.h, checked as hostile input and turned into the core's
 * own. A request is refused with one line naming the field; the control words themselves are the core's to
 * judge (kvmx_controls_compute), so a control the CPU lacks is refused in the core's words.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "kmod-vmx/core/guest_regs.h"
#include "kmod-vmx/linux/kvmx_linux.h"

/* The ABI's control bits are the core's table order. */
#define SAME(x) static_assert(KVMX_CTL_BIT_##x == (int)KVMX_CTL_##x)
SAME(EXTINT_EXITING);
SAME(NMI_EXITING);
SAME(VIRTUAL_NMIS);
SAME(PREEMPTION_TIMER);
SAME(INTR_WINDOW_EXITING);
SAME(HLT_EXITING);
SAME(INVLPG_EXITING);
SAME(MWAIT_EXITING);
SAME(RDPMC_EXITING);
SAME(RDTSC_EXITING);
SAME(CR3_LOAD_EXITING);
SAME(CR3_STORE_EXITING);
SAME(CR8_LOAD_EXITING);
SAME(CR8_STORE_EXITING);
SAME(NMI_WINDOW_EXITING);
SAME(MOV_DR_EXITING);
SAME(UNCOND_IO_EXITING);
SAME(IO_BITMAPS);
SAME(MONITOR_TRAP_FLAG);
SAME(MSR_BITMAPS);
SAME(MONITOR_EXITING);
SAME(PAUSE_EXITING);
SAME(EPT);
SAME(DESC_TABLE_EXITING);
SAME(ENABLE_RDTSCP);
SAME(WBINVD_EXITING);
SAME(UNRESTRICTED_GUEST);
SAME(RDRAND_EXITING);
SAME(RDSEED_EXITING);
SAME(ACK_INTERRUPT_ON_EXIT);
static_assert(KVMX_CTL_BIT_COUNT == (int)KVMX_CTL_COUNT);
static_assert(KVMX_NSEGS == XS_SEG_COUNT);
static_assert(ARRAY_SIZE(((struct kvmx_control_req *)0)->io) == KVMX_MAX_IO_RANGES);
static_assert(ARRAY_SIZE(((struct kvmx_control_req *)0)->msr) == KVMX_MAX_MSR_INTERCEPTS);
static_assert(ARRAY_SIZE(((struct kvmx_control_req *)0)->cr3_targets) == KVMX_MAX_CR3_TARGETS);
static_assert(sizeof(((struct kvmx_gpr_block *)0)->gpr) == sizeof(struct kvmx_gprs));

static bool all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* What the module turns on whatever was asked, so that the host keeps its CPU, memory, ports and MSRs. */
static u64 safety_controls(const struct kvmx_control_req *req)
{
	/*
	 * Host interrupts and NMIs must leave the guest; guest-physical memory is only the VM's (EPT); every
	 * I/O instruction exits (the I/O bitmaps are refused), or the guest would reach the host's ports.
	 */
	u64 forced = BIT_ULL(KVMX_CTL_BIT_EXTINT_EXITING) | BIT_ULL(KVMX_CTL_BIT_NMI_EXITING) |
		     BIT_ULL(KVMX_CTL_BIT_EPT) | BIT_ULL(KVMX_CTL_BIT_UNCOND_IO_EXITING);

	return forced & ~req->on;
}

/* The request's own shape: known bits and flags, list sizes, and no bitmap that would hand the guest the host. */
static int check_req_shape(struct kvmx_control_req *req)
{
	if (req->on >> KVMX_CTL_BIT_COUNT) {
		snprintf(req->msg, KVMX_MSG_LEN, "control bits 0x%llx are not controls of ABI version %d",
			 (unsigned long long)(req->on & ~(BIT_ULL(KVMX_CTL_BIT_COUNT) - 1)), KVMX_ABI_VERSION);
		return -EINVAL;
	}
	if (req->flags & ~KVMX_CONTROLS_STRICT || !all_zero(req->reserved, sizeof(req->reserved))) {
		snprintf(req->msg, KVMX_MSG_LEN, "unknown control flags 0x%x or reserved fields set", req->flags);
		return -EINVAL;
	}
	if (req->n_io > KVMX_MAX_IO_RANGES || req->n_msr > KVMX_MAX_MSR_INTERCEPTS ||
	    req->cr3_target_count > KVMX_MAX_CR3_TARGETS) {
		snprintf(req->msg, KVMX_MSG_LEN, "%u I/O ranges, %u MSRs, %u CR3 targets: at most %d, %d and %d",
			 req->n_io, req->n_msr, req->cr3_target_count, KVMX_MAX_IO_RANGES, KVMX_MAX_MSR_INTERCEPTS,
			 KVMX_MAX_CR3_TARGETS);
		return -EINVAL;
	}
	/*
	 * The I/O and MSR bitmaps let what they do not list run on the real CPU: host ports, host MSRs. The
	 * module does not hand those to a guest.
	 */
	if (req->on & BIT_ULL(KVMX_CTL_BIT_IO_BITMAPS)) {
		snprintf(req->msg, KVMX_MSG_LEN,
			 "control 'use I/O bitmaps' would give the guest every host I/O port it does not list: "
			 "kmod-vmx runs guests with 'unconditional I/O exiting'");
		return -EINVAL;
	}
	if (req->on & BIT_ULL(KVMX_CTL_BIT_MSR_BITMAPS)) {
		snprintf(req->msg, KVMX_MSG_LEN,
			 "control 'use MSR bitmaps' would let the guest read and write every host MSR it does not "
			 "list: kmod-vmx makes every RDMSR and WRMSR exit");
		return -EINVAL;
	}
	return 0;
}

/* The I/O ranges and MSR intercepts, each checked, into the core's lists. */
static int copy_intercepts(struct kvmx_control_req *req, struct kvmx_controls *c)
{
	unsigned int i;

	for (i = 0; i < req->n_io; i++) {
		const struct kvmx_io_range_req *r = &req->io[i];

		if (r->reserved || r->count == 0 || r->count > 0x10000 - r->first) {
			snprintf(req->msg, KVMX_MSG_LEN, "I/O range %u (port 0x%x, %u ports) is empty or past 0xffff", i,
				 r->first, r->count);
			return -EINVAL;
		}
		c->io[i].first = r->first;
		c->io[i].count = r->count;
	}
	for (i = 0; i < req->n_msr; i++) {
		const struct kvmx_msr_req *m = &req->msr[i];

		if (!m->flags || m->flags & ~(KVMX_MSR_READ | KVMX_MSR_WRITE)) {
			snprintf(req->msg, KVMX_MSG_LEN, "MSR intercept %u (0x%x): flags 0x%x are not read/write", i,
				 m->msr, m->flags);
			return -EINVAL;
		}
		c->msr[i].msr = m->msr;
		c->msr[i].read = m->flags & KVMX_MSR_READ;
		c->msr[i].write = m->flags & KVMX_MSR_WRITE;
	}
	c->n_io = req->n_io;
	c->n_msr = req->n_msr;
	return 0;
}

int kvmx_controls_from_req(struct kvmx_control_req *req, bool ia32e, struct kvmx_controls *c)
{
	struct kvmx_guest_mode mode = { .ia32e = ia32e };
	struct kvmx_words words;
	struct kvmx_err err;
	unsigned int i;
	u64 on;

	memset(c, 0, sizeof(*c));
	if (check_req_shape(req) || copy_intercepts(req, c))
		return -EINVAL;
	c->exception_bitmap = req->exception_bitmap;
	c->preemption_timer_value = req->preemption_timer_value;
	c->cr0_mask = req->cr0_mask;
	c->cr0_shadow = req->cr0_shadow;
	c->cr4_mask = req->cr4_mask;
	c->cr4_shadow = req->cr4_shadow;
	c->cr3_target_count = req->cr3_target_count;
	for (i = 0; i < KVMX_MAX_CR3_TARGETS; i++)
		c->cr3_targets[i] = req->cr3_targets[i];
	c->strict = req->flags & KVMX_CONTROLS_STRICT;

	req->forced_on = safety_controls(req);
	on = req->on | req->forced_on;
	for (i = 0; i < KVMX_CTL_COUNT; i++)
		kvmx_control_set(c, (enum kvmx_ctl)i, on & BIT_ULL(i));

	/* The core's judgement against this CPU: names the control it refuses. */
	if (kvmx_controls_compute(&kvmx_caps_cpu.caps, c, &mode, &words, &err)) {
		snprintf(req->msg, KVMX_MSG_LEN, "%s", err.msg);
		return -EINVAL;
	}
	for (i = 0; i < KVMX_WORD_COUNT; i++)
		req->words[i] = words.word[i];
	return 0;
}

int kvmx_regs_from_req(const struct kvmx_regs *req, struct kvmx_guest_state *gs, char msg[KVMX_MSG_LEN])
{
	unsigned int i;

	if (req->flags & ~KVMX_REGS_IA32E || !all_zero(req->reserved, sizeof(req->reserved))) {
		snprintf(msg, KVMX_MSG_LEN, "unknown register flags 0x%x or reserved fields set", req->flags);
		return -EINVAL;
	}
	for (i = 0; i < KVMX_NSEGS; i++) {
		if (!all_zero(req->seg[i].reserved, sizeof(req->seg[i].reserved))) {
			snprintf(msg, KVMX_MSG_LEN, "segment %u: reserved fields set", i);
			return -EINVAL;
		}
	}
	/*
	 * Everything else is guest state: the CPU's VM-entry checks judge it (a failed entry is an exit
	 * record, reason 33), and under EPT no value of it reaches the host.
	 */
	kvmx_state_from_regs(req, gs);
	return 0;
}
