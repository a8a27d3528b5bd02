/* SPDX-License-Identifier: MIT */
/*
 * What the vmx backend's hosts share (launcher/vmx_shared.c): the CPU models, the control translation and the
 * control list; and the module host's own entry points (launcher/vmx_module.c), for the CLI and tests.
 */
#ifndef EXITSCOPE_LAUNCHER_VMX_BACKEND_H
#define EXITSCOPE_LAUNCHER_VMX_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>

#include "kmod-vmx/core/controls.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"
#include "launcher/vmx_models.h"

/* A model by name; NULL name: the default (the model with the most VMX controls). NULL when unknown. */
const struct vmx_model *xs_vmx_model_find(const char *name);
size_t xs_vmx_model_count(void);
const struct vmx_model *xs_vmx_model_at(size_t i);
void xs_vmx_model_caps(const struct vmx_model *m, struct kvmx_caps *c);
/* How many of the core's controls the model may set. */
unsigned int xs_vmx_model_features(const struct vmx_model *m);

/* The core's controls for a run of cfg with controls c (vmx.* keys and the generic keys translated). */
int xs_vmx_build_controls(const struct xs_launch_config *cfg, const struct xs_controls *c, struct kvmx_controls *k,
			  char *err, size_t errlen);

/* A model name Bochs does not know: -1 and a message listing the models. */
int xs_vmx_unknown_model(const char *name, char *err, size_t errlen);

/* What a host does to controls beyond the CPU's capabilities: NULL or why it forces one on / refuses one. */
struct xs_vmx_host_rules {
	const char *host; /* "the module" */
	const char *(*forced)(enum kvmx_ctl c);
	const char *(*refused)(enum kvmx_ctl c);
};

/* Every control (vmx.* then generic) for a CPU with these capability MSRs; rules may be NULL. */
int xs_vmx_list_controls_caps(const struct kvmx_caps *caps, const char *cpu_name, const struct xs_vmx_host_rules *rules,
			      void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					   bool supported, const char *why),
			      void *ctx);

/* The controls of an emulated model (--backend vmx on the Bochs host). */
int xs_vmx_list_controls(const char *cpu_model,
			 void (*each)(void *ctx, const char *name, const char *kind, const char *values, bool supported,
				      const char *why),
			 void *ctx, char *err, size_t errlen);

/*
 * Where a vmx host's records and metadata go: filtered by record.io/record.mmio, trimmed by
 * record.guest_state, written to the sink under one lock, counted.
 */
struct xs_vmx_out {
	struct xs_sink *sink;
	const struct xs_launch_config *cfg;
	const struct xs_controls *ctl;
	pthread_mutex_t lock; /* the sink */
	atomic_uint_fast64_t exits, recorded, filtered, lost;
	uint64_t first_record_ns;
};
void xs_vmx_out_init(struct xs_vmx_out *o, struct xs_sink *sink, const struct xs_launch_config *cfg,
		     const struct xs_controls *ctl);
void xs_vmx_out_destroy(struct xs_vmx_out *o);
void xs_vmx_out_record(struct xs_vmx_out *o, struct xs_exit_record *rec);
void xs_vmx_out_meta(struct xs_vmx_out *o, const char *key, const char *value);
/* exits, recorded, filtered, lost; the rest 0 */
void xs_vmx_out_counters(const struct xs_vmx_out *o, struct xs_launch_counters *c);
/* run.* and control.* at the start; run.ended_ns, run.exit_status and counter.* (c) at the end. */
void xs_vmx_meta_run(struct xs_vmx_out *o, const struct xs_guest *guest, const char *backend, uint64_t started_ns);
void xs_vmx_meta_end(struct xs_vmx_out *o, enum xs_launch_end end, const char *stop_why, const char *message,
		     const struct xs_launch_counters *c);

/*
 * What both vmx hosts (vmx_bochs.c, vmx_module.c) keep of a run, the first member of each host's run: the
 * lifecycle accessors below are both hosts' backend ops (launcher/backend.h) and take the run as its base.
 */
struct xs_vmx_base {
	struct xs_launch_config cfg;
	struct xs_controls ctl;
	struct xs_sink *sink;
	uint64_t started_ns;
	pthread_mutex_t lock; /* sink, state */
	pthread_cond_t cond;  /* worker_done */
	bool worker_started;  /* the thread that follows the guest: Bochs' stream reader, the module's vCPU */
	bool worker_done;
	const char *stop_why; /* the first stop's reason */
	enum xs_launch_end end;
	char message[512];
	struct xs_vmx_out out;
	atomic_uint_fast64_t injected, delivered, inject_overflow;
	char *unsupported[1]; /* none: a vmx host refuses what it cannot do */
};
void xs_vmx_base_init(struct xs_vmx_base *b, const struct xs_launch_config *cfg, struct xs_sink *sink);
void xs_vmx_base_destroy(struct xs_vmx_base *b);
/* The checks both hosts make of cfg's guest: a built-in guest or an image with its mode, one vCPU. */
int xs_vmx_check_guest(const struct xs_launch_config *cfg, const char *vcpus_why, char *err, size_t errlen);
/* The end of join: flush the sink (a failing flush turns a good end into a host error). 0 if it ended well. */
int xs_vmx_base_flush(struct xs_vmx_base *b);
/* exits, recorded, filtered, lost, injected, delivered, inject_overflow */
void xs_vmx_base_counters(const struct xs_vmx_base *b, struct xs_launch_counters *c);
bool xs_vmx_base_wait(void *impl, unsigned int timeout_ms);
enum xs_launch_end xs_vmx_base_end(const void *impl, const char **message);
bool xs_vmx_base_stat_delta(const void *impl, const char *name, uint64_t *delta);
const char *const *xs_vmx_base_unsupported(const void *impl);

/* The Linux module's device: EXITSCOPE_KMOD_VMX when set, else /dev/kmod-vmx. */
const char *xs_vmx_module_path(void);
/* The controls of the host's real CPU, read through the module (forced and refused ones named). */
int xs_vmx_module_list_controls(void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					     bool supported, const char *why),
				void *ctx, char *err, size_t errlen);

#endif
