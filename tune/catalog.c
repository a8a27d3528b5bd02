// SPDX-License-Identifier: MIT
#include "tune/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/agg.h"
#include "common/util.h"
#include "launcher/launcher.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

const char *const *xs_tune_backends(void)
{
	return xs_launch_backends();
}

/* The KVM backend's keys (docs/controls.md), each with a value that makes it do something. */
static const struct xs_tune_control kvm_controls[] = {
	{"exits.disable", "list", "none, or hlt,pause,cstate,mwait", "hlt", false, "", false},
	{"msr.exit_read", "msrs", "none, all, or MSR index ranges", "0x10", false, "", false},
	{"msr.exit_write", "msrs", "none, all, or MSR index ranges", "0x10", false, "", false},
	{"msr.exit_unknown", "switch", "on, off", "on", false, "", false},
	{"debug.singlestep", "switch", "on, off", "on", false, "", false},
	{"debug.hwbp", "breakpoints", "none, or up to 4 ADDR[/x|w|rw[/LEN]]", "@guest_main", false, "", false},
	{"debug.intercept", "vectors", "none, or db,bp", "db", false, "", false},
	{"irq.window", "switch", "on, off", "on", false, "", false},
	{"inject", "schedule", "none, or up to 8 KIND@WHEN", "irq:0x20@every:4", false, "", false},
	{"record.io", "ports", "none, all, or port ranges", "none", false, "", false},
	{"record.mmio", "addresses", "none, all, or address ranges", "none", false, "", false},
	{"record.guest_state", "value", "full, regs, off", "off", false, "", false},
	{"memory.readonly", "pages", "none, or 4 KiB page ranges", "0x100000+0x1000", false, "", false},
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

/*
 * The vmx backend's own defaults for the launcher's guests (launcher/vmx_bochs.c, xs_vmx_build_controls: EPT
 * for the guest's memory map, every I/O and HLT exiting as under KVM, MSR bitmaps so only listed MSRs exit,
 * unrestricted guest below long mode): a switch that is on by default is flipped off, any other on.
 */
static const char *const vmx_default_on[] = {"vmx.ept", "vmx.uncond_io_exiting", "vmx.hlt_exiting", "vmx.msr_bitmaps",
					     "vmx.unrestricted_guest"};

/* Examples for the vmx.* fields, by name. io_bitmap keeps the launcher's own ports (0x500-0x503) exiting. */
static const struct {
	const char *name, *example;
} vmx_examples[] = {
	{"vmx.io_bitmap", "0x3f8,0x500-0x503"},
	{"vmx.msr_bitmap.read", "0x10"},
	{"vmx.msr_bitmap.write", "0x10"},
	{"vmx.exception_bitmap", "bp,ud"},
	{"vmx.cr0_mask", "0x20"},
	{"vmx.cr0_shadow", "0x20"},
	{"vmx.cr4_mask", "0x80"},
	{"vmx.cr4_shadow", "0x80"},
	{"vmx.cr3_targets", "0x90000"},
	{"vmx.preemption_timer", "100000"},
};

struct collect {
	struct xs_tune_control *list;
	size_t n;
};

static const char *vmx_example(const char *name, const char *kind)
{
	if (!strcmp(kind, "switch")) {
		for (size_t i = 0; i < XS_ARRAY_SIZE(vmx_default_on); i++)
			if (!strcmp(name, vmx_default_on[i]))
				return "off";
		return "on";
	}
	for (size_t i = 0; i < XS_ARRAY_SIZE(vmx_examples); i++)
		if (!strcmp(name, vmx_examples[i].name))
			return vmx_examples[i].example;
	for (size_t i = 0; i < XS_ARRAY_SIZE(kvm_controls); i++) /* the generic keys */
		if (!strcmp(name, kvm_controls[i].name))
			return kvm_controls[i].example;
	return "on";
}

static void collect_vmx(void *ctx, const char *name, const char *kind, const char *values, bool supported,
			const char *why)
{
	struct collect *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->list[i].name, name))
			return; /* listed twice */
	if (strchr(name, '['))	/* cpuid.LEAF[.SUBLEAF].REG: a family of keys, not one */
		return;
	c->list = xs_realloc(c->list, (c->n + 1) * sizeof(*c->list));
	struct xs_tune_control *t = &c->list[c->n++];
	memset(t, 0, sizeof(*t));
	t->name = name; /* the launcher's tables are static */
	t->kind = kind;
	t->values = values;
	for (size_t i = 0; i < XS_ARRAY_SIZE(kvm_controls); i++)
		if (!strcmp(name, kvm_controls[i].name)) { /* a generic key: its kind and values in words */
			t->name = kvm_controls[i].name;
			t->kind = kvm_controls[i].kind;
			t->values = kvm_controls[i].values;
		}
	if (!strncmp(name, "vmx.", 4)) {
		t->name = xs_strdup(name); /* the launcher formats these names into a buffer of its own */
	}
	t->example = vmx_example(t->name, t->kind);
	t->supported = supported;
	snprintf(t->why, sizeof(t->why), "%s", why ? why : "");
}

const char *xs_tune_backend_resolve(const char *backend)
{
	if (backend && strcmp(backend, "auto"))
		return backend;
	/* as the launcher picks for a run: kvm when the KVM device opens, else vmx */
	const char *dev = getenv("EXITSCOPE_KVM");
	return access(dev && *dev ? dev : "/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "vmx";
}

void xs_tune_controls_free(struct xs_tune_control *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].owned)
			free((char *)list[i].name);
	free(list);
}

int xs_tune_controls(const char *backend, const char *cpu_model, struct xs_tune_control **out, size_t *n, char *err,
		     size_t errlen)
{
	*out = NULL;
	*n = 0;
	backend = xs_tune_backend_resolve(backend);
	if (!strcmp(backend, "vmx")) {
		struct collect c = {NULL, 0};
		if (xs_launch_list_controls("vmx", cpu_model, collect_vmx, &c, err, errlen)) {
			xs_tune_controls_free(c.list, c.n);
			return -1;
		}
		for (size_t i = 0; i < c.n; i++)
			c.list[i].owned = !strncmp(c.list[i].name, "vmx.", 4);
		*out = c.list;
		*n = c.n;
		return 0;
	}
	if (strcmp(backend, "kvm"))
		return ERR("unknown backend '%s' (kvm, vmx or auto)", backend);
	if (cpu_model)
		return ERR("cpu_model '%s': the kvm backend runs on the host's CPU", cpu_model);
	*n = XS_ARRAY_SIZE(kvm_controls);
	*out = xs_malloc(sizeof(kvm_controls));
	memcpy(*out, kvm_controls, sizeof(kvm_controls));
	for (size_t i = 0; i < *n; i++)
		probe(&(*out)[i]);
	return 0;
}
