/* SPDX-License-Identifier: MIT */
/*
 * The launcher's backends behind the one xs_launcher_* API (launcher.h): each is an ops table, as the
 * collector's backends are. "kvm" drives the KVM API (launcher.c and the files it uses); "vmx" runs the
 * kmod-vmx core: inside Bochs on any host ("vmx-bochs", launcher/vmx_bochs.c), or in the Linux module where
 * it is loaded ("vmx-module", launcher/vmx_module.c, chosen by xs_backend_pick when the module's device
 * exists). What the two vmx hosts share lives in launcher/vmx_shared.c.
 */
#ifndef EXITSCOPE_LAUNCHER_BACKEND_H
#define EXITSCOPE_LAUNCHER_BACKEND_H

#include "launcher/launcher.h"

struct xs_launch_backend {
	const char *name; /* what xs_launcher_backend_name() says: "kvm", "vmx-bochs", "vmx-module" */
	int (*create)(const struct xs_launch_config *cfg, struct xs_sink *sink, void **impl, char *err, size_t errlen);
	int (*start)(void *impl, char *err, size_t errlen);
	bool (*wait)(void *impl, unsigned int timeout_ms);
	void (*stop)(void *impl, const char *why);
	int (*join)(void *impl);
	void (*counters)(const void *impl, struct xs_launch_counters *c);
	enum xs_launch_end (*end)(const void *impl, const char **message);
	bool (*stat_delta)(const void *impl, const char *name, uint64_t *delta);
	const char *const *(*unsupported)(const void *impl);
	void (*destroy)(void *impl);
};

/* Every backend's channel for problems while running: one line to cfg->error, when it is set. */
void xs_launch_report(const struct xs_launch_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern const struct xs_launch_backend xs_backend_kvm;
extern const struct xs_launch_backend xs_backend_vmx_bochs;
extern const struct xs_launch_backend xs_backend_vmx_module;

/*
 * The vmx backend's host: "module" (the kmod-vmx module's device must exist), "bochs", or NULL/"auto": the
 * module when its device exists and no CPU model is asked for, else Bochs. -1 and a one-line message.
 */
int xs_vmx_pick_host(const char *vmx_host, const char *cpu_model, const struct xs_launch_backend **out, char *err,
		     size_t errlen);

/*
 * The backend for cfg->backend ("kvm", "vmx", "auto" or NULL). auto is kvm when the KVM device opens, else
 * vmx; *notice then says why in one line (NULL when there is nothing to say). -1 and a message for an
 * unknown name.
 */
int xs_backend_pick(const struct xs_launch_config *cfg, const struct xs_launch_backend **out, char *notice,
		    size_t noticelen, char *err, size_t errlen);

/*
 * Controls a backend cannot honour, refused before anything runs: a vmx.* key to kvm, a KVM-only key to vmx.
 * -1 and a message naming the key and the backend.
 */
int xs_backend_check_keys(const struct xs_launch_backend *be, const struct xs_controls *c, char *err, size_t errlen);

#endif
