// SPDX-License-Identifier: MIT
/*
 * What the launcher does with each userspace exit: the tiny "machine" a guest sees (reserved ports, a
 * floating bus that reads all-ones, transparent MSR pass-through for filtered MSRs) and the decision to go on
 * or to stop the vCPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/util.h"
#include "decoder/decoder.h"
#include "launcher/launcher_internal.h"

#define MSG(...) (snprintf(msg, msglen, __VA_ARGS__))

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF",	 "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS",
	"#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE",	 "#CP",
};

static const char *vector_name(unsigned int v, char *buf, size_t len)
{
	if (v < 32 && exception_names[v])
		snprintf(buf, len, "exception %s (vector %u)", exception_names[v], v);
	else if (v < 32)
		snprintf(buf, len, "exception vector %u", v);
	else
		snprintf(buf, len, "interrupt vector 0x%x", v);
	return buf;
}

/*
 * The built-in guests' 32-bit runtime returns from interrupts without IRET (KVM's emulator cannot emulate a
 * protected-mode IRET; launcher/guests/runtime.S), so an NMI handler there cannot end NMI blocking. The
 * launcher does it (inject.c) when that runtime reports the NMI, as the IRET would have.
 */
/* A stub reported vector | rip << 8: injected by us, raised by the guest on purpose, or a real fault. */
static enum xs_exit_action vector_report(struct xs_vcpu_ctx *c, uint32_t value, char *msg, size_t msglen)
{
	unsigned int vector = value & 0xff;
	if (vector == 2 && c->l->guest && c->l->cfg.mode == 32 && xs_inject_end_nmi_blocking(c->v, msg, msglen))
		return XS_ACT_HOST_ERROR;
	if (c->outstanding[vector]) {
		c->outstanding[vector]--;
		atomic_fetch_add_explicit(&c->delivered, 1, memory_order_relaxed);
		return XS_ACT_CONTINUE;
	}
	if (vector < 32 && (c->l->own_exceptions & (1u << vector)))
		return XS_ACT_CONTINUE;
	char name[48];
	MSG("vcpu %u: unexpected %s in the guest at rip 0x%x", c->v->id, vector_name(vector, name, sizeof(name)),
	    value >> 8);
	return XS_ACT_GUEST_ERROR;
}

static enum xs_exit_action handle_io(struct xs_vcpu_ctx *c, char *msg, size_t msglen)
{
	struct kvm_run *run = c->v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	size_t bytes = (size_t)run->io.size * run->io.count;
	if (run->io.data_offset + (uint64_t)bytes > c->v->run_size) {
		MSG("vcpu %u: KVM reported I/O data outside the kvm_run mapping", c->v->id);
		return XS_ACT_HOST_ERROR;
	}
	if (run->io.direction == KVM_EXIT_IO_IN) {
		memset(data, 0xff, bytes); /* nothing answers: a floating bus reads all-ones */
		return XS_ACT_CONTINUE;
	}
	uint32_t value = 0;
	memcpy(&value, data, run->io.size < 4 ? run->io.size : 4);
	switch (run->io.port) {
	case XS_PORT_DONE:
		return XS_ACT_DONE;
	case XS_PORT_VECTOR:
		return run->io.size == 4 ? vector_report(c, value, msg, msglen) : XS_ACT_CONTINUE;
	case XS_PORT_FAIL:
		MSG("vcpu %u: the guest's self-check %u failed", c->v->id, value);
		return XS_ACT_GUEST_ERROR;
	default:
		return XS_ACT_CONTINUE;
	}
}

/* Filtered MSR accesses go to KVM's own MSR emulation, so filtering observes without changing behaviour. */
static void handle_msr(struct xs_vcpu_ctx *c, bool write)
{
	struct kvm_run *run = c->v->run;
	/* struct kvm_msrs ends in a flexible array: room for one entry after it */
	union {
		struct kvm_msrs msrs;
		uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m;
	memset(&m, 0, sizeof(m));
	m.msrs.nmsrs = 1;
	m.msrs.entries[0].index = run->msr.index;
	m.msrs.entries[0].data = run->msr.data;
	int done = ioctl(c->v->fd, write ? KVM_SET_MSRS : KVM_GET_MSRS, &m);
	run->msr.error = done == 1 ? 0 : 1; /* an MSR KVM does not know raises #GP in the guest */
	if (!write && done == 1)
		run->msr.data = m.msrs.entries[0].data;
}

/*
 * An execution breakpoint is a fault: resuming would hit it again. Where the host honours RFLAGS.RF (hardware
 * KVM) set it, so the instruction runs once, as a debugger does (an extra ioctl, only on breakpoint exits).
 * Where it does not (the probe found out), disable the breakpoints, single-step one instruction, and re-arm
 * them at the step's exit (end_step_over): that exit is the launcher's own, counted and not recorded.
 */
static int step_over_exec_breakpoint(struct xs_vcpu_ctx *c, char *msg, size_t msglen)
{
	const struct xs_controls *ctl = &c->l->ctl;
	const struct kvm_debug_exit_arch *d = &c->v->run->debug.arch;
	bool exec_hit = false;
	for (unsigned int i = 0; i < ctl->n_hwbp; i++)
		exec_hit |= (d->dr6 & (1u << i)) && ctl->hwbp[i].type == XS_HWBP_EXEC;
	if (!exec_hit || d->exception != 1)
		return 0;
	if (!c->l->facts.rf_ignored)
		return xs_vcpu_set_rf(c->v, msg, msglen);
	struct xs_controls step = *ctl;
	step.n_hwbp = 0;
	step.singlestep = true;
	if (xs_vcpu_apply_debug(c->v, &step, 0, msg, msglen))
		return -1;
	c->stepping_over = true;
	return 0;
}

/* The single step over a breakpoint ended: re-arm the breakpoints. */
static int end_step_over(struct xs_vcpu_ctx *c, char *msg, size_t msglen)
{
	const struct kvm_debug_exit_arch *d = &c->v->run->debug.arch;
	if (d->exception != 1 || !(d->dr6 & (1u << 14)))
		return 0;
	c->stepping_over = false;
	if (xs_vcpu_apply_debug(c->v, &c->l->ctl, 0, msg, msglen))
		return -1;
	if (!c->l->ctl.singlestep) { /* the user's own single-step exits are recorded as usual */
		c->internal_exit = true;
		atomic_fetch_add_explicit(&c->stepovers, 1, memory_order_relaxed);
	}
	return 0;
}

/* A #DB or #BP that exited only because debug.intercept asked: give it back to the guest. */
static void maybe_reinject_debug(struct xs_vcpu_ctx *c)
{
	const struct xs_controls *ctl = &c->l->ctl;
	const struct kvm_debug_exit_arch *d = &c->v->run->debug.arch;
	if (d->exception == 3 && (ctl->intercept & XS_INTERCEPT_BP)) {
		c->reinject = KVM_GUESTDBG_INJECT_BP;
		return;
	}
	if (d->exception != 1 || !(ctl->intercept & XS_INTERCEPT_DB))
		return;
	bool ours = (ctl->singlestep && (d->dr6 & (1u << 14))) || (d->dr6 & ((1u << ctl->n_hwbp) - 1));
	if (!ours)
		c->reinject = KVM_GUESTDBG_INJECT_DB;
}

static const char *internal_suberror(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failed";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected exit reason";
	default:
		return "unknown suberror";
	}
}

enum xs_exit_action xs_handle_exit(struct xs_vcpu_ctx *c, uint32_t reason, char *msg, size_t msglen)
{
	struct kvm_run *run = c->v->run;
	unsigned int id = c->v->id;
	switch (reason) {
	case KVM_EXIT_IO:
		return handle_io(c, msg, msglen);
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return XS_ACT_CONTINUE;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		handle_msr(c, reason == KVM_EXIT_X86_WRMSR);
		return XS_ACT_CONTINUE;
	case KVM_EXIT_DEBUG:
		if (c->stepping_over ? end_step_over(c, msg, msglen) : step_over_exec_breakpoint(c, msg, msglen))
			return XS_ACT_HOST_ERROR;
		if (!c->internal_exit)
			maybe_reinject_debug(c);
		return XS_ACT_CONTINUE;
	case KVM_EXIT_HLT:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_SET_TPR:
		return XS_ACT_CONTINUE;
	case KVM_EXIT_HYPERCALL:
		run->hypercall.ret = (uint64_t)-1000; /* -KVM_ENOSYS: no hypercalls here */
		return XS_ACT_CONTINUE;
	case KVM_EXIT_INTR:
		return atomic_load(&c->stop) ? XS_ACT_STOP : XS_ACT_CONTINUE;
	case KVM_EXIT_SHUTDOWN:
		MSG("vcpu %u: the guest triple-faulted (KVM_EXIT_SHUTDOWN)", id);
		return XS_ACT_GUEST_ERROR;
	case KVM_EXIT_FAIL_ENTRY:
		MSG("vcpu %u: VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx on cpu %u)", id,
		    (unsigned long long)run->fail_entry.hardware_entry_failure_reason, run->fail_entry.cpu);
		return XS_ACT_GUEST_ERROR;
	case KVM_EXIT_INTERNAL_ERROR:
		MSG("vcpu %u: KVM internal error %u (%s)", id, run->internal.suberror,
		    internal_suberror(run->internal.suberror));
		return XS_ACT_GUEST_ERROR;
	case KVM_EXIT_SYSTEM_EVENT: {
		static const char *const events[] = {"?",      "shutdown", "reset",   "crash",
						     "wakeup", "suspend",  "sev-term"};
		uint32_t t = run->system_event.type;
		MSG("vcpu %u: guest system event %u (%s, KVM_EXIT_SYSTEM_EVENT)", id, t,
		    t < XS_ARRAY_SIZE(events) ? events[t] : "unknown");
		return XS_ACT_GUEST_ERROR;
	}
	default: {
		const char *name = xs_reason_name(XS_ISA_KVM, reason);
		MSG("vcpu %u: exit reason %u (%s) that the launcher does not handle", id, reason,
		    name ? name : "unknown");
		return XS_ACT_GUEST_ERROR;
	}
	}
}
