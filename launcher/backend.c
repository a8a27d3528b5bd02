// SPDX-License-Identifier: MIT
/* The one launcher API over the backends' ops tables, and the choice of backend. */
#include "launcher/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "launcher/vmx_backend.h"
#include "launcher/vmx_controls.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

struct xs_launcher {
	const struct xs_launch_backend *be;
	void *impl;
};

const char *const *xs_launch_backends(void)
{
	static const char *const names[] = {"kvm", "vmx", "auto", NULL};
	return names;
}

int xs_vmx_pick_host(const char *vmx_host, const char *cpu_model, const struct xs_launch_backend **out, char *err,
		     size_t errlen)
{
	const char *path = xs_vmx_module_path();
	if (vmx_host && !strcmp(vmx_host, "bochs")) {
		*out = &xs_backend_vmx_bochs;
		return 0;
	}
	if (vmx_host && !strcmp(vmx_host, "module")) {
		if (access(path, F_OK))
			return ERR("--vmx-host module: %s: %s (the kmod-vmx module is not loaded: insmod kmod_vmx.ko, "
				   "docs/kmod-vmx.md)",
				   path, strerror(errno));
		*out = &xs_backend_vmx_module;
		return 0;
	}
	if (vmx_host && strcmp(vmx_host, "auto"))
		return ERR("--vmx-host '%s': use module, bochs or auto", vmx_host);
	/* a CPU model is something only Bochs emulates */
	*out = !cpu_model && !access(path, F_OK) ? &xs_backend_vmx_module : &xs_backend_vmx_bochs;
	return 0;
}

int xs_backend_pick(const struct xs_launch_config *cfg, const struct xs_launch_backend **out, char *notice,
		    size_t noticelen, char *err, size_t errlen)
{
	const char *want = cfg->backend ? cfg->backend : "auto";
	if (notice && noticelen)
		notice[0] = 0;
	if (!strcmp(want, "kvm")) {
		*out = &xs_backend_kvm;
		return 0;
	}
	if (!strcmp(want, "vmx"))
		return xs_vmx_pick_host(cfg->vmx_host, cfg->cpu_model, out, err, errlen);
	if (strcmp(want, "auto"))
		return ERR("unknown backend '%s' (kvm, vmx or auto)", want);
	const char *path = cfg->kvm_path ? cfg->kvm_path : "/dev/kvm";
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		*out = &xs_backend_kvm;
		return 0;
	}
	int why = errno;
	if (xs_vmx_pick_host(cfg->vmx_host, cfg->cpu_model, out, err, errlen))
		return -1;
	if (notice && noticelen)
		snprintf(notice, noticelen, "%s: %s: running the guest on the vmx backend (%s) instead", path,
			 strerror(why),
			 *out == &xs_backend_vmx_module ? "the kmod-vmx module" : "the kmod-vmx core inside Bochs");
	return 0;
}

/* Keys only KVM honours: the vmx backend refuses them by name. */
static bool kvm_only(enum xs_control_key k)
{
	switch (k) {
	case XS_CTL_MSR_EXIT_UNKNOWN:
	case XS_CTL_EXITS_DISABLE:
	case XS_CTL_DEBUG_SINGLESTEP:
	case XS_CTL_DEBUG_HWBP:
	case XS_CTL_DEBUG_INTERCEPT:
	case XS_CTL_IRQ_WINDOW:
	case XS_CTL_CPUID:
		return true;
	default:
		return false;
	}
}

int xs_backend_check_keys(const struct xs_launch_backend *be, const struct xs_controls *c, char *err, size_t errlen)
{
	if (be == &xs_backend_kvm) {
		if (c->n_vmx)
			return ERR("control vmx.%s: the kvm backend has no VT-x controls (--backend vmx runs the "
				   "kmod-vmx core)",
				   c->vmx[0].key);
		return 0;
	}
	for (unsigned int k = 0; k < XS_CTL_COUNT; k++)
		if ((c->given & (1u << k)) && kvm_only((enum xs_control_key)k))
			return ERR("control %s: only the kvm backend has it; the %s backend refuses it (see "
				   "--list-controls)",
				   xs_control_key_name((enum xs_control_key)k), be->name);
	if ((c->given & (1u << XS_CTL_CPUID)) || c->n_cpuid)
		return ERR("control cpuid.*: only the kvm backend has it; the %s backend refuses it", be->name);
	return 0;
}

int xs_launcher_create(const struct xs_launch_config *cfg, struct xs_sink *sink, struct xs_launcher **out, char *err,
		       size_t errlen)
{
	const struct xs_launch_backend *be;
	char notice[512];
	if (xs_backend_pick(cfg, &be, notice, sizeof(notice), err, errlen))
		return -1;
	if (cfg->vmx_host && be == &xs_backend_kvm)
		return ERR("--vmx-host %s: only the vmx backend has hosts (--backend vmx)", cfg->vmx_host);
	if (cfg->cpu_model && be == &xs_backend_kvm)
		return ERR("--cpu-model %s: the kvm backend runs on the host's CPU (--backend vmx emulates models)",
			   cfg->cpu_model);
	if (xs_backend_check_keys(be, &cfg->controls, err, errlen))
		return -1;
	if (notice[0]) {
		if (cfg->error)
			cfg->error(cfg->error_ctx, notice);
		else
			fprintf(stderr, "exitscope: %s\n", notice);
	}
	struct xs_launcher *l = xs_calloc(1, sizeof(*l));
	l->be = be;
	if (be->create(cfg, sink, &l->impl, err, errlen)) {
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

const char *xs_launcher_backend_name(const struct xs_launcher *l)
{
	return l->be->name;
}

int xs_launcher_start(struct xs_launcher *l, char *err, size_t errlen)
{
	return l->be->start(l->impl, err, errlen);
}

bool xs_launcher_wait(struct xs_launcher *l, unsigned int timeout_ms)
{
	return l->be->wait(l->impl, timeout_ms);
}

void xs_launcher_stop(struct xs_launcher *l, const char *why)
{
	l->be->stop(l->impl, why);
}

int xs_launcher_join(struct xs_launcher *l)
{
	return l->be->join(l->impl);
}

void xs_launcher_counters(const struct xs_launcher *l, struct xs_launch_counters *c)
{
	l->be->counters(l->impl, c);
}

enum xs_launch_end xs_launcher_end(const struct xs_launcher *l, const char **message)
{
	return l->be->end(l->impl, message);
}

bool xs_launcher_stat_delta(const struct xs_launcher *l, const char *name, uint64_t *delta)
{
	return l->be->stat_delta(l->impl, name, delta);
}

const char *const *xs_launcher_unsupported(const struct xs_launcher *l)
{
	return l->be->unsupported(l->impl);
}

void xs_launcher_destroy(struct xs_launcher *l)
{
	if (!l)
		return;
	l->be->destroy(l->impl);
	free(l);
}

int xs_launch_list_controls(const char *backend, const char *cpu_model,
			    void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					 bool supported, const char *why),
			    void *ctx, char *err, size_t errlen)
{
	return xs_launch_list_controls_host(backend, NULL, cpu_model, each, ctx, err, errlen);
}

int xs_launch_list_controls_host(const char *backend, const char *vmx_host, const char *cpu_model,
				 void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					      bool supported, const char *why),
				 void *ctx, char *err, size_t errlen)
{
	if (!backend || !strcmp(backend, "auto"))
		backend = "vmx";
	if (!strcmp(backend, "kvm")) {
		if (cpu_model)
			return ERR("--cpu-model %s: the kvm backend runs on the host's CPU", cpu_model);
		for (unsigned int k = 0; k < XS_CTL_COUNT; k++)
			each(ctx, xs_control_key_name((enum xs_control_key)k), "kvm", "docs/controls.md", true, NULL);
		each(ctx, "cpuid.LEAF[.SUBLEAF].REG", "kvm", "docs/controls.md", true, NULL);
		return 0;
	}
	if (strcmp(backend, "vmx"))
		return ERR("unknown backend '%s' (kvm, vmx or auto)", backend);
	const struct xs_launch_backend *be;
	if (xs_vmx_pick_host(vmx_host, cpu_model, &be, err, errlen))
		return -1;
	if (be == &xs_backend_vmx_module)
		return xs_vmx_module_list_controls(each, ctx, err, errlen);
	return xs_vmx_list_controls(cpu_model, each, ctx, err, errlen);
}

void xs_launch_report(const struct xs_launch_config *cfg, const char *fmt, ...)
{
	if (!cfg->error)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg->error(cfg->error_ctx, msg);
}
