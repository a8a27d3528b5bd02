// SPDX-License-Identifier: MIT
/*
 * The vmx backend on hosts where the kmod-vmx Linux module is loaded (/dev/kmod-vmx): the same core as the
 * Bochs runner, on the host's own VT-x. The guest's RAM is the VM's memory, mmapped here and laid out as
 * the other backends do; the control spec goes through the same builder (launcher/vmx_shared.c) into the
 * module's request; one thread runs the vCPU with KVMX_RUN and answers the built-in guests' protocol as the
 * runner does (kmod-vmx/bare/runner.c): ports 0x500-0x503, all-ones for other INs, string I/O element by
 * element. Each run returns after a bounded number of exits, and the mmapped record ring is drained into the
 * sink then, so records reach the sink while the guest runs.
 *
 * What the module does to controls (docs/kmod-vmx.md) is said, never hidden: the controls it forces on are
 * stored as vmx.module.forced_on, a requested control it refuses fails the run with its reason, and
 * `--list-controls` names both.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"
#include "exitscope/kmod_vmx.h"
#include "kmod-vmx/bare/runner_decode.h"
#include "kmod-vmx/bare/runner_entry.h"
#include "kmod-vmx/core/ring.h"
#include "launcher/backend.h"
#include "launcher/guest_load.h"
#include "launcher/vm.h"
#include "launcher/vmx_backend.h"
#include "launcher/vmx_controls.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define MOD_RING_SLOTS 4096u /* records per run at most: a run's budget never overflows the ring */
#define MOD_MAX_MEM_MB 1024

#define RFLAGS_DF (1ull << 10)
#define EXIT_REASON_EXTERNAL_INTERRUPT 1
#define EXIT_REASON_HLT 12
#define EXIT_REASON_IO 30

struct mod_run {
	struct xs_vmx_base b; /* first: the shared lifecycle accessors take a run as its base */
	int fd, vcpu;
	uint8_t *mem;
	uint64_t mem_bytes;
	struct kvmx_ring_header *ring;
	size_t ring_bytes;
	uint32_t own_exceptions;
	pthread_t thread;

	atomic_bool stopping;
	uint64_t flags_next; /* KVMX_RUN_* for the next run */
	uint64_t rip_next;   /* with KVMX_RUN_SET_RIP */
	bool guest_done;
	uint64_t features; /* KVMX_FEAT_* of the module */

	/* injection schedules (the runner's, kmod-vmx/bare/runner.c): events due, waiting to be passed on */
	uint64_t nexits; /* exits the schedules count: not the host interrupts the module forces */
	bool extint_forced;
	uint32_t queue[16], queue_err[16];
	unsigned int queue_n;
	bool held; /* the module holds one until the guest can take it */
	uint16_t outstanding[256];

	atomic_uint_fast64_t ring_bad, ring_dropped;
};

const char *xs_vmx_module_path(void)
{
	const char *p = getenv("EXITSCOPE_KMOD_VMX");
	return p && *p ? p : KVMX_DEVICE_PATH;
}

/* ---- what the module does to controls (kmod-vmx/linux/abi.c) ---- */

static const char *module_forced(enum kvmx_ctl c)
{
	switch (c) {
	case KVMX_CTL_EXTINT_EXITING:
		return "host interrupts must leave the guest (each is an EXTERNAL_INTERRUPT exit)";
	case KVMX_CTL_NMI_EXITING:
		return "host NMIs must leave the guest";
	case KVMX_CTL_EPT:
		return "guest memory is the VM's pages only";
	case KVMX_CTL_UNCOND_IO_EXITING:
		return "every I/O instruction exits: host ports stay the host's";
	default:
		return NULL;
	}
}

static const char *module_refused(enum kvmx_ctl c)
{
	switch (c) {
	case KVMX_CTL_IO_BITMAPS:
		return "ports the bitmap does not list would reach the host's hardware";
	case KVMX_CTL_MSR_BITMAPS:
		return "MSRs the bitmap does not list would be the host's";
	default:
		return NULL;
	}
}

static const struct xs_vmx_host_rules module_rules = {"the module", module_forced, module_refused};

static int open_module(char *err, size_t errlen)
{
	const char *path = xs_vmx_module_path();
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ERR("%s: %s (the kmod-vmx module is not loaded: make kmod && insmod kmod_vmx.ko, or "
			   "--vmx-host bochs)",
			   path, strerror(errno));
	return fd;
}

static void caps_from_module(const struct kvmx_caps_info *ci, struct kvmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = ci->basic;
	c->revision = (uint32_t)(ci->basic & 0x7fffffff);
	c->true_ctls = ci->true_ctls;
	c->pin = ci->pin;
	c->proc = ci->proc;
	c->proc2 = ci->proc2;
	c->exit = ci->exit;
	c->entry = ci->entry;
	c->ept_vpid = ci->ept_vpid;
	c->misc = ci->misc;
	c->cr0_fixed0 = ci->cr0_fixed0;
	c->cr0_fixed1 = ci->cr0_fixed1;
	c->cr4_fixed0 = ci->cr4_fixed0;
	c->cr4_fixed1 = ci->cr4_fixed1;
	c->feature_control = ci->feature_control;
}

static int read_caps(int fd, struct kvmx_caps_info *ci, char *err, size_t errlen)
{
	memset(ci, 0, sizeof(*ci));
	if (ioctl(fd, KVMX_GET_CAPS, ci))
		return ERR("%s: KVMX_GET_CAPS: %s", xs_vmx_module_path(), strerror(errno));
	if (ci->abi_version != KVMX_ABI_VERSION)
		return ERR("%s speaks ABI version %u; this exitscope speaks %d (rebuild one of them)",
			   xs_vmx_module_path(), ci->abi_version, KVMX_ABI_VERSION);
	return 0;
}

int xs_vmx_module_list_controls(void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					     bool supported, const char *why),
				void *ctx, char *err, size_t errlen)
{
	int fd = open_module(err, errlen);
	if (fd < 0)
		return -1;
	struct kvmx_caps_info ci;
	int rc = read_caps(fd, &ci, err, errlen);
	close(fd);
	if (rc)
		return -1;
	/* KVM loaded (-EBUSY) still shows the MSRs; anything else means VT-x cannot be used at all */
	if (ci.status && ci.status != -EBUSY)
		return ERR("%s: %s", xs_vmx_module_path(), ci.msg);
	struct kvmx_caps caps;
	caps_from_module(&ci, &caps);
	char name[48];
	snprintf(name, sizeof(name), "this CPU (cpu %u)", ci.cpu);
	return xs_vmx_list_controls_caps(&caps, name, &module_rules, each, ctx);
}

/* ---- controls and registers ---- */

/*
 * The builder's controls as the module's request. The builder turns MSR bitmaps on so that only listed MSRs
 * exit under Bochs; the module refuses them (every RDMSR/WRMSR exits there), so they are off unless the user
 * asked for them by name, which the module then refuses by name.
 */
static int build_request(const struct xs_launch_config *cfg, const struct xs_controls *c, struct kvmx_control_req *req,
			 char *err, size_t errlen)
{
	struct kvmx_controls k;
	if (xs_vmx_build_controls(cfg, c, &k, err, errlen))
		return -1;
	if (!xs_vmx_control_given(c, "msr_bitmaps") && !xs_vmx_control_given(c, "msr_bitmap.read") &&
	    !xs_vmx_control_given(c, "msr_bitmap.write")) {
		/* msr.exit_read/exit_write lists: every MSR access exits here, the listed ones among them */
		k.msr_bitmaps = false;
		k.n_msr = 0;
	}
	if (!k.hlt_exiting)
		return ERR("control vmx.hlt_exiting=off: the module host has no timer to wake a guest's HLT (the "
			   "host's interrupts are the host's): use --vmx-host bochs");
	memset(req, 0, sizeof(*req));
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++)
		if (kvmx_control_wanted(&k, (enum kvmx_ctl)i))
			req->on |= 1ull << i;
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
		const char *why = (req->on & (1ull << i)) ? module_refused((enum kvmx_ctl)i) : NULL;
		if (why)
			return ERR("control vmx.%s: refused by the module: %s",
				   kvmx_control_info((enum kvmx_ctl)i)->key, why);
	}
	req->flags = k.strict ? KVMX_CONTROLS_STRICT : 0;
	req->exception_bitmap = k.exception_bitmap;
	req->preemption_timer_value = k.preemption_timer_value;
	req->cr3_target_count = k.cr3_target_count;
	req->cr0_mask = k.cr0_mask;
	req->cr0_shadow = k.cr0_shadow;
	req->cr4_mask = k.cr4_mask;
	req->cr4_shadow = k.cr4_shadow;
	for (unsigned int i = 0; i < k.cr3_target_count && i < 4; i++)
		req->cr3_targets[i] = k.cr3_targets[i];
	req->n_io = k.n_io;
	for (unsigned int i = 0; i < k.n_io && i < 8; i++)
		req->io[i] = (struct kvmx_io_range_req){.first = k.io[i].first, .count = k.io[i].count};
	req->n_msr = k.n_msr;
	for (unsigned int i = 0; i < k.n_msr && i < 16; i++)
		req->msr[i] = (struct kvmx_msr_req){k.msr[i].msr, (k.msr[i].read ? KVMX_MSR_READ : 0) |
									  (k.msr[i].write ? KVMX_MSR_WRITE : 0)};
	return 0;
}

/* ---- the guests' protocol ---- */

static void guest_error(struct mod_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void guest_error(struct mod_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->b.message, sizeof(r->b.message), fmt, ap);
	va_end(ap);
	r->b.end = XS_END_GUEST_ERROR;
}

static void host_error(struct mod_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_error(struct mod_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->b.message, sizeof(r->b.message), fmt, ap);
	va_end(ap);
	r->b.end = XS_END_HOST_ERROR;
}

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint8_t *gpa_ptr(struct mod_run *r, uint64_t gpa, uint64_t len)
{
	if (gpa >= r->mem_bytes || len > r->mem_bytes - gpa)
		return NULL;
	return r->mem + gpa;
}

/* String I/O as the runner does it: OUTS one element per exit (the instruction repeats), INS all at once. */
static void string_io(struct mod_run *r, struct xs_exit_record *rec, __u64 *gpr)
{
	struct xs_detail_io *io = &rec->detail.io;
	unsigned int asize = (rec->insn_info >> 7) & 7;
	uint64_t amask = asize == 0 ? 0xffff : asize == 1 ? 0xffffffffull : ~0ull;
	bool in = io->direction == XS_IO_IN;
	unsigned int idx = in ? XS_RDI : XS_RSI;
	unsigned int seg = in ? XS_SEG_ES : (rec->insn_info >> 15) & 7;
	uint64_t count = io->rep ? (gpr[XS_RCX] & amask) : 1;
	uint64_t n = in ? count : (count ? 1 : 0);
	bool down = rec->gs.rflags & RFLAGS_DF;
	uint64_t base = seg < XS_SEG_COUNT ? rec->gs.seg_base[seg] : 0;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t off = gpr[idx] & amask;
		uint8_t *p = gpa_ptr(r, base + off, io->size);
		if (!p) {
			guest_error(r, "vcpu 0: %s at 0x%llx outside guest RAM", in ? "INS" : "OUTS",
				    (unsigned long long)(base + off));
			return;
		}
		if (in)
			memset(p, 0xff, io->size);
		else if (k == 0)
			for (unsigned int b = 0; b < io->size && b < 8; b++)
				io->value |= (uint64_t)p[b] << (8 * b);
		uint64_t next = down ? off - io->size : off + io->size;
		gpr[idx] = (gpr[idx] & ~amask) | (next & amask);
		if (io->rep)
			gpr[XS_RCX] = (gpr[XS_RCX] & ~amask) | ((gpr[XS_RCX] - 1) & amask);
	}
	if (in)
		io->value = size_mask(io->size);
	io->count = in ? (uint32_t)count : (uint32_t)n;
	if (!io->rep || !(gpr[XS_RCX] & amask))
		r->flags_next |= KVMX_RUN_SKIP_INSN;
}

/* The I/O exit a run stopped at: the launcher's ports, all-ones for INs, string I/O emulated. */
static void handle_io(struct mod_run *r, struct xs_exit_record *rec)
{
	struct xs_detail_io *io = &rec->detail.io;
	struct kvmx_gpr_block g;
	bool need_gprs = io->string || io->direction == XS_IO_IN;
	if (need_gprs && ioctl(r->vcpu, KVMX_GET_GPRS, &g)) {
		host_error(r, "KVMX_GET_GPRS: %s", strerror(errno));
		return;
	}
	if (io->string) {
		string_io(r, rec, g.gpr);
	} else {
		r->flags_next |= KVMX_RUN_SKIP_INSN;
		if (io->direction == XS_IO_IN) {
			uint64_t m = size_mask(io->size);
			g.gpr[XS_RAX] = (g.gpr[XS_RAX] & ~m) | m; /* nothing answers: all-ones */
			io->value = m;
		} else if (io->port == XS_PORT_DONE) {
			r->guest_done = true;
			rec->flags |= XS_F_FINAL;
		} else if (io->port == XS_PORT_VECTOR && io->size == 4) {
			unsigned int vector = (unsigned int)io->value & 0xff;
			if (r->outstanding[vector]) {
				r->outstanding[vector]--;
				atomic_fetch_add(&r->b.delivered, 1);
			} else if (!(vector < 32 && (r->own_exceptions & (1u << vector))))
				guest_error(r, "vcpu 0: unexpected vector %u in the guest at rip 0x%x", vector,
					    (unsigned int)(io->value >> 8));
		} else if (io->port == XS_PORT_FAIL) {
			guest_error(r, "vcpu 0: the guest's self-check %u failed", (unsigned int)io->value);
		}
	}
	if (need_gprs && r->b.end == XS_END_RUNNING && ioctl(r->vcpu, KVMX_SET_GPRS, &g))
		host_error(r, "KVMX_SET_GPRS: %s", strerror(errno));
}

static bool readonly_gpa(const struct mod_run *r, uint64_t gpa)
{
	for (unsigned int i = 0; i < r->b.ctl.readonly.n; i++)
		if (gpa >= r->b.ctl.readonly.r[i].lo && gpa <= r->b.ctl.readonly.r[i].hi)
			return true;
	return false;
}

/*
 * An EPT violation in the hole or on a read-only page: an MMIO access, decoded and answered as the runner
 * does (writes dropped, reads all-ones), the guest's RIP moved past it with KVMX_RUN_SET_RIP.
 */
static void handle_mmio(struct mod_run *r, struct xs_exit_record *rec)
{
	uint64_t gpa = rec->guest_phys;
	bool in_hole = gpa >= XS_GPA_HOLE && gpa < XS_GPA_HOLE_END;
	if (!in_hole && !(readonly_gpa(r, gpa) && rec->detail.mmio.is_write)) {
		guest_error(r, "vcpu 0: EPT violation at guest-physical 0x%llx (qualification 0x%llx)",
			    (unsigned long long)gpa, (unsigned long long)rec->qualification);
		return;
	}
	uint64_t rip = rec->guest_rip;
	uint64_t code_gpa = rec->gs.seg_base[XS_SEG_CS] + rip;
	uint64_t avail = 0x1000 - (code_gpa & 0xfff);
	if (avail > 15)
		avail = 15;
	const uint8_t *code = gpa_ptr(r, code_gpa, avail);
	struct mmio_insn mi;
	char why[128];
	if (!code) {
		guest_error(r, "vcpu 0: MMIO at 0x%llx from code outside guest RAM (rip 0x%llx)",
			    (unsigned long long)gpa, (unsigned long long)rip);
		return;
	}
	if (mmio_decode(code, (unsigned int)avail, r->b.cfg.mode, &mi, why, sizeof(why))) {
		guest_error(r, "vcpu 0: MMIO at 0x%llx (rip 0x%llx): %s", (unsigned long long)gpa,
			    (unsigned long long)rip, why);
		return;
	}
	struct kvmx_gpr_block g;
	if (ioctl(r->vcpu, KVMX_GET_GPRS, &g)) {
		host_error(r, "KVMX_GET_GPRS: %s", strerror(errno));
		return;
	}
	g.gpr[mi.reg] = mmio_answer(&mi, g.gpr[mi.reg], &rec->detail.mmio);
	if (!mi.write && ioctl(r->vcpu, KVMX_SET_GPRS, &g)) {
		host_error(r, "KVMX_SET_GPRS: %s", strerror(errno));
		return;
	}
	rec->insn_len = mi.len;
	r->flags_next |= KVMX_RUN_SET_RIP;
	r->rip_next = rip + mi.len;
}

static uint32_t event_info(enum xs_inject_kind kind, unsigned int vector, bool has_error)
{
	uint32_t type = kind == XS_INJ_NMI ? 2 : kind == XS_INJ_EXC ? 3 : 0; /* NMI, hardware exception, external */
	return 0x80000000u | type << 8 | (kind == XS_INJ_NMI ? 2 : vector) | (has_error ? 1u << 11 : 0);
}

/* The schedules due at this exit (counted from 1), queued as the runner queues them. */
static void schedule_injections(struct mod_run *r, const struct xs_exit_record *rec)
{
	unsigned int basic = XS_VMX_BASIC_REASON(rec->reason);
	for (unsigned int i = 0; i < r->b.ctl.n_inject; i++) {
		const struct xs_inject *in = &r->b.ctl.inject[i];
		bool due = false;
		switch (in->when) {
		case XS_WHEN_HLT:
			due = basic == EXIT_REASON_HLT;
			break;
		case XS_WHEN_AT:
			due = r->nexits == in->n;
			break;
		case XS_WHEN_EVERY:
			due = in->n && r->nexits % in->n == 0;
			break;
		case XS_WHEN_IO:
			due = basic == EXIT_REASON_IO && rec->detail_kind == XS_D_IO && rec->detail.io.port == in->n;
			break;
		default:
			break;
		}
		if (!due)
			continue;
		if (r->queue_n == XS_ARRAY_SIZE(r->queue)) {
			atomic_fetch_add(&r->b.inject_overflow, 1);
			continue;
		}
		r->queue[r->queue_n] = event_info(in->kind, in->vector, in->has_error);
		r->queue_err[r->queue_n++] = in->error_code;
	}
}

/* Exits the next run may take: the ring's size, or fewer to stop where an @N / @every:N schedule is due. */
static uint64_t run_budget(const struct mod_run *r)
{
	uint64_t budget = MOD_RING_SLOTS;
	for (unsigned int i = 0; i < r->b.ctl.n_inject; i++) {
		const struct xs_inject *in = &r->b.ctl.inject[i];
		uint64_t left = 0;
		if (in->when == XS_WHEN_AT && in->n > r->nexits)
			left = in->n - r->nexits;
		else if (in->when == XS_WHEN_EVERY && in->n)
			left = in->n - r->nexits % in->n;
		if (left && left < budget)
			budget = left;
	}
	return budget;
}

/*
 * Everything the ring holds, into the sink; the last record is the exit the run stopped at, answered first
 * (its record then says what the launcher answered) when the run stopped for I/O.
 */
static void drain(struct mod_run *r, uint32_t stop)
{
	struct xs_exit_record cur, next;
	struct kvmx_err kerr;
	uint64_t bad = 0;
	bool have = false;
	for (;;) {
		int got = kvmx_ring_pop(r->ring, r->ring_bytes, &next, &bad, &kerr);
		if (got == -2)
			continue;
		if (got < 0) {
			host_error(r, "the record ring: %s", kerr.msg);
			break;
		}
		if (got == 0)
			break;
		if (have)
			xs_vmx_out_record(&r->b.out, &cur);
		cur = next;
		have = true;
		if (!r->extint_forced || XS_VMX_BASIC_REASON(cur.reason) != EXIT_REASON_EXTERNAL_INTERRUPT) {
			r->nexits++;
			schedule_injections(r, &cur);
		}
	}
	if (bad)
		atomic_fetch_add(&r->ring_bad, bad);
	if (!have)
		return;
	if (stop == KVMX_RUN_STOP_IO && cur.detail_kind == XS_D_IO)
		handle_io(r, &cur);
	else if (stop == KVMX_RUN_STOP_MMIO && cur.detail_kind == XS_D_MMIO)
		handle_mmio(r, &cur);
	if (r->b.end != XS_END_RUNNING && r->b.end != XS_END_DONE)
		cur.flags |= XS_F_FINAL;
	xs_vmx_out_record(&r->b.out, &cur);
}

static void end_by_stop(struct mod_run *r, const struct kvmx_run *run)
{
	unsigned int basic = run->exit_reason & 0xffff;
	switch (run->stop) {
	case KVMX_RUN_STOP_IO:
		break; /* answered by drain() */
	case KVMX_RUN_STOP_VMCALL:
		r->flags_next |= KVMX_RUN_SKIP_INSN;
		break;
	case KVMX_RUN_STOP_NONE:
	case KVMX_RUN_STOP_REQUESTED:
	case KVMX_RUN_STOP_HLT: /* as KVM without an in-kernel irqchip: the guest resumes after its HLT */
	case KVMX_RUN_STOP_EXIT_LIMIT:
	case KVMX_RUN_STOP_SIGNAL:
		break;
	case KVMX_RUN_STOP_MMIO:
		if (r->flags_next & KVMX_RUN_SET_RIP)
			break; /* answered by drain() */
		guest_error(r, "vcpu 0: EPT violation (qualification 0x%llx) without its record",
			    (unsigned long long)run->exit_qualification);
		break;
	case KVMX_RUN_STOP_EPT_MISCONFIG:
		guest_error(r, "vcpu 0: EPT misconfiguration");
		break;
	case KVMX_RUN_STOP_TRIPLE_FAULT:
		guest_error(r, "vcpu 0: the guest triple-faulted");
		break;
	case KVMX_RUN_STOP_ENTRY_FAIL:
		guest_error(r, "vcpu 0: VM entry failed (exit reason 0x%x, qualification %llu)", run->exit_reason,
			    (unsigned long long)run->exit_qualification);
		break;
	case KVMX_RUN_STOP_UNHANDLED:
		guest_error(r, "vcpu 0: exit reason %u has no handler in the module", basic);
		break;
	case KVMX_RUN_STOP_VMFAIL:
	case KVMX_RUN_STOP_ERROR:
		host_error(r, "the module: %s", run->msg[0] ? run->msg : "the vCPU could not run");
		break;
	default:
		host_error(r, "the module returned stop %u, which this exitscope does not know", run->stop);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct mod_run *r = arg;
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, r->b.cfg.kick_signal ? r->b.cfg.kick_signal : SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (r->b.end == XS_END_RUNNING && !atomic_load(&r->stopping)) {
		struct kvmx_run run;
		memset(&run, 0, sizeof(run));
		run.flags = (uint32_t)r->flags_next;
		run.rip = r->rip_next;
		run.max_exits = run_budget(r);
		r->flags_next = 0;
		if (r->queue_n && !r->held) {
			run.flags |= KVMX_RUN_INJECT_READY;
			run.inject_info = r->queue[0];
			run.inject_error = r->queue_err[0];
			r->outstanding[r->queue[0] & 0xff]++;
			atomic_fetch_add(&r->b.injected, 1);
			memmove(r->queue, r->queue + 1, --r->queue_n * sizeof(r->queue[0]));
			memmove(r->queue_err, r->queue_err + 1, r->queue_n * sizeof(r->queue_err[0]));
		}
		if (ioctl(r->vcpu, KVMX_RUN, &run)) {
			if (errno == EINTR)
				continue;
			host_error(r, "KVMX_RUN: %s", strerror(errno));
			break;
		}
		atomic_store(&r->ring_dropped, run.ring_dropped);
		r->held = run.event_held;
		drain(r, run.stop);
		if (r->b.end == XS_END_RUNNING)
			end_by_stop(r, &run);
		if (r->guest_done && r->b.end == XS_END_RUNNING)
			r->b.end = XS_END_DONE;
	}
	pthread_mutex_lock(&r->b.lock);
	if (r->b.end == XS_END_RUNNING)
		r->b.end = XS_END_STOPPED;
	r->b.worker_done = true;
	pthread_cond_broadcast(&r->b.cond);
	pthread_mutex_unlock(&r->b.lock);
	return NULL;
}

static void kick_noop(int signo)
{
	(void)signo; /* a pending signal is what ends KVMX_RUN; nothing to do here */
}

/* ---- ops ---- */

static void meta_start(struct mod_run *r, const struct xs_guest *guest, const struct kvmx_control_req *req,
		       const struct kvmx_caps_info *ci)
{
	xs_vmx_meta_run(&r->b.out, guest, "vmx-module", r->b.started_ns);
	xs_vmx_out_meta(&r->b.out, "vmx.host", "module");
	xs_vmx_out_meta(&r->b.out, "vmx.device", xs_vmx_module_path());
	xs_sink_metaf(r->b.sink, "vmx.basic", "0x%llx", (unsigned long long)ci->basic);
	xs_vmx_out_meta(&r->b.out, "vmx.time_unit", "tsc-ticks (the host CPU's TSC)");
	char forced[256] = "";
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++)
		if (req->forced_on & (1ull << i))
			snprintf(forced + strlen(forced), sizeof(forced) - strlen(forced), "%s%s", forced[0] ? "," : "",
				 kvmx_control_info((enum kvmx_ctl)i)->key);
	xs_vmx_out_meta(&r->b.out, "vmx.module.forced_on", forced[0] ? forced : "none");
	xs_vmx_out_meta(&r->b.out, "vmx.module.msr_exits",
			"every RDMSR and WRMSR exits (the module refuses MSR bitmaps)");
	xs_sink_metaf(r->b.sink, "vmx.module.words", "pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x",
		      req->words[0], req->words[1], req->words[2], req->words[3], req->words[4]);
}

static void mod_destroy(void *impl);

/* Schedules the vmx backend has no answer for (by wall time), refused before the device is opened. */
static int check_schedules(const struct xs_controls *c, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < c->n_inject; i++)
		if (c->inject[i].when == XS_WHEN_PERIOD) {
			char text[96];
			xs_inject_format(&c->inject[i], text, sizeof(text));
			return ERR("control inject: '%s': the vmx backend schedules by exits (@hlt, @N, @every:N, "
				   "@io:PORT), not by wall time",
				   text);
		}
	return 0;
}

/* What needs a module newer than the first ABI version 1 (kvmx_caps_info.features), refused by name. */
static int check_features(const struct xs_launch_config *cfg, const struct xs_controls *c, uint64_t features, char *err,
			  size_t errlen)
{
	const uint64_t mmio = KVMX_FEAT_EPT_RANGE | KVMX_FEAT_SET_RIP | KVMX_FEAT_RUN_STATE;
	if (c->n_inject && !(features & KVMX_FEAT_INJECT_READY))
		return ERR("control inject: this kmod_vmx.ko cannot hold an event until the guest can take it (no "
			   "KVMX_FEAT_INJECT_READY): load a newer module or use --vmx-host bochs");
	if ((c->readonly.n || (cfg->guest && !strcmp(cfg->guest, "mmio"))) && (features & mmio) != mmio)
		return ERR("%s: this kmod_vmx.ko has no unmapped or read-only guest ranges (no KVMX_FEAT_EPT_RANGE): "
			   "load a newer module or use --vmx-host bochs",
			   c->readonly.n ? "control memory.readonly" : "guest mmio");
	return 0;
}

/* The launcher's hole (0xa0000-0xbffff: every access is MMIO) and the memory.readonly ranges, in the EPT. */
static int map_ranges(struct mod_run *r, char *err, size_t errlen)
{
	if (!(r->features & KVMX_FEAT_EPT_RANGE))
		return 0; /* check_features refused what needs them */
	struct kvmx_ept_range hole = {
		.gpa = XS_GPA_HOLE, .size = XS_GPA_HOLE_END - XS_GPA_HOLE, .access = KVMX_EPT_NONE};
	if (r->mem_bytes < XS_GPA_HOLE_END)
		hole.size = r->mem_bytes > XS_GPA_HOLE ? r->mem_bytes - XS_GPA_HOLE : 0;
	if (hole.size && ioctl(r->vcpu, KVMX_SET_EPT_RANGE, &hole))
		return ERR("unmapping guest-physical 0x%x-0x%x: %s", XS_GPA_HOLE, XS_GPA_HOLE_END - 1, strerror(errno));
	for (unsigned int i = 0; i < r->b.ctl.readonly.n; i++) {
		uint64_t lo = r->b.ctl.readonly.r[i].lo & ~0xfffull, hi = (r->b.ctl.readonly.r[i].hi | 0xfff) + 1;
		if (hi > r->mem_bytes)
			hi = r->mem_bytes;
		if (lo >= hi)
			continue; /* beyond guest memory: nothing there to protect */
		struct kvmx_ept_range ro = {.gpa = lo, .size = hi - lo, .access = KVMX_EPT_RX};
		if (ioctl(r->vcpu, KVMX_SET_EPT_RANGE, &ro))
			return ERR("control memory.readonly: 0x%llx-0x%llx: %s", (unsigned long long)lo,
				   (unsigned long long)hi - 1, strerror(errno));
	}
	return 0;
}

static int check_config(const struct xs_launch_config *cfg, char *err, size_t errlen)
{
	if (xs_vmx_check_guest(cfg, "", err, errlen))
		return -1;
	if (cfg->mem_mb < 1 || cfg->mem_mb > MOD_MAX_MEM_MB)
		return ERR("--mem %llu: the module gives a guest 1-%d MiB", (unsigned long long)cfg->mem_mb,
			   MOD_MAX_MEM_MB);
	if (cfg->cpu_model)
		return ERR("--cpu-model %s: the module runs guests on this host's CPU (--vmx-host bochs emulates "
			   "models)",
			   cfg->cpu_model);
	return check_schedules(&cfg->controls, err, errlen);
}

/* The module's VM and its guest memory, mapped here; vc->ring_bytes says how large the vCPU's ring is. */
static int create_vm(struct mod_run *r, struct kvmx_vm_config *vc, char *err, size_t errlen)
{
	r->mem_bytes = r->b.cfg.mem_mb << 20;
	*vc = (struct kvmx_vm_config){
		.version = KVMX_ABI_VERSION, .ring_slots = MOD_RING_SLOTS, .mem_size = r->mem_bytes};
	if (ioctl(r->fd, KVMX_CREATE_VM, vc))
		return ERR("the module refused the VM: %s", vc->msg[0] ? vc->msg : strerror(errno));
	r->mem = mmap(NULL, r->mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED)
		return ERR("mapping the guest's memory from the module: %s", strerror(errno));
	return 0;
}

/* The guest into the module's memory, laid out as every backend's guest sees it; its entry registers. */
static int load_guest(struct mod_run *r, struct kvmx_regs *regs, const struct xs_guest **guest, char *err,
		      size_t errlen)
{
	const struct xs_launch_config *cfg = &r->b.cfg;
	struct xs_loaded_guest lg;
	if (xs_guest_load(cfg, &lg, err, errlen))
		return -1;
	r->own_exceptions = lg.own_exceptions;
	struct xs_vm_spec spec = {.mode = cfg->mode,
				  .mem_bytes = r->mem_bytes,
				  .vcpus = 1,
				  .image = &lg.img,
				  .entry = lg.entry,
				  .iterations = cfg->iterations};
	memcpy(spec.args, cfg->args, sizeof(spec.args));
	xs_guest_mem_fill(r->mem, &spec);
	kvmx_entry_regs(regs, cfg->mode, lg.entry);
	*guest = lg.guest;
	xs_guest_loaded_free(&lg);
	return 0;
}

/* The vCPU with its record ring, read-only and MMIO ranges, entry state and controls. */
static int create_vcpu(struct mod_run *r, size_t ring_bytes, const struct kvmx_regs *regs, struct kvmx_control_req *req,
		       char *err, size_t errlen)
{
	r->vcpu = ioctl(r->fd, KVMX_CREATE_VCPU, 0);
	if (r->vcpu < 0)
		return ERR("the module refused a vCPU: %s", strerror(errno));
	r->ring_bytes = ring_bytes;
	r->ring = mmap(NULL, r->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
	if (r->ring == MAP_FAILED)
		return ERR("mapping the record ring: %s", strerror(errno));
	if (map_ranges(r, err, errlen))
		return -1;
	if (ioctl(r->vcpu, KVMX_SET_REGS, regs))
		return ERR("the module refused the guest's entry state: %s", strerror(errno));
	if (ioctl(r->vcpu, KVMX_SET_CONTROLS, req))
		return ERR("the module refused the controls: %s", req->msg[0] ? req->msg : strerror(errno));
	r->extint_forced = req->forced_on & (1ull << KVMX_CTL_BIT_EXTINT_EXITING);
	return 0;
}

/* What the module does differently from what was asked, said once at the start. */
static void report_host_notes(struct mod_run *r, const struct kvmx_control_req *req)
{
	if (req->forced_on) {
		char note[320] = "note: the module forces on";
		for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++)
			if (req->forced_on & (1ull << i))
				snprintf(note + strlen(note), sizeof(note) - strlen(note), " vmx.%s",
					 kvmx_control_info((enum kvmx_ctl)i)->key);
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 " for the host's safety (vmx.module.forced_on; host interrupts are EXTERNAL_INTERRUPT exits)");
		xs_launch_report(&r->b.cfg, "%s", note);
	}
	if ((r->b.ctl.given & (1u << XS_CTL_MSR_EXIT_READ | 1u << XS_CTL_MSR_EXIT_WRITE)) && !req->n_msr)
		xs_launch_report(&r->b.cfg, "%s",
				 "note: the module makes every RDMSR and WRMSR exit (it refuses MSR bitmaps): "
				 "msr.exit_read and msr.exit_write are a subset of the MSR exits here");
}

static int mod_create(const struct xs_launch_config *cfg, struct xs_sink *sink, void **impl, char *err, size_t errlen)
{
	if (check_config(cfg, err, errlen))
		return -1;
	struct mod_run *r = xs_calloc(1, sizeof(*r));
	xs_vmx_base_init(&r->b, cfg, sink);
	r->fd = r->vcpu = -1;
	r->mem = MAP_FAILED;
	r->ring = MAP_FAILED;
	*impl = r;

	struct kvmx_control_req req;
	struct kvmx_caps_info ci;
	struct kvmx_vm_config vc;
	struct kvmx_regs regs;
	const struct xs_guest *guest;
	if (build_request(cfg, &r->b.ctl, &req, err, errlen))
		goto fail;
	r->fd = open_module(err, errlen);
	if (r->fd < 0 || read_caps(r->fd, &ci, err, errlen))
		goto fail;
	r->features = ci.features;
	if (check_features(cfg, &r->b.ctl, r->features, err, errlen) || create_vm(r, &vc, err, errlen) ||
	    load_guest(r, &regs, &guest, err, errlen) || create_vcpu(r, vc.ring_bytes, &regs, &req, err, errlen))
		goto fail;
	r->b.started_ns = xs_now_ns();
	meta_start(r, guest, &req, &ci);
	report_host_notes(r, &req);
	return 0;
fail:
	mod_destroy(r);
	*impl = NULL;
	return -1;
}

static int mod_start(void *impl, char *err, size_t errlen)
{
	struct mod_run *r = impl;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_noop;
	sigemptyset(&sa.sa_mask);
	sigaction(r->b.cfg.kick_signal ? r->b.cfg.kick_signal : SIGUSR1, &sa, NULL);
	int rc = pthread_create(&r->thread, NULL, vcpu_thread, r);
	if (rc)
		return ERR("cannot start the vCPU thread: %s", strerror(rc));
	r->b.worker_started = true;
	return 0;
}

static void mod_stop(void *impl, const char *why)
{
	struct mod_run *r = impl;
	pthread_mutex_lock(&r->b.lock);
	if (!r->b.stop_why)
		r->b.stop_why = why ? why : "interrupted";
	atomic_store(&r->stopping, true);
	bool kick = r->b.worker_started && !r->b.worker_done;
	pthread_mutex_unlock(&r->b.lock);
	if (kick)
		pthread_kill(r->thread, r->b.cfg.kick_signal ? r->b.cfg.kick_signal : SIGUSR1);
}

static void mod_counters(const void *impl, struct xs_launch_counters *c)
{
	const struct mod_run *r = impl;
	xs_vmx_base_counters(&r->b, c);
	c->lost += atomic_load(&r->ring_dropped) + atomic_load(&r->ring_bad);
}

static int mod_join(void *impl)
{
	struct mod_run *r = impl;
	if (r->b.worker_started) {
		pthread_join(r->thread, NULL);
		r->b.worker_started = false;
	}
	if (r->b.end == XS_END_GUEST_ERROR || r->b.end == XS_END_HOST_ERROR)
		xs_launch_report(&r->b.cfg, "%s", r->b.message);
	struct xs_launch_counters c;
	mod_counters(r, &c);
	xs_vmx_meta_end(&r->b.out, r->b.end, r->b.stop_why, r->b.message, &c);
	xs_sink_metaf(r->b.sink, "counter.lost.ring", "%llu", (unsigned long long)atomic_load(&r->ring_dropped));
	xs_sink_metaf(r->b.sink, "counter.lost.ring_bad", "%llu", (unsigned long long)atomic_load(&r->ring_bad));
	return xs_vmx_base_flush(&r->b);
}

static void mod_destroy(void *impl)
{
	struct mod_run *r = impl;
	if (!r)
		return;
	if (r->b.worker_started) {
		mod_stop(r, "interrupted");
		pthread_join(r->thread, NULL);
	}
	if (r->ring != MAP_FAILED)
		munmap(r->ring, r->ring_bytes);
	if (r->mem != MAP_FAILED)
		munmap(r->mem, r->mem_bytes);
	if (r->vcpu >= 0)
		close(r->vcpu);
	if (r->fd >= 0)
		close(r->fd);
	xs_vmx_base_destroy(&r->b);
	free(r);
}

const struct xs_launch_backend xs_backend_vmx_module = {
	.name = "vmx-module",
	.create = mod_create,
	.start = mod_start,
	.wait = xs_vmx_base_wait,
	.stop = mod_stop,
	.join = mod_join,
	.counters = mod_counters,
	.end = xs_vmx_base_end,
	.stat_delta = xs_vmx_base_stat_delta,
	.unsupported = xs_vmx_base_unsupported,
	.destroy = mod_destroy,
};
