// SPDX-License-Identifier: MIT
/*
 * Event injection on a schedule (the `inject` control): interrupts through KVM_INTERRUPT when the vCPU can
 * take one (else an interrupt window is requested), NMIs through KVM_NMI, exceptions through
 * KVM_SET_VCPU_EVENTS. Each injected vector is remembered as outstanding until the guest's stub reports it
 * (exit_handle.c), which is how a run proves the event reached the guest's handler.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "launcher/launcher_internal.h"

#define MSG(...) (snprintf(msg, msglen, __VA_ARGS__))

static void enqueue(struct xs_vcpu_ctx *c, const struct xs_inject *in)
{
	if (c->queue_n == XS_INJECT_QUEUE) {
		atomic_fetch_add_explicit(&c->inject_overflow, 1, memory_order_relaxed);
		return;
	}
	c->queue[c->queue_n++] = xs_pending_of(in);
}

struct xs_pending_event xs_pending_of(const struct xs_inject *in)
{
	return (struct xs_pending_event){in->kind, in->vector, in->has_error, in->error_code};
}

static bool due(struct xs_vcpu_ctx *c, unsigned int i, uint32_t reason, uint64_t now_ns)
{
	const struct xs_inject *in = &c->l->ctl.inject[i];
	switch (in->when) {
	case XS_WHEN_HLT:
		return reason == KVM_EXIT_HLT;
	case XS_WHEN_IO:
		return reason == KVM_EXIT_IO && c->v->run->io.port == in->n;
	case XS_WHEN_AT:
		return c->nexits == in->n;
	case XS_WHEN_EVERY:
		return c->nexits % in->n == 0;
	case XS_WHEN_PERIOD:
		if (now_ns < c->next_due_ns[i])
			return false;
		c->next_due_ns[i] += in->n;
		if (c->next_due_ns[i] <= now_ns) /* missed several periods: count one, restart the schedule */
			c->next_due_ns[i] = now_ns + in->n;
		return true;
	}
	return false;
}

static void drop_head(struct xs_vcpu_ctx *c, unsigned int i)
{
	memmove(&c->queue[i], &c->queue[i + 1], (c->queue_n - i - 1) * sizeof(c->queue[0]));
	c->queue_n--;
}

static int inject_exception(const struct xs_vcpu *v, const struct xs_pending_event *e, bool *done, char *msg,
			    size_t msglen)
{
	struct kvm_vcpu_events ev;
	*done = false;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev))
		return MSG("inject: KVM_GET_VCPU_EVENTS: %s", strerror(errno)), -1;
	if (ev.exception.injected || ev.exception.pending)
		return 0; /* one exception at a time: try again after the next exit */
	ev.exception.injected = 1;
	ev.exception.nr = e->vector;
	ev.exception.has_error_code = e->has_error;
	ev.exception.error_code = e->error_code;
	ev.flags = 0;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev))
		return MSG("inject: KVM_SET_VCPU_EVENTS (exception %u): %s", e->vector, strerror(errno)), -1;
	*done = true;
	return 0;
}

int xs_inject_event(const struct xs_vcpu *v, const struct xs_pending_event *e, bool *done, char *msg, size_t msglen)
{
	*done = false;
	if (e->kind == XS_INJ_EXC)
		return inject_exception(v, e, done, msg, msglen);
	if (e->kind == XS_INJ_NMI) {
		if (ioctl(v->fd, KVM_NMI))
			return MSG("inject: KVM_NMI: %s", strerror(errno)), -1;
	} else {
		struct kvm_interrupt irq = {.irq = e->vector};
		if (ioctl(v->fd, KVM_INTERRUPT, &irq))
			return MSG("inject: KVM_INTERRUPT (vector 0x%x): %s", e->vector, strerror(errno)), -1;
	}
	*done = true;
	return 0;
}

int xs_inject_end_nmi_blocking(const struct xs_vcpu *v, char *msg, size_t msglen)
{
	struct kvm_vcpu_events ev;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev))
		return MSG("vcpu %u: KVM_GET_VCPU_EVENTS: %s", v->id, strerror(errno)), -1;
	if (!ev.nmi.masked)
		return 0;
	ev.nmi.masked = 0;
	ev.flags = 0;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev))
		return MSG("vcpu %u: KVM_SET_VCPU_EVENTS (ending NMI blocking): %s", v->id, strerror(errno)), -1;
	return 0;
}

int xs_inject_after_exit(struct xs_vcpu_ctx *c, uint32_t reason, uint64_t now_ns, char *msg, size_t msglen)
{
	const struct xs_controls *ctl = &c->l->ctl;
	struct kvm_run *run = c->v->run;
	for (unsigned int i = 0; i < ctl->n_inject; i++)
		if (due(c, i, reason, now_ns))
			enqueue(c, &ctl->inject[i]);
	bool irq_waiting = false;
	for (unsigned int i = 0; i < c->queue_n;) {
		struct xs_pending_event *e = &c->queue[i];
		bool done = false;
		bool irq = e->kind == XS_INJ_IRQ;
		if (irq && (irq_waiting || !run->ready_for_interrupt_injection))
			irq_waiting = true;
		else if (xs_inject_event(c->v, e, &done, msg, msglen))
			return -1;
		if (done && irq)
			run->ready_for_interrupt_injection = 0; /* one interrupt per entry */
		if (!done) {
			i++;
			continue;
		}
		c->outstanding[e->vector]++;
		atomic_fetch_add_explicit(&c->injected, 1, memory_order_relaxed);
		drop_head(c, i);
	}
	/* An interrupt waits for the guest to become interruptible; irq.window asks for one window per exit. */
	run->request_interrupt_window = irq_waiting || (ctl->irq_window && reason != KVM_EXIT_IRQ_WINDOW_OPEN);
	return 0;
}

int xs_inject_start_timer(struct xs_vcpu_ctx *c, char *msg, size_t msglen)
{
	const struct xs_controls *ctl = &c->l->ctl;
	uint64_t period = 0;
	uint64_t now = c->l->started_ns;
	for (unsigned int i = 0; i < ctl->n_inject; i++) {
		if (ctl->inject[i].when != XS_WHEN_PERIOD)
			continue;
		c->next_due_ns[i] = now + ctl->inject[i].n;
		if (!period || ctl->inject[i].n < period)
			period = ctl->inject[i].n;
	}
	if (!period)
		return 0;
	/* The timer signals this vCPU's thread, whose handler kicks it out of KVM_RUN (vcpu_loop.c). */
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = c->l->cfg.kick_signal;
	sev._sigev_un._tid = c->tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &c->timer))
		return MSG("inject: timer_create: %s", strerror(errno)), -1;
	c->has_timer = true;
	struct itimerspec its = {.it_interval = {(time_t)(period / 1000000000u), (long)(period % 1000000000u)}};
	its.it_value = its.it_interval;
	if (timer_settime(c->timer, 0, &its, NULL))
		return MSG("inject: timer_settime: %s", strerror(errno)), -1;
	return 0;
}

void xs_inject_stop_timer(struct xs_vcpu_ctx *c)
{
	if (c->has_timer)
		timer_delete(c->timer);
	c->has_timer = false;
}
