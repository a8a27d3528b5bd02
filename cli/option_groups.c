// SPDX-License-Identifier: MIT
/* The launch, collect and output option groups (cli/option_groups.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/kvm_device.h"
#include "cli/option_groups.h"
#include "collector/collector.h"
#include "collector/filter.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"

/* ---- launch ---- */

#define L_OFF(f) offsetof(struct xs_launch_args, f)

static int take_mode(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct xs_launch_args *a = base;
	return (a->mode = xs_mode_parse(arg)) ? 0 : -1;
}

static int take_iterations(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct xs_launch_args *a = base;
	a->iterations_set = true;
	return xs_parse_range(arg, 0, UINT32_MAX, &a->iterations) ? 0 : -1;
}

static int take_setting(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)err, (void)len;
	struct xs_launch_args *a = base;
	a->settings = xs_realloc(a->settings, (a->n + 1) * sizeof(*a->settings));
	a->settings[a->n++] = (struct xs_launch_setting){(char)o->tag, arg};
	return 0;
}

static const char *const launch_backends[] = {"kvm", "vmx", "auto", NULL};

static const struct xs_opt launch_opts[] = {
	XS_OPT_ENTRY("mode", 0, "MODE", "real, protected or long (default: the guest's, long for the built-ins)",
		     .kind = XS_OPT_CALL, .call = take_mode, .expect = "use real, protected or long"),
	XS_OPT_ENTRY("vcpus", 0, "N", "vCPUs, one host thread each (default 1, at most 64)", .kind = XS_OPT_U64,
		     .off = L_OFF(vcpus), .min = 1, .max = XS_MAX_VCPUS, .expect = "give 1-64"),
	XS_OPT_ENTRY("mem", 0, "MB", "guest memory in MiB (default 16, at most 3072)", .kind = XS_OPT_U64,
		     .off = L_OFF(mem_mb), .min = 1, .max = XS_LAUNCH_MAX_MEM_MB, .expect = "give 1-3072 (MiB)"),
	XS_OPT_ENTRY("iterations", 0, "N",
		     "iterations of the guest's loop per vCPU (0 = until stopped; default: run 1000,\n"
		     "top and serve until stopped)",
		     .kind = XS_OPT_CALL, .call = take_iterations, .expect = "give 0-4294967295"),
	XS_OPT_ENTRY("param", 0, "NAME=VALUE", "a guest parameter (run --describe lists them)", .kind = XS_OPT_CALL,
		     .call = take_setting, .tag = 'p'),
	XS_OPT_ENTRY("controls", 0, "FILE", "exit controls, one KEY = VALUE per line (docs/controls.md)",
		     .kind = XS_OPT_CALL, .call = take_setting, .tag = 'f'),
	XS_OPT_ENTRY("control", 0, "KEY=VALUE", "one exit control; later settings of a key replace earlier ones",
		     .kind = XS_OPT_CALL, .call = take_setting, .tag = 'c'),
	XS_OPT_ENTRY("no-default-controls", 0, NULL, "start from no controls instead of the guest's defaults",
		     .kind = XS_OPT_FLAG, .off = L_OFF(no_defaults)),
	XS_OPT_ENTRY("allow-unsupported", 0, NULL,
		     "run without controls the host does not honour, recording them as unsupported.*",
		     .kind = XS_OPT_FLAG, .off = L_OFF(allow)),
	XS_OPT_ENTRY("backend", 0, "B",
		     "kvm (the KVM API), vmx (the kmod-vmx VT-x core: the kmod-vmx module where\n"
		     "/dev/kmod-vmx exists, else inside Bochs) or auto (default: kvm when the KVM\n"
		     "device opens, else vmx)",
		     .kind = XS_OPT_STRING, .off = L_OFF(backend), .choices = launch_backends,
		     .expect = "use kvm, vmx or auto"),
	XS_OPT_ENTRY("cpu-model", 0, "NAME",
		     "vmx: the emulated Intel CPU (default: the model with the most VMX controls;\n"
		     "run --list-cpu-models lists them)",
		     .kind = XS_OPT_STRING, .off = L_OFF(cpu_model)),
	XS_OPT_END_ENTRY,
};

const struct xs_opt_group xs_launch_group = {"Launch", launch_opts};

void xs_launch_args_init(struct xs_launch_args *a)
{
	memset(a, 0, sizeof(*a));
	a->vcpus = 1;
	a->mem_mb = XS_LAUNCH_DEFAULT_MEM_MB;
}

void xs_launch_args_free(struct xs_launch_args *a)
{
	free(a->settings);
	a->settings = NULL;
	a->n = 0;
}

/* ---- collect ---- */

#define C_OFF(f) offsetof(struct xs_col_opts, f)

static int take_vcpu(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct xs_col_opts *c = base;
	uint64_t v;
	if (!xs_parse_range(arg, 0, 0xfffffffe, &v))
		return -1;
	c->vcpu_filter = true;
	c->vcpu = (uint32_t)v;
	return 0;
}

static int take_reasons(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o;
	struct xs_col_opts *c = base;
	if (xs_col_parse_reasons(arg, &c->reasons, err, len))
		return -1;
	c->reason_list = arg;
	return 0;
}

static int take_events(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o;
	struct xs_col_opts *c = base;
	return xs_col_parse_events(arg, &c->events, err, len) ? -1 : 0;
}

static int take_guest_state(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct xs_col_opts *c = base;
	for (size_t i = 0; i < XS_ARRAY_SIZE(xs_col_gs_level_names); i++) {
		if (!strcmp(arg, xs_col_gs_level_names[i])) {
			c->gs_level = (enum xs_bpf_gs_level)i;
			return 0;
		}
	}
	return -1;
}

static int take_ring_size(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct xs_col_opts *c = base;
	uint64_t v;
	if (!xs_parse_range(arg, 4096, 1ull << 30, &v))
		return -1;
	c->ring_bytes = (size_t)v;
	return 0;
}

static const char *const col_backends[] = {"auto", "bpf", "perf", NULL};
static const char *const exit_sources[] = {"auto", "btf", "tp", "both", NULL};
static const char *const detail_sources[] = {"auto", "btf", "tp", NULL};

static const struct xs_opt collect_opts[] = {
	XS_OPT_ENTRY("pid", 'p', "PID", "only the VMs of this process (record: recording ends when it does)",
		     .kind = XS_OPT_U32, .off = C_OFF(pid), .min = 1, .max = 0x7fffffff,
		     .expect = "expected a process id"),
	XS_OPT_ENTRY("vcpu", 0, "N", "only vCPU N", .kind = XS_OPT_CALL, .call = take_vcpu,
		     .expect = "expected a vCPU number"),
	XS_OPT_ENTRY("reason", 0, "LIST",
		     "only these exit reasons: comma-separated [vmx:|svm:|host:]NAME or ISA:NUMBER;\n"
		     "a bare name selects it in every table (cpuid = vmx 10, svm 0x72, host CPUID)",
		     .kind = XS_OPT_CALL, .call = take_reasons),
	XS_OPT_ENTRY("events", 0, "LIST",
		     "tracepoints: exit entry pio mmio msr cr cpuid hypercall userspace_exit\n"
		     "inj_exception page_fault emulate_insn nested_vmexit, or all; +NAME/-NAME change\n"
		     "the default (all but emulate_insn and nested_vmexit)",
		     .kind = XS_OPT_CALL, .call = take_events),
	XS_OPT_ENTRY("sample", 0, "N", "keep one exit in N (records are flagged sampled)", .kind = XS_OPT_U32,
		     .off = C_OFF(sample_n), .min = 1, .max = 1u << 30,
		     .expect = "expected N >= 1 (keep one exit in N)"),
	XS_OPT_ENTRY("backend", 0, "B", "auto (BPF, else perf, saying why), bpf or perf", .kind = XS_OPT_CHOICE,
		     .off = C_OFF(backend), .choices = col_backends, .expect = "expected auto, bpf or perf"),
	XS_OPT_ENTRY("guest-state", 0, "LEVEL",
		     "BPF snapshot at each kvm_exit: full (default), regs (GPRs, RIP, cached CRs), none",
		     .kind = XS_OPT_CALL, .call = take_guest_state, .expect = "expected full, regs or none"),
	XS_OPT_ENTRY("ring-size", 0, "BYTES", "BPF ring (default 16 MiB) or each per-CPU perf ring (default 4 MiB)",
		     .kind = XS_OPT_CALL, .call = take_ring_size, .expect = "expected bytes between 4096 and 1 GiB"),
	XS_OPT_ENTRY("exit-source", 0, "S",
		     "kvm_exit programs: auto, btf, tp or both (for testing the merge of the halves)",
		     .kind = XS_OPT_CHOICE, .off = C_OFF(exit_source), .choices = exit_sources,
		     .expect = "expected auto, btf, tp or both"),
	XS_OPT_ENTRY("detail-source", 0, "S", "the other tracepoints' programs: auto (tp_btf, else classic), btf or tp",
		     .kind = XS_OPT_CHOICE, .off = C_OFF(detail_source), .choices = detail_sources,
		     .expect = "expected auto, btf or tp"),
	XS_OPT_ENTRY("verbose", 0, NULL, "libbpf's and the verifier's messages", .kind = XS_OPT_FLAG,
		     .off = C_OFF(verbose)),
	XS_OPT_END_ENTRY,
};

const struct xs_opt_group xs_collect_group = {"Collect (the host's VMs, from the KVM tracepoints)", collect_opts};

void xs_col_opts_init(struct xs_col_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->gs_level = XS_BPF_GS_FULL;
}

/* ---- output ---- */

#define O_OFF(f) offsetof(struct xs_output_args, f)

static const struct xs_opt output_opts[] = {
	XS_OPT_ENTRY("output", 'o', "OUTPUT", "where records go (FILE.xsr, or the store)", .kind = XS_OPT_STRING,
		     .off = O_OFF(output)),
	XS_OPT_ENTRY("print", 0, NULL, "also print every record, one line each (JSON lines with --json)",
		     .kind = XS_OPT_FLAG, .off = O_OFF(print)),
	XS_OPT_ENTRY("json", 0, NULL, "the summary as one JSON object", .kind = XS_OPT_FLAG, .off = O_OFF(json)),
	XS_OPT_ENTRY("duration", 0, "S", "stop after S seconds", .kind = XS_OPT_SECONDS, .off = O_OFF(duration),
		     .min = 1, .expect = "expected seconds > 0"),
	XS_OPT_END_ENTRY,
};

const struct xs_opt_group xs_output_group = {"Output", output_opts};

/* ---- the launch options applied to a launch configuration ---- */

int xs_launch_args_apply(const struct xs_launch_args *a, struct xs_launch_config *cfg, char *err, size_t len)
{
	if (a->mode)
		cfg->mode = a->mode;
	if (a->no_defaults)
		xs_controls_init(&cfg->controls);
	for (size_t i = 0; i < a->n; i++)
		if (xs_launch_config_setting(cfg, a->settings[i].kind, a->settings[i].value, err, len))
			return -1;
	cfg->vcpus = (unsigned int)a->vcpus;
	cfg->mem_mb = a->mem_mb;
	if (a->iterations_set)
		cfg->iterations = (uint32_t)a->iterations;
	cfg->allow_unsupported = a->allow;
	cfg->backend = a->backend;
	cfg->cpu_model = a->cpu_model;
	cfg->kvm_path = xs_cli_kvm_device(); /* EXITSCOPE_KVM */
	return 0;
}
