// SPDX-License-Identifier: MIT
/*
 * One thread per vCPU: KVM_RUN, build the record, handle the exit, inject, repeat. Records collect in a
 * per-thread batch handed to the sink every XS_BATCH_RECORDS records or XS_BATCH_MAX_AGE_NS, and at the end.
 *
 * Stopping: the kick signal's handler sets kvm_run->immediate_exit for the thread it lands on, so KVM_RUN
 * returns EINTR at once whether the signal came before or during the call (KVM_CAP_IMMEDIATE_EXIT).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "launcher/launcher_internal.h"
#include "launcher/record_fill.h"

static __thread struct kvm_run *current_run;

static void kick_handler(int signo)
{
	(void)signo;
	struct kvm_run *run = current_run;
	if (run)
		run->immediate_exit = 1;
}

/* Point the kick handler at this thread's vCPU (probe.c runs its probe VMs on the caller's thread). */
void xs_vcpu_set_current_run(struct kvm_run *run)
{
	current_run = run;
}

void xs_vcpu_install_kick(int signo)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must come back with EINTR */
	sigaction(signo, &sa, NULL);
}

void xs_vcpu_flush(struct xs_vcpu_ctx *c)
{
	if (!c->batch_n)
		return;
	struct xs_launcher_kvm *l = c->l;
	pthread_mutex_lock(&l->sink_lock);
	int rc = xs_sink_write(l->sink, c->batch, c->batch_n);
	pthread_mutex_unlock(&l->sink_lock);
	if (rc) {
		atomic_fetch_add_explicit(&c->sink_errors, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->lost, c->batch_n, memory_order_relaxed);
		xs_launch_report(&l->cfg, "vcpu %u: writing %u records to %s failed: %s", c->v->id, c->batch_n,
				 l->sink->name ? l->sink->name : "the output", strerror(-rc));
	} else {
		atomic_fetch_add_explicit(&c->recorded, c->batch_n, memory_order_relaxed);
	}
	c->batch_n = 0;
}

/* record.io / record.mmio: is this exit one the user wants kept? */
static bool wanted(const struct xs_controls *ctl, const struct kvm_run *run, uint32_t reason)
{
	if (reason == KVM_EXIT_IO)
		return xs_range_list_has(&ctl->record_io, run->io.port);
	if (reason == KVM_EXIT_MMIO)
		return xs_range_list_has(&ctl->record_mmio, run->mmio.phys_addr);
	return true;
}

static enum xs_launch_end end_of(enum xs_exit_action a)
{
	switch (a) {
	case XS_ACT_DONE:
		return XS_END_DONE;
	case XS_ACT_STOP:
		return XS_END_STOPPED;
	case XS_ACT_GUEST_ERROR:
		return XS_END_GUEST_ERROR;
	default:
		return XS_END_HOST_ERROR;
	}
}

uint32_t xs_vcpu_run_once(struct xs_vcpu *v, int *err)
{
	int rc = ioctl(v->fd, KVM_RUN, 0);
	int e = rc < 0 ? errno : 0;
	v->run->immediate_exit = 0;
	*err = e == EINTR || e == EAGAIN ? 0 : e;
	if (*err)
		return KVM_EXIT_UNKNOWN; /* KVM_RUN failed outright: there is no exit reason, only errno */
	return e ? KVM_EXIT_INTR : v->run->exit_reason;
}

/*
 * Before KVM_RUN: a pending debug re-injection, a stop request, the latency of the record kept last. Returns
 * the time KVM_RUN starts.
 */
static uint64_t before_run(struct xs_vcpu_ctx *c, struct xs_exit_record **prev)
{
	char msg[512];
	if (c->reinject) {
		if (xs_vcpu_apply_debug(c->v, &c->l->ctl, c->reinject, msg, sizeof(msg)))
			xs_launch_report(&c->l->cfg, "vcpu %u: re-injecting a debug exception: %s", c->v->id, msg);
		c->reinject = 0;
	}
	if (atomic_load_explicit(&c->stop, memory_order_relaxed))
		c->v->run->immediate_exit = 1;
	uint64_t t0 = xs_now_ns();
	if (*prev) { /* exit-to-entry latency of the previous exit: up to this KVM_RUN */
		(*prev)->latency_ns = t0 - (*prev)->ts;
		(*prev)->flags |= XS_F_LATENCY;
		*prev = NULL;
	}
	return t0;
}

/* What happens after this exit: answer it, inject what is due, or end the loop (err: KVM_RUN's errno). */
static enum xs_exit_action decide(struct xs_vcpu_ctx *c, uint32_t reason, int err, uint64_t t1, char *msg,
				  size_t msglen)
{
	if (err) {
		snprintf(msg, msglen, "vcpu %u: KVM_RUN failed: %s", c->v->id, strerror(err));
		return XS_ACT_HOST_ERROR;
	}
	enum xs_exit_action act = xs_handle_exit(c, reason, msg, msglen);
	if (act == XS_ACT_CONTINUE && xs_inject_after_exit(c, reason, t1, msg, msglen))
		act = XS_ACT_HOST_ERROR;
	if (act == XS_ACT_CONTINUE && atomic_load_explicit(&c->stop, memory_order_relaxed) && reason == KVM_EXIT_INTR)
		act = XS_ACT_STOP;
	return act;
}

/* Finish record r (the batch's next slot) and keep it, or count it filtered. Returns it when kept. */
static struct xs_exit_record *keep(struct xs_vcpu_ctx *c, struct xs_exit_record *r, uint32_t reason, int err,
				   enum xs_exit_action act)
{
	struct kvm_run *run = c->v->run;
	if (!err)
		xs_fill_detail(r, run, c->v->run_size, reason);
	if (act != XS_ACT_CONTINUE)
		r->flags |= XS_F_FINAL;
	if (c->internal_exit && act == XS_ACT_CONTINUE)
		return NULL; /* the launcher's own step over a breakpoint: counted in stepovers */
	if (act == XS_ACT_CONTINUE && !wanted(&c->l->ctl, run, reason)) {
		atomic_fetch_add_explicit(&c->filtered, 1, memory_order_relaxed);
		return NULL;
	}
	r->seq = atomic_fetch_add_explicit(&c->l->seq, 1, memory_order_relaxed);
	if (!c->batch_n)
		c->batch_first_ns = r->ts;
	c->batch_n++;
	return r;
}

static void vcpu_loop(struct xs_vcpu_ctx *c)
{
	struct xs_launcher_kvm *l = c->l;
	struct kvm_run *run = c->v->run;
	struct xs_fill_ctx fill = {l->pid, (uint32_t)c->tid, c->v->id,
				   l->cfg.no_record ? XS_GS_OFF : l->ctl.guest_state};
	bool record = !l->cfg.no_record;
	struct xs_exit_record *prev = NULL; /* the last record kept, in the batch until its latency is known */
	char msg[512];
	for (;;) {
		uint64_t t0 = before_run(c, &prev);
		int err;
		uint32_t reason = xs_vcpu_run_once(c->v, &err);
		uint64_t t1 = xs_now_ns();
		c->nexits++;
		atomic_fetch_add_explicit(&c->exits, 1, memory_order_relaxed);
		/* hand the batch over here, where no record in it still waits for its latency */
		if (record &&
		    (c->batch_n == XS_BATCH_RECORDS || (c->batch_n && t1 - c->batch_first_ns > XS_BATCH_MAX_AGE_NS)))
			xs_vcpu_flush(c);
		struct xs_exit_record *r = record ? &c->batch[c->batch_n] : NULL;
		msg[0] = 0;
		c->internal_exit = false;
		if (r) {
			xs_fill_begin(r, run, reason, &fill);
			r->ts = t1;
			r->run_ns = t1 - t0;
			r->cpu = (uint32_t)sched_getcpu();
		}
		enum xs_exit_action act = decide(c, reason, err, t1, msg, sizeof(msg));
		uint64_t t2 = xs_now_ns();
		atomic_fetch_add_explicit(&c->run_ns, t1 - t0, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->handler_ns, t2 - t1, memory_order_relaxed);
		if (r) {
			r->handler_ns = t2 - t1;
			prev = keep(c, r, reason, err, act);
		}
		if (act != XS_ACT_CONTINUE) {
			xs_vcpu_flush(c);
			xs_launcher_finish(c, end_of(act), msg[0] ? msg : NULL);
			return;
		}
	}
}

void *xs_vcpu_thread(void *arg)
{
	struct xs_vcpu_ctx *c = arg;
	struct xs_launcher_kvm *l = c->l;
	c->tid = (pid_t)syscall(SYS_gettid);
	current_run = c->v->run;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, l->cfg.kick_signal);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	char msg[256];
	struct timespec cpu0, cpu1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
	if (xs_inject_start_timer(c, msg, sizeof(msg)))
		xs_launcher_finish(c, XS_END_HOST_ERROR, msg);
	else
		vcpu_loop(c);
	xs_inject_stop_timer(c);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
	atomic_store(&c->cpu_ns, (uint64_t)(cpu1.tv_sec - cpu0.tv_sec) * 1000000000u + (uint64_t)cpu1.tv_nsec -
					 (uint64_t)cpu0.tv_nsec);
	current_run = NULL;
	pthread_mutex_lock(&l->state_lock);
	/* Under the lock: kick_all() signals only threads that have not got here, so never a joined one. */
	atomic_store(&c->finished, true);
	l->running--;
	pthread_cond_broadcast(&l->state_cond);
	pthread_mutex_unlock(&l->state_lock);
	return NULL;
}
