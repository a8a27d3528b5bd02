// SPDX-License-Identifier: MIT
/* The vmx backend's lists for `exitscope run`: CPU models and controls. */
#include "cli/vmx_lists.h"

#include <string.h>

#include "common/util.h"
#include "launcher/launcher.h"
#include "launcher/vmx_backend.h"

void xs_vmx_print_models(FILE *out)
{
	const struct vmx_model *def = xs_vmx_model_find(NULL);
	fprintf(out, "%-26s %-8s %s\n", "model", "controls", "VMX controls (of the kmod-vmx core's)");
	for (size_t i = 0; i < xs_vmx_model_count(); i++) {
		const struct vmx_model *m = xs_vmx_model_at(i);
		struct kvmx_caps caps;
		xs_vmx_model_caps(m, &caps);
		char name[64];
		snprintf(name, sizeof(name), "%s%s", m->name, m == def ? " (default)" : "");
		fprintf(out, "%-26s %2u/%-5u ", name, xs_vmx_model_features(m), (unsigned int)KVMX_CTL_COUNT);
		bool first = true;
		for (unsigned int c = 0; c < KVMX_CTL_COUNT; c++)
			if (kvmx_control_allowed(&caps, (enum kvmx_ctl)c)) {
				fprintf(out, "%s%s", first ? "" : ",", kvmx_control_info((enum kvmx_ctl)c)->key);
				first = false;
			}
		fprintf(out, "\n");
	}
}

static void print_one(void *ctx, const char *name, const char *kind, const char *values, bool supported,
		      const char *why)
{
	FILE *out = ctx;
	fprintf(out, "%-30s %-8s %-4s %s%s%s\n", name, kind, supported ? "yes" : "no", values, why ? " -- " : "",
		why ? why : "");
}

int xs_print_controls(FILE *out, const char *backend, const char *vmx_host, const char *cpu_model)
{
	char err[512];
	fprintf(out, "%-30s %-8s %-4s %s\n", "control", "kind", "ok", "values");
	if (xs_launch_list_controls_host(backend, vmx_host, cpu_model, print_one, out, err, sizeof(err))) {
		xs_err("run: %s", err);
		return -1;
	}
	return 0;
}
