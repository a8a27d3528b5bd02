/* SPDX-License-Identifier: MIT */
/*
 * The KVM guest launcher as a library: `exitscope run` and `exitscope top --run` both drive it.
 *
 *   struct xs_launch_config cfg;
 *   xs_launch_config_init(&cfg, "mixed", err, sizeof(err));       configure: guest defaults filled in
 *   xs_controls_set(&cfg.controls, "inject", "irq:0x20@hlt", ...); ... adjust
 *   xs_launcher_create(&cfg, sink, &l, err, sizeof(err));         open KVM, probe controls, build the VM,
 *                                                                   write the run's start metadata
 *   xs_launcher_start(l, ...);                                     one thread per vCPU
 *   while (!xs_launcher_wait(l, 100)) ...                          poll; xs_launcher_stop() from any thread
 *   xs_launcher_join(l);                                           threads joined, end metadata written
 *   xs_launcher_counters(l, &counters); xs_launcher_end(l, &msg);
 *   xs_launcher_destroy(l);                                        the caller still owns and closes the sink
 *
 * Records and metadata go only to the caller's sink (written from the vCPU threads under the launcher's
 * own lock, in batches). The launcher never prints: problems go to the config's error channel and to
 * xs_launcher_end(). Stopping uses one signal (kick_signal, default SIGUSR1) sent to vCPU threads only; the
 * launcher installs a handler for it.
 */
#ifndef EXITSCOPE_LAUNCHER_H
#define EXITSCOPE_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sink.h"
#include "launcher/controls.h"
#include "launcher/guest_abi.h"

#define XS_LAUNCH_DEFAULT_MEM_MB 16
#define XS_LAUNCH_MAX_MEM_MB 3072 /* everything stays below the 4 GiB the page tables map */
#define XS_LAUNCH_DEFAULT_ITERATIONS 1000

struct xs_launch_config {
	const char *guest;	/* built-in guest name, or NULL with image_path */
	const char *image_path; /* --image FILE (flat binary or ELF) */
	unsigned int mode;	/* 16, 32 or 64 (real, protected, long); 0: the guest's default */
	bool entry_set, load_set;
	uint64_t entry, load; /* images: entry point (ELF: default e_entry), and where a flat image goes */
	unsigned int vcpus;
	uint64_t mem_mb;
	uint32_t iterations; /* per vCPU; 0 runs until stopped */
	uint32_t args[XS_GUEST_ARGS];
	struct xs_controls controls;		   /* the guest's default controls, then the user's */
	bool allow_unsupported;			   /* record refused controls as unsupported.* instead of failing */
	bool no_record;				   /* handle exits but build no records (the benchmark's baseline) */
	const char *backend;			   /* "kvm", "vmx" or "auto"; NULL means auto (launcher/backend.h) */
	const char *cpu_model;			   /* vmx backend: the emulated CPU model; NULL: the default model */
	const char *vmx_host; /* vmx backend: "module" (/dev/kmod-vmx), "bochs", or NULL/"auto": the module when loaded */
	const char *kvm_path;			   /* default /dev/kvm */
	const char *cmdline;			   /* stored as run.cmdline */
	int kick_signal;			   /* default SIGUSR1 */
	void (*error)(void *ctx, const char *msg); /* one line per problem while running; may be NULL */
	void *error_ctx;
};

/*
 * Defaults for a built-in guest (its default mode, parameters and controls), or for an image when guest is
 * NULL. -1 and a message for an unknown guest name.
 */
int xs_launch_config_init(struct xs_launch_config *cfg, const char *guest, char *err, size_t errlen);

/* Set a guest parameter by its name ("port=0x600"); -1 and a message when the guest has no such parameter. */
int xs_launch_config_param(struct xs_launch_config *cfg, const char *name, const char *value, char *err, size_t errlen);

/*
 * One command-line setting, as `run` and `top --run` take them in order: kind 'p' a guest parameter
 * "NAME=VALUE", 'c' a control "KEY=VALUE", 'f' a control file's path. -1 and a one-line message on error.
 */
int xs_launch_config_setting(struct xs_launch_config *cfg, char kind, const char *arg, char *err, size_t errlen);

enum xs_launch_end {
	XS_END_RUNNING = 0,
	XS_END_DONE,	    /* every vCPU finished its iterations */
	XS_END_STOPPED,	    /* xs_launcher_stop() was called (Ctrl-C, --duration) */
	XS_END_GUEST_ERROR, /* triple fault, internal error, failed entry, self-check, unexpected exception */
	XS_END_HOST_ERROR,  /* KVM_RUN failed, the sink failed */
};

struct xs_launch_counters {
	uint64_t exits;		  /* userspace exits handled (KVM_RUN returns) */
	uint64_t recorded;	  /* records handed to the sink */
	uint64_t filtered;	  /* exits left out by record.io / record.mmio */
	uint64_t sink_errors;	  /* failed sink writes (their records are lost and counted here) */
	uint64_t lost;		  /* records lost: those of failed sink writes */
	uint64_t injected;	  /* events injected */
	uint64_t delivered;	  /* injected vectors the guest's handler reported */
	uint64_t inject_overflow; /* due injections dropped because 64 were already pending */
	uint64_t stepovers;	  /* single steps over execution breakpoints on hosts that ignore RF (not recorded) */
	uint64_t run_ns;	  /* total time inside KVM_RUN */
	uint64_t handler_ns;	  /* total time in our exit handling, recording included */
	uint64_t cpu_ns;	  /* CPU time the vCPU threads used (guest, KVM and us), known once they ended */
};

struct xs_launcher;

int xs_launcher_create(const struct xs_launch_config *cfg, struct xs_sink *sink, struct xs_launcher **out, char *err,
		       size_t errlen);
int xs_launcher_start(struct xs_launcher *l, char *err, size_t errlen);
/* Wait up to timeout_ms; true once every vCPU thread has stopped. */
bool xs_launcher_wait(struct xs_launcher *l, unsigned int timeout_ms);
/*
 * Ask every vCPU to stop; safe from any thread, returns at once. why says who asked: "interrupted" (a signal:
 * run.exit_status becomes "interrupted") or "duration" (the planned end: "ok", with run.stopped_by).
 */
void xs_launcher_stop(struct xs_launcher *l, const char *why);
/* Join the vCPU threads, sample the end statistics, write the end metadata and flush the sink. */
int xs_launcher_join(struct xs_launcher *l);
void xs_launcher_counters(const struct xs_launcher *l, struct xs_launch_counters *c);
/* How the run ended, and the first error's one-line message (NULL if none). */
enum xs_launch_end xs_launcher_end(const struct xs_launcher *l, const char **message);
/* Change of a KVM binary statistic over the run, summed over the vCPUs; false if the host lacks it. */
bool xs_launcher_stat_delta(const struct xs_launcher *l, const char *name, uint64_t *delta);
/* The unsupported controls recorded with allow_unsupported, "name: reason" each; NULL-terminated. */
const char *const *xs_launcher_unsupported(const struct xs_launcher *l);
void xs_launcher_destroy(struct xs_launcher *l);

const char *xs_launch_end_name(enum xs_launch_end e);

/*
 * The backend a created launcher runs on: "kvm" (the KVM API), "vmx-bochs" (the kmod-vmx core inside Bochs),
 * later "vmx-module" (the core in the Linux module).
 */
const char *xs_launcher_backend_name(const struct xs_launcher *l);
/* The backends one can ask for: "kvm", "vmx", "auto"; NULL-terminated. */
const char *const *xs_launch_backends(void);
/*
 * Every control a backend knows ("vmx": for cpu_model, NULL the default), with its kind ("switch", "ports",
 * "msrs", "vectors", "value", "schedule", ...), the values it takes, whether the backend (and model) can do it
 * and, when not, why. -1 and a one-line message for an unknown backend or model.
 */
/* The same for a vmx host ("module", "bochs", NULL/"auto"); xs_launch_list_controls passes NULL. */
int xs_launch_list_controls_host(const char *backend, const char *vmx_host, const char *cpu_model,
				 void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					      bool supported, const char *why),
				 void *ctx, char *err, size_t errlen);
int xs_launch_list_controls(const char *backend, const char *cpu_model,
			    void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					 bool supported, const char *why),
			    void *ctx, char *err, size_t errlen); /* "ok", "interrupted", "guest-error", "host-error" */

#endif
