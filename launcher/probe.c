// SPDX-License-Identifier: MIT
#include "launcher/probe.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "launcher/guests.h"
#include "launcher/launcher_internal.h"
#include "launcher/kvmstat.h"
#include "launcher/probe_abi.h"
#include "launcher/record_fill.h"
#include "launcher/vm.h"

#define MAX_PROBE_EXITS 64
#define PROBE_TIMEOUT_NS 300000000ull
#define SCRATCH_GPA 0x60000 /* free RAM below the stacks for data breakpoints */

struct probe {
	const struct xs_kvmdev *k;
	uint64_t mem_bytes;
	int kick_signal;
	struct xs_probe_facts *facts;
	char err[256];
	bool ran; /* err: the probe VM was built, its run failed */
};

/* What one probe run saw. */
struct outcome {
	struct xs_exit_record exits[MAX_PROBE_EXITS];
	unsigned int n;
	bool done, timed_out;
	uint32_t results[4];
	unsigned int nresults;
	uint32_t vectors[8];
	unsigned int nvectors;
	uint64_t stat_exits; /* change of the vCPU's "exits" statistic, or UINT64_MAX */
};

/* What to do at the first HLT exit (injection probes) and whether to ask for an interrupt window. */
struct probe_action {
	uint32_t args[4];
	const struct xs_inject *inject_at_hlt;
	bool window_at_hlt;
	bool set_rf; /* after a breakpoint exit, set RFLAGS.RF as the launcher does */
};

static void answer(struct kvm_run *run, size_t run_size, uint32_t reason, struct outcome *o)
{
	if (reason == KVM_EXIT_IO && run->io.data_offset + (uint64_t)run->io.size * run->io.count <= run_size) {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		uint32_t v = 0;
		if (run->io.direction == KVM_EXIT_IO_IN) {
			memset(data, 0xff, (size_t)run->io.size * run->io.count);
			return;
		}
		memcpy(&v, data, run->io.size < 4 ? run->io.size : 4);
		if (run->io.port == XS_PORT_DONE)
			o->done = true;
		else if (run->io.port == XS_PORT_RESULT && o->nresults < 4)
			o->results[o->nresults++] = v;
		else if (run->io.port == XS_PORT_VECTOR && o->nvectors < 8)
			o->vectors[o->nvectors++] = v & 0xff;
	} else if (reason == KVM_EXIT_MMIO && !run->mmio.is_write) {
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	} else if (reason == KVM_EXIT_X86_RDMSR || reason == KVM_EXIT_X86_WRMSR) {
		run->msr.error = 0; /* the probe's MSR accesses never reach KVM's MSRs */
		run->msr.data = 0;
	}
}

static int arm_timeout(struct probe *p, timer_t *t)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = p->kick_signal;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, t))
		return -1;
	struct itimerspec its = {.it_value = {0, (long)PROBE_TIMEOUT_NS}};
	return timer_settime(*t, 0, &its, NULL);
}

/* At the first HLT, the injection probes' event and interrupt window; RFLAGS.RF after a breakpoint. */
static int act_on_exit(struct probe *p, struct xs_vcpu *v, const struct probe_action *a, uint32_t reason, bool *acted)
{
	if (reason == KVM_EXIT_DEBUG && a->set_rf && xs_vcpu_set_rf(v, p->err, sizeof(p->err)))
		return -1;
	if (reason != KVM_EXIT_HLT || *acted) {
		v->run->request_interrupt_window = 0;
		return 0;
	}
	*acted = true;
	if (a->inject_at_hlt) {
		struct xs_pending_event e = xs_pending_of(a->inject_at_hlt);
		bool done;
		if (xs_inject_event(v, &e, &done, p->err, sizeof(p->err)))
			return -1;
	}
	if (a->window_at_hlt)
		v->run->request_interrupt_window = 1;
	return 0;
}

/*
 * Run the probe VM's vCPU until the guest is done, MAX_PROBE_EXITS, a fatal exit or the timeout. -1 with
 * p->err when KVM_RUN or what the probe does at an exit failed.
 */
static int loop(struct probe *p, struct xs_vcpu *v, const struct probe_action *a, struct outcome *o)
{
	struct kvm_run *run = v->run;
	struct xs_fill_ctx fill = {0, 0, 0, XS_GS_REGS};
	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	bool acted = false;
	uint64_t deadline = xs_now_ns() + PROBE_TIMEOUT_NS;
	while (o->n < MAX_PROBE_EXITS && !o->done) {
		int err;
		uint32_t reason = xs_vcpu_run_once(v, &err);
		if (err)
			return snprintf(p->err, sizeof(p->err), "KVM_RUN failed: %s", strerror(err)), -1;
		if (reason == KVM_EXIT_INTR && xs_now_ns() >= deadline) {
			o->timed_out = true;
			return 0;
		}
		struct xs_exit_record *r = &o->exits[o->n++];
		xs_fill_begin(r, run, reason, &fill);
		answer(run, v->run_size, reason, o);
		xs_fill_detail(r, run, v->run_size, reason);
		if (getenv("XS_PROBE_DEBUG"))
			fprintf(stderr, "probe exit %u rip %llx dbg exc %u dr6 %llx ready %u if %u\n", reason,
				(unsigned long long)run->s.regs.regs.rip, run->debug.arch.exception,
				(unsigned long long)run->debug.arch.dr6, run->ready_for_interrupt_injection,
				run->if_flag);
		if (reason == KVM_EXIT_SHUTDOWN || reason == KVM_EXIT_INTERNAL_ERROR || reason == KVM_EXIT_FAIL_ENTRY)
			return 0;
		if (act_on_exit(p, v, a, reason, &acted))
			return -1;
	}
	return 0;
}

/*
 * Run the probe guest once with controls c and the given action. -1 with p->err when the VM could not be
 * built (p->ran false) or its run failed (p->ran true).
 */
static int run_probe(struct probe *p, const struct xs_controls *c, const struct probe_action *a, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->stat_exits = UINT64_MAX;
	const struct xs_guest_blob *blob = xs_guest_image("probe", 64);
	struct xs_image img = {.n = 1, .seg = {{XS_GPA_GUEST, blob->image, blob->size, blob->size}}};
	struct xs_vm_spec spec = {
		.mode = 64,
		.mem_bytes = p->mem_bytes,
		.vcpus = 1,
		.image = &img,
		.entry = XS_GPA_GUEST,
		.iterations = 1,
		.controls = c,
	};
	memcpy(spec.args, a->args, sizeof(spec.args));
	struct xs_vm *vm;
	p->ran = false;
	if (xs_vm_create(p->k->fd, p->k->run_size, &spec, &vm, p->err, sizeof(p->err)))
		return -1;
	p->ran = true;
	struct xs_kvmstat stats;
	char serr[128];
	uint64_t *before = NULL, *after = NULL;
	int idx = -1;
	if (!xs_kvmstat_open(&stats, vm->vcpus[0].fd, serr, sizeof(serr))) {
		before = xs_calloc(stats.n + 1, sizeof(*before));
		after = xs_calloc(stats.n + 1, sizeof(*after));
		idx = xs_kvmstat_find(&stats, "exits");
		xs_kvmstat_read(&stats, before);
	} else {
		stats.n = 0;
	}
	timer_t t;
	bool timer = !arm_timeout(p, &t);
	xs_vcpu_set_current_run(vm->vcpus[0].run);
	int rc = loop(p, &vm->vcpus[0], a, o);
	xs_vcpu_set_current_run(NULL);
	if (timer)
		timer_delete(t);
	if (before) {
		if (idx >= 0 && !xs_kvmstat_read(&stats, after))
			o->stat_exits = after[idx] - before[idx];
		xs_kvmstat_close(&stats);
		free(before);
		free(after);
	}
	xs_vm_destroy(vm);
	return rc;
}

static const struct xs_exit_record *find_exit(const struct outcome *o, uint32_t reason)
{
	for (unsigned int i = 0; i < o->n; i++)
		if (o->exits[i].reason == reason)
			return &o->exits[i];
	return NULL;
}

static const struct xs_guest_blob *probe_blob(void)
{
	return xs_guest_image("probe", 64);
}

/* ---- one checker per control; each returns NULL when the effect is there, else why not ---- */

typedef const char *(*checker)(struct probe *p, const struct xs_controls *only, char *why, size_t len);

/* run_probe failed: why, for the checker to return. */
static const char *probe_failed(const struct probe *p, char *why, size_t len)
{
	snprintf(why, len, "cannot %s a probe VM: %s", p->ran ? "run" : "build", p->err);
	return why;
}

static const char *check_disable_exits(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	struct outcome *o = xs_malloc(sizeof(*o)), *base = xs_malloc(sizeof(*base));
	const char *res = NULL;
	if (only->disable_exits & (XS_DISABLE_CSTATE | XS_DISABLE_MWAIT)) {
		/* First see whether KVM takes them at all: that refusal is the clearer message. */
		struct probe_action a = {.args = {PROBE_HLT}};
		if (run_probe(p, only, &a, o)) {
			const char *e = p->err;
			if (!strncmp(e, "exits.disable: ", 15))
				e += 15;
			snprintf(why, len, "%s", e);
			res = why;
		} else {
			res = "cstate and mwait have no effect the launcher can observe, so it cannot verify them";
		}
		goto out;
	}
	if (only->disable_exits & XS_DISABLE_HLT) {
		struct probe_action a = {.args = {PROBE_HLT}};
		if (run_probe(p, only, &a, o)) {
			res = probe_failed(p, why, len);
			goto out;
		}
		if (find_exit(o, KVM_EXIT_HLT)) {
			res = "the host accepts KVM_X86_DISABLE_EXITS_HLT but HLT still exits to user space";
			goto out;
		}
	}
	if (only->disable_exits & XS_DISABLE_PAUSE) {
		struct xs_controls none;
		xs_controls_init(&none);
		struct probe_action a = {.args = {PROBE_PAUSE, 200000}};
		if (run_probe(p, &none, &a, base) || run_probe(p, only, &a, o)) {
			res = probe_failed(p, why, len);
			goto out;
		}
		if (base->stat_exits == UINT64_MAX || base->stat_exits < 100) {
			res = "PAUSE loops make no counted exits on this host even without the control, so its effect "
			      "cannot be verified";
		} else if (o->stat_exits > base->stat_exits / 2) {
			snprintf(why, len,
				 "the host accepts KVM_X86_DISABLE_EXITS_PAUSE but a PAUSE loop still made %llu "
				 "exits (%llu without it)",
				 (unsigned long long)o->stat_exits, (unsigned long long)base->stat_exits);
			res = why;
		}
	}
out:
	free(o);
	free(base);
	return res;
}

static const char *expect_msr_exit(struct probe *p, const struct xs_controls *only, uint32_t action, uint32_t msr,
				   uint32_t reason, uint8_t kvm_reason, char *why, size_t len)
{
	struct outcome *o = xs_malloc(sizeof(*o));
	struct probe_action a = {.args = {action, msr, 0, 0}};
	const char *res = NULL;
	if (run_probe(p, only, &a, o)) {
		res = probe_failed(p, why, len);
	} else {
		const struct xs_exit_record *r = find_exit(o, reason);
		if (!r || r->detail.msr.index != msr || r->detail.msr.kvm_reason != kvm_reason) {
			snprintf(why, len,
				 "%s of MSR 0x%x did not exit to user space although KVM accepted the setting",
				 action == PROBE_RDMSR ? "RDMSR" : "WRMSR", msr);
			res = why;
		}
	}
	free(o);
	return res;
}

static const char *check_msr_read(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	return expect_msr_exit(p, only, PROBE_RDMSR, (uint32_t)only->msr_read.r[0].lo, KVM_EXIT_X86_RDMSR,
			       KVM_MSR_EXIT_REASON_FILTER, why, len);
}

static const char *check_msr_write(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	return expect_msr_exit(p, only, PROBE_WRMSR, (uint32_t)only->msr_write.r[0].lo, KVM_EXIT_X86_WRMSR,
			       KVM_MSR_EXIT_REASON_FILTER, why, len);
}

static const char *check_msr_unknown(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	if (!only->msr_unknown)
		return NULL;
	return expect_msr_exit(p, only, PROBE_RDMSR, 0xdeadbeef, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_UNKNOWN, why,
			       len);
}

/* A debug control works when the probe action makes a KVM_EXIT_DEBUG matching exception and dr6_bits. */
static const char *expect_debug(struct probe *p, const struct xs_controls *only, const struct probe_action *a,
				uint32_t exception, uint64_t dr6_bits, const char *what, char *why, size_t len)
{
	struct outcome *o = xs_malloc(sizeof(*o));
	const char *res = NULL;
	if (run_probe(p, only, a, o)) {
		res = probe_failed(p, why, len);
	} else {
		const struct xs_exit_record *r = find_exit(o, KVM_EXIT_DEBUG);
		if (!r || r->detail.debug.exception != exception || (dr6_bits && !(r->detail.debug.dr6 & dr6_bits))) {
			snprintf(why, len, "%s made no KVM_EXIT_DEBUG although KVM accepted KVM_SET_GUEST_DEBUG", what);
			res = why;
		}
	}
	free(o);
	return res;
}

static const char *check_singlestep(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	if (!only->singlestep)
		return NULL;
	struct probe_action a = {.args = {PROBE_EXEC}};
	return expect_debug(p, only, &a, 1, 1u << 14, "single-stepping", why, len);
}

static unsigned int count_exits(const struct outcome *o, uint32_t reason)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < o->n; i++)
		n += o->exits[i].reason == reason;
	return n;
}

static const char *check_singlestep(struct probe *p, const struct xs_controls *only, char *why, size_t len);

/*
 * An execution breakpoint must fire once and then let the instruction run with RFLAGS.RF set. Hosts that
 * ignore RF (PVM emulates the breakpoint check) re-report it forever: the launcher then steps over the
 * breakpoint with a single step, which must work.
 */
static const char *check_exec_breakpoint(struct probe *p, char *why, size_t len)
{
	struct xs_controls c;
	xs_controls_init(&c);
	c.n_hwbp = 1;
	c.hwbp[0] =
		(struct xs_hwbp){.addr = xs_guest_symbol(probe_blob(), "probe_target"), .type = XS_HWBP_EXEC, .len = 1};
	struct probe_action a = {.args = {PROBE_EXEC}, .set_rf = true};
	struct outcome *o = xs_malloc(sizeof(*o));
	const char *res = NULL;
	if (run_probe(p, &c, &a, o)) {
		res = probe_failed(p, why, len);
	} else if (!count_exits(o, KVM_EXIT_DEBUG)) {
		res = "an execution breakpoint made no KVM_EXIT_DEBUG although KVM accepted KVM_SET_GUEST_DEBUG";
	} else if (!o->done) {
		p->facts->rf_ignored = true;
		struct xs_controls step;
		xs_controls_init(&step);
		step.singlestep = true;
		if (check_singlestep(p, &step, why, len))
			res = "the host ignores RFLAGS.RF after an execution breakpoint and cannot single-step over it";
	}
	free(o);
	return res;
}

static const char *check_hwbp(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	/* One probe per breakpoint type used, with a breakpoint of that type on the probe's own data. */
	static const struct {
		enum xs_hwbp_type type;
		uint32_t action;
		const char *what;
	} kinds[] = {{XS_HWBP_WRITE, PROBE_WRITE, "a write breakpoint"},
		     {XS_HWBP_RW, PROBE_READ, "a read/write breakpoint"}};
	bool exec = false;
	for (unsigned int i = 0; i < only->n_hwbp; i++)
		exec |= only->hwbp[i].type == XS_HWBP_EXEC;
	if (exec) {
		const char *res = check_exec_breakpoint(p, why, len);
		if (res)
			return res;
	}
	for (size_t k = 0; k < XS_ARRAY_SIZE(kinds); k++) {
		bool used = false;
		for (unsigned int i = 0; i < only->n_hwbp; i++)
			used |= only->hwbp[i].type == kinds[k].type;
		if (!used)
			continue;
		struct xs_controls c;
		xs_controls_init(&c);
		c.n_hwbp = 1;
		c.hwbp[0] = (struct xs_hwbp){.addr = SCRATCH_GPA, .type = kinds[k].type, .len = 1};
		struct probe_action a = {.args = {kinds[k].action, SCRATCH_GPA}};
		const char *res = expect_debug(p, &c, &a, 1, 1, kinds[k].what, why, len);
		if (res)
			return res;
	}
	return NULL;
}

static const char *check_intercept(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	if (only->intercept & XS_INTERCEPT_BP) {
		struct xs_controls c;
		xs_controls_init(&c);
		c.intercept = XS_INTERCEPT_BP;
		struct probe_action a = {.args = {PROBE_INT3}};
		if (expect_debug(p, &c, &a, 3, 0, "INT3 with #BP interception (KVM_GUESTDBG_USE_SW_BP)", why, len))
			return why;
	}
	if (only->intercept & XS_INTERCEPT_DB) {
		struct xs_controls c;
		xs_controls_init(&c);
		c.intercept = XS_INTERCEPT_DB;
		struct probe_action a = {.args = {PROBE_TF}};
		if (expect_debug(p, &c, &a, 1, 1u << 14, "a guest single-step trap with #DB interception", why, len))
			return why;
	}
	return NULL;
}

static const char *check_irq_window(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	if (!only->irq_window)
		return NULL;
	struct outcome *o = xs_malloc(sizeof(*o));
	struct probe_action a = {.args = {PROBE_STI_HLT}, .window_at_hlt = true};
	const char *res = NULL;
	if (run_probe(p, only, &a, o)) {
		res = probe_failed(p, why, len);
	} else if (!find_exit(o, KVM_EXIT_IRQ_WINDOW_OPEN)) {
		res = "requesting an interrupt window with interrupts enabled made no KVM_EXIT_IRQ_WINDOW_OPEN";
	}
	free(o);
	return res;
}

static const char *check_inject(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	/* the first injection of each kind */
	for (int kind = XS_INJ_IRQ; kind <= XS_INJ_EXC; kind++) {
		const struct xs_inject *in = NULL;
		for (unsigned int i = 0; i < only->n_inject && !in; i++)
			if (only->inject[i].kind == (enum xs_inject_kind)kind)
				in = &only->inject[i];
		if (!in)
			continue;
		struct outcome *o = xs_malloc(sizeof(*o));
		struct probe_action a = {.args = {PROBE_STI_HLT}, .inject_at_hlt = in};
		struct xs_controls none;
		xs_controls_init(&none);
		const char *res = NULL;
		if (run_probe(p, &none, &a, o)) {
			res = probe_failed(p, why, len);
		} else {
			bool seen = false;
			for (unsigned int i = 0; i < o->nvectors; i++)
				seen |= o->vectors[i] == in->vector;
			if (!seen) {
				char desc[64];
				xs_inject_format(in, desc, sizeof(desc));
				snprintf(why, len, "an injected %s never reached the probe guest's handler", desc);
				res = why;
			}
		}
		free(o);
		if (res)
			return res;
	}
	return NULL;
}

static uint32_t result_reg(const struct outcome *o, enum xs_cpuid_reg r)
{
	return o->results[r];
}

static const char *check_cpuid(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
	for (unsigned int i = 0; i < only->n_cpuid; i++) {
		const struct xs_cpuid_override *ov = &only->cpuid[i];
		struct outcome *o = xs_malloc(sizeof(*o));
		struct probe_action a = {.args = {PROBE_CPUID, ov->leaf, ov->subleaf}};
		const char *res = NULL;
		if (run_probe(p, only, &a, o)) {
			res = probe_failed(p, why, len);
		} else if (o->nresults != 4) {
			res = "the probe guest did not report its CPUID result";
		} else if (result_reg(o, ov->reg) != ov->value) {
			snprintf(why, len,
				 "cpuid.0x%x.%s: set to 0x%x but the guest reads 0x%x (KVM changes this value)",
				 ov->leaf, regs[ov->reg], ov->value, result_reg(o, ov->reg));
			res = why;
		}
		free(o);
		if (res)
			return res;
	}
	return NULL;
}

static const char *check_readonly(struct probe *p, const struct xs_controls *only, char *why, size_t len)
{
	struct outcome *o = xs_malloc(sizeof(*o));
	uint64_t gpa = only->readonly.r[0].lo;
	struct probe_action a = {.args = {PROBE_WRITE, (uint32_t)gpa}};
	const char *res = NULL;
	if (gpa > UINT32_MAX) {
		res = "read-only ranges must lie below 4 GiB";
	} else if (run_probe(p, only, &a, o)) {
		res = probe_failed(p, why, len);
	} else {
		const struct xs_exit_record *r = find_exit(o, KVM_EXIT_MMIO);
		if (!r || !r->detail.mmio.is_write || r->detail.mmio.gpa != gpa) {
			snprintf(why, len, "a write to read-only 0x%llx did not exit as MMIO", (unsigned long long)gpa);
			res = why;
		}
	}
	free(o);
	return res;
}

/* The controls that need KVM, each with the part of xs_controls that carries it. */
static void only_key(const struct xs_controls *c, enum xs_control_key k, struct xs_controls *only)
{
	xs_controls_init(only);
	only->given = 1u << k;
	switch (k) {
	case XS_CTL_MSR_EXIT_READ:
		only->msr_read = c->msr_read;
		break;
	case XS_CTL_MSR_EXIT_WRITE:
		only->msr_write = c->msr_write;
		break;
	case XS_CTL_MSR_EXIT_UNKNOWN:
		only->msr_unknown = c->msr_unknown;
		break;
	case XS_CTL_EXITS_DISABLE:
		only->disable_exits = c->disable_exits;
		break;
	case XS_CTL_DEBUG_SINGLESTEP:
		only->singlestep = c->singlestep;
		break;
	case XS_CTL_DEBUG_HWBP:
		only->n_hwbp = c->n_hwbp;
		memcpy(only->hwbp, c->hwbp, sizeof(c->hwbp));
		break;
	case XS_CTL_DEBUG_INTERCEPT:
		only->intercept = c->intercept;
		break;
	case XS_CTL_IRQ_WINDOW:
		only->irq_window = c->irq_window;
		break;
	case XS_CTL_INJECT:
		only->n_inject = c->n_inject;
		memcpy(only->inject, c->inject, sizeof(c->inject));
		break;
	case XS_CTL_CPUID:
		only->n_cpuid = c->n_cpuid;
		memcpy(only->cpuid, c->cpuid, sizeof(c->cpuid));
		break;
	case XS_CTL_MEMORY_READONLY:
		only->readonly = c->readonly;
		break;
	default:
		break;
	}
}

/* Is there anything to probe? (Keys set to their "off" value need nothing.) */
static bool active(const struct xs_controls *only, enum xs_control_key k)
{
	switch (k) {
	case XS_CTL_MSR_EXIT_READ:
		return only->msr_read.n;
	case XS_CTL_MSR_EXIT_WRITE:
		return only->msr_write.n;
	case XS_CTL_EXITS_DISABLE:
		return only->disable_exits;
	case XS_CTL_DEBUG_HWBP:
		return only->n_hwbp;
	case XS_CTL_DEBUG_INTERCEPT:
		return only->intercept;
	case XS_CTL_INJECT:
		return only->n_inject;
	case XS_CTL_CPUID:
		return only->n_cpuid;
	case XS_CTL_MEMORY_READONLY:
		return only->readonly.n;
	default:
		return true;
	}
}

static const checker checkers[XS_CTL_COUNT] = {
	[XS_CTL_MSR_EXIT_READ] = check_msr_read,
	[XS_CTL_MSR_EXIT_WRITE] = check_msr_write,
	[XS_CTL_MSR_EXIT_UNKNOWN] = check_msr_unknown,
	[XS_CTL_EXITS_DISABLE] = check_disable_exits,
	[XS_CTL_DEBUG_SINGLESTEP] = check_singlestep,
	[XS_CTL_DEBUG_HWBP] = check_hwbp,
	[XS_CTL_DEBUG_INTERCEPT] = check_intercept,
	[XS_CTL_IRQ_WINDOW] = check_irq_window,
	[XS_CTL_INJECT] = check_inject,
	[XS_CTL_CPUID] = check_cpuid,
	[XS_CTL_MEMORY_READONLY] = check_readonly,
};

int xs_probe_controls(const struct xs_kvmdev *k, const struct xs_controls *c, uint64_t mem_bytes, int kick_signal,
		      void (*unsupported)(void *ctx, enum xs_control_key key, const char *reason), void *ctx,
		      struct xs_probe_facts *facts, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(facts, 0, sizeof(*facts));
	struct probe p = {.k = k, .mem_bytes = mem_bytes, .kick_signal = kick_signal, .facts = facts};
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, kick_signal);
	pthread_sigmask(SIG_UNBLOCK, &set, &old);
	for (unsigned int key = 0; key < XS_CTL_COUNT; key++) {
		if (!(c->given & (1u << key)) || !checkers[key])
			continue;
		struct xs_controls only;
		only_key(c, (enum xs_control_key)key, &only);
		if (!active(&only, (enum xs_control_key)key))
			continue;
		char why[384];
		const char *reason = checkers[key](&p, &only, why, sizeof(why));
		if (reason)
			unsupported(ctx, (enum xs_control_key)key, reason);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
