/* SPDX-License-Identifier: MIT */
/* The launcher's own state, shared by launcher.c (lifecycle), vcpu_loop.c, exit_handle.c and inject.c. */
#ifndef EXITSCOPE_LAUNCHER_INTERNAL_H
#define EXITSCOPE_LAUNCHER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "launcher/backend.h"
#include "launcher/guests.h"
#include "launcher/image.h"
#include "launcher/kvmdev.h"
#include "launcher/kvmstat.h"
#include "launcher/launcher.h"
#include "launcher/probe.h"
#include "launcher/vm.h"

#define XS_BATCH_RECORDS 256
#define XS_BATCH_MAX_AGE_NS 100000000ull /* hand a batch over at least every 100 ms */
#define XS_INJECT_QUEUE 64

struct xs_launcher_kvm;

struct xs_pending_event {
	enum xs_inject_kind kind;
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
};

struct xs_vcpu_ctx {
	struct xs_launcher_kvm *l;
	struct xs_vcpu *v;
	pthread_t thread;
	atomic_bool started; /* read by other vCPU threads when one fails */
	atomic_bool stop;
	atomic_bool finished;
	enum xs_launch_end outcome; /* how this vCPU's loop ended */
	pid_t tid;

	/* records not yet handed to the sink */
	struct xs_exit_record *batch;
	unsigned int batch_n;
	uint64_t batch_first_ns;

	uint64_t nexits;
	uint16_t outstanding[256]; /* vectors injected and not yet reported by the guest */
	struct xs_pending_event queue[XS_INJECT_QUEUE];
	unsigned int queue_n;
	uint64_t next_due_ns[XS_CTL_MAX_INJECT]; /* period injections */
	timer_t timer;
	bool has_timer;
	uint32_t reinject;  /* KVM_GUESTDBG_INJECT_* to pass with the next KVM_SET_GUEST_DEBUG */
	bool stepping_over; /* an execution breakpoint is disabled while one instruction is single-stepped */
	bool internal_exit; /* this exit was the launcher's own step-over: counted, not recorded */

	/* counters, read by other threads while running */
	atomic_uint_fast64_t exits, recorded, filtered, injected, delivered, inject_overflow, sink_errors, lost;
	atomic_uint_fast64_t stepovers;
	atomic_uint_fast64_t run_ns, handler_ns, cpu_ns;

	struct xs_kvmstat stats;
	uint64_t *stat_start, *stat_end;
};

struct xs_launcher_kvm {
	struct xs_launch_config cfg;
	struct xs_controls ctl;	      /* the controls in effect: refused-but-allowed ones removed */
	const struct xs_guest *guest; /* NULL for images */
	const struct xs_guest_blob *blob;
	uint32_t own_exceptions; /* exception vectors the guest raises on purpose */
	struct xs_probe_facts facts;
	struct xs_kvmdev kvm;
	struct xs_vm *vm;
	struct xs_sink *sink;
	pthread_mutex_t sink_lock;
	struct xs_vcpu_ctx *vcpus;
	uint32_t pid;
	uint64_t started_ns;
	atomic_uint_fast64_t seq;

	pthread_mutex_t state_lock;
	pthread_cond_t state_cond;
	unsigned int running;	/* vCPU threads not yet finished */
	enum xs_launch_end end; /* decided by xs_launcher_join */
	enum xs_launch_end first_error;
	char end_message[512];
	const char *stop_why; /* first xs_launcher_stop() reason */

	char **unsupported; /* "name: reason", NULL-terminated */
	unsigned int n_unsupported;
	bool joined;
};

/* What the exit handler decided. */
enum xs_exit_action {
	XS_ACT_CONTINUE,
	XS_ACT_DONE,	    /* the guest reported XS_PORT_DONE */
	XS_ACT_STOP,	    /* a stop was requested */
	XS_ACT_GUEST_ERROR, /* message filled */
	XS_ACT_HOST_ERROR,  /* message filled */
};

/* exit_handle.c: answer the exit (IN data, MMIO reads, MSRs) and decide what happens next. */
enum xs_exit_action xs_handle_exit(struct xs_vcpu_ctx *c, uint32_t reason, char *msg, size_t msglen);

/*
 * inject.c, the one place that injects events into a vCPU (the run's schedule, the probe VMs, the NMI-blocking
 * fix-up of exit_handle.c). Each returns -1 with a one-line message when an ioctl fails.
 *
 * xs_inject_event: deliver one event now: an interrupt through KVM_INTERRUPT (the caller checks that the vCPU
 * is ready for one), an NMI through KVM_NMI, an exception through KVM_SET_VCPU_EVENTS. *done stays false when
 * an exception is already pending: try again after the next exit.
 */
struct xs_pending_event xs_pending_of(const struct xs_inject *in);
int xs_inject_event(const struct xs_vcpu *v, const struct xs_pending_event *e, bool *done, char *msg, size_t msglen);
/* Clear NMI blocking as the guest's IRET would have (KVM_GET/SET_VCPU_EVENTS). */
int xs_inject_end_nmi_blocking(const struct xs_vcpu *v, char *msg, size_t msglen);
/* Queue the injections due after this exit, and deliver what the vCPU can take now. */
int xs_inject_after_exit(struct xs_vcpu_ctx *c, uint32_t reason, uint64_t now_ns, char *msg, size_t msglen);
/* Start the per-vCPU timer for period injections (called on the vCPU thread). */
int xs_inject_start_timer(struct xs_vcpu_ctx *c, char *msg, size_t msglen);
void xs_inject_stop_timer(struct xs_vcpu_ctx *c);

/* run_meta.c: the run's metadata at the start (run.*, control.*, unsupported.*, kvmstat start) and end. */
void xs_launcher_meta_start(struct xs_launcher_kvm *l);
void xs_launcher_meta_end(struct xs_launcher_kvm *l);
void xs_launcher_kvm_counters(const struct xs_launcher_kvm *l, struct xs_launch_counters *c);

/*
 * vcpu_loop.c. xs_vcpu_run_once: one KVM_RUN, the one place that calls it (the run's vCPU threads and the
 * probe VMs). Returns run->exit_reason; KVM_EXIT_INTR when a signal or immediate_exit cut the call short
 * (EINTR, EAGAIN); KVM_EXIT_UNKNOWN with *err set to errno when KVM_RUN failed (else *err is 0).
 * immediate_exit is cleared for the next call.
 */
uint32_t xs_vcpu_run_once(struct xs_vcpu *v, int *err);
void *xs_vcpu_thread(void *arg);
void xs_vcpu_install_kick(int signo);
void xs_vcpu_set_current_run(struct kvm_run *run);
void xs_vcpu_flush(struct xs_vcpu_ctx *c);

/*
 * launcher.c: a vCPU's loop ended. An error is reported through the error channel, kept as the run's
 * message if it is the first, and stops every other vCPU.
 */
void xs_launcher_finish(struct xs_vcpu_ctx *c, enum xs_launch_end end, const char *message);

#endif
