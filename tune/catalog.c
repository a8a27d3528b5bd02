// SPDX-License-Identifier: MIT
#include "tune/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/agg.h"
#include "common/util.h"
#include "launcher/launcher.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static const char *const backends[] = {"kvm", "auto", NULL};

const char *const *xs_tune_backends(void)
{
	return backends;
}

/* The KVM backend's keys (docs/controls.md), each with a value that makes it do something. */
static const struct xs_tune_control kvm_controls[] = {
	{"exits.disable", "list", "none, or hlt,pause,cstate,mwait", "hlt", false, ""},
	{"msr.exit_read", "msrs", "none, all, or MSR index ranges", "0x10", false, ""},
	{"msr.exit_write", "msrs", "none, all, or MSR index ranges", "0x10", false, ""},
	{"msr.exit_unknown", "switch", "on, off", "on", false, ""},
	{"debug.singlestep", "switch", "on, off", "on", false, ""},
	{"debug.hwbp", "breakpoints", "none, or up to 4 ADDR[/x|w|rw[/LEN]]", "@guest_main", false, ""},
	{"debug.intercept", "vectors", "none, or db,bp", "db", false, ""},
	{"irq.window", "switch", "on, off", "on", false, ""},
	{"inject", "schedule", "none, or up to 8 KIND@WHEN", "irq:0x20@every:4", false, ""},
	{"record.io", "ports", "none, all, or port ranges", "none", false, ""},
	{"record.mmio", "addresses", "none, all, or address ranges", "none", false, ""},
	{"record.guest_state", "value", "full, regs, off", "off", false, ""},
	{"memory.readonly", "pages", "none, or 4 KiB page ranges", "0x100000+0x1000", false, ""},
};

static void discard_error(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* Ask the launcher: does this host honour key=value? (its probe runs the control in a throw-away VM) */
static void probe(struct xs_tune_control *c)
{
	char err[512];
	struct xs_launch_config cfg;
	if (xs_launch_config_init(&cfg, "mixed", err, sizeof(err)))
		goto refused;
	xs_controls_init(&cfg.controls);
	if (xs_controls_set(&cfg.controls, c->name, c->example, err, sizeof(err)))
		goto refused;
	cfg.allow_unsupported = true;
	cfg.error = discard_error;
	const char *device = getenv("EXITSCOPE_KVM");
	if (device && *device)
		cfg.kvm_path = device;
	struct xs_agg *agg = xs_agg_new();
	struct xs_sink *sink = xs_agg_sink(agg);
	struct xs_launcher *l = NULL;
	int rc = xs_launcher_create(&cfg, sink, &l, err, sizeof(err));
	if (!rc) {
		const char *const *u = xs_launcher_unsupported(l);
		c->supported = !u[0];
		if (u[0])
			snprintf(c->why, sizeof(c->why), "%s", u[0]);
		xs_launcher_destroy(l);
	}
	xs_sink_close(sink);
	xs_agg_free(agg);
	if (!rc)
		return;
refused:
	c->supported = false;
	snprintf(c->why, sizeof(c->why), "%s", err);
}

int xs_tune_controls(const char *backend, const char *cpu_model, struct xs_tune_control **out, size_t *n, char *err,
		     size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (backend && strcmp(backend, "kvm") && strcmp(backend, "auto"))
		return ERR("unknown backend '%s' (this exitscope has: kvm)", backend);
	if (cpu_model)
		return ERR("cpu_model '%s': the kvm backend runs on the host's CPU", cpu_model);
	*n = XS_ARRAY_SIZE(kvm_controls);
	*out = xs_malloc(sizeof(kvm_controls));
	memcpy(*out, kvm_controls, sizeof(kvm_controls));
	for (size_t i = 0; i < *n; i++)
		probe(&(*out)[i]);
	return 0;
}
