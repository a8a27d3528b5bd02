// SPDX-License-Identifier: MIT
/*
 * exitscope run: launch a built-in guest (or an image) under KVM, record every userspace exit, print a summary.
 * The launcher library (launcher/launcher.h) does the work; this file parses the command line, wires the
 * sinks (aggregator, output file, printer) and handles Ctrl-C and --duration.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "cli/kvm_device.h"
#include "cli/output.h"
#include "cli/print_sink.h"
#include "cli/summary.h"
#include "cli/vmx_lists.h"
#include "common/agg.h"
#include "common/sink.h"
#include "common/text.h"
#include "common/util.h"
#include "decoder/decoder.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"

static const char usage_text[] =
	"usage: exitscope run [--guest NAME | --image FILE --mode MODE [--entry ADDR] [--load ADDR]]\n"
	"                     [--mode real|protected|long] [--vcpus N] [--mem MB] [--iterations N]\n"
	"                     [--duration S] [--param NAME=VALUE]... [--controls FILE]... [--control KEY=VALUE]...\n"
	"                     [--no-default-controls] [--allow-unsupported] [-o OUTPUT] [--print] [--json]\n"
	"                     [--no-record] [--backend kvm|vmx|auto] [--vmx-host module|bochs]\n"
	"                     [--cpu-model NAME]\n"
	"       exitscope run --list-guests\n"
	"       exitscope run --list-cpu-models\n"
	"       exitscope run [--backend vmx|kvm] [--vmx-host module|bochs] [--cpu-model NAME] --list-controls\n"
	"       exitscope run --guest NAME [--mode MODE] --describe\n"
	"\n"
	"Run a guest under KVM (or on exitscope's own VT-x layer, --backend vmx), one thread per vCPU, record every "
	"exit that reaches user space and print a\n"
	"summary per exit reason. Records go to OUTPUT (*.xsr record file, or the store) when -o is given; without\n"
	"it only the summary is kept. Ctrl-C stops the run and keeps everything recorded.\n"
	"\n"
	"  --guest NAME            built-in guest (default mixed; --list-guests shows them)\n"
	"  --image FILE            flat binary or ELF image instead; needs --mode, and --entry for flat images\n"
	"  --entry ADDR, --load ADDR  entry point; where a flat image goes (default: the entry point)\n"
	"  --mode MODE             real, protected or long (default: the guest's, long for the built-ins)\n"
	"  --vcpus N               vCPUs, one host thread each (default 1, at most 64)\n"
	"  --mem MB                guest memory in MiB (default 16, at most 3072)\n"
	"  --iterations N          iterations of the guest's loop per vCPU (default 1000; 0 = until stopped)\n"
	"  --duration S            stop after S seconds (alone: run until then)\n"
	"  --param NAME=VALUE      a guest parameter (--describe lists them)\n"
	"  --controls FILE         exit controls, one KEY = VALUE per line (docs/controls.md)\n"
	"  --control KEY=VALUE     one exit control; later settings of a key replace earlier ones\n"
	"  --no-default-controls   start from no controls instead of the guest's defaults\n"
	"  --allow-unsupported     run without controls the host does not honour, recording them as unsupported.*\n"
	"  -o, --output OUTPUT     where records go (FILE.xsr, or the store)\n"
	"  --print                 also print every record, one line each (JSON lines with --json)\n"
	"  --json                  the summary as one JSON object\n"
	"  --no-record             handle exits but record nothing (the benchmark's baseline)\n"
	"  --backend B             kvm (the KVM API), vmx (the kmod-vmx VT-x core: the kmod-vmx module where\n"
	"                          /dev/kmod-vmx exists, else inside Bochs) or auto (default: kvm when the KVM\n"
	"                          device opens, else vmx)\n"
	"  --vmx-host H            vmx: module (the kmod-vmx Linux module on this CPU) or bochs (the core inside\n"
	"                          Bochs); default: the module when its device exists and no --cpu-model is given\n"
	"  --cpu-model NAME        vmx: the emulated Intel CPU (default: the model with the most VMX controls)\n"
	"  --list-cpu-models       vmx: every CPU model with its VMX controls\n"
	"  --list-controls         every control of the backend, supported yes/no (vmx: for the CPU model)\n"
	"\n"
	"EXITSCOPE_KVM names the KVM device when it is not /dev/kvm; EXITSCOPE_KMOD_VMX the module's when it is\n"
	"not /dev/kmod-vmx.\n";

enum opt {
	OPT_GUEST = 256,
	OPT_IMAGE,
	OPT_MODE,
	OPT_ENTRY,
	OPT_LOAD,
	OPT_VCPUS,
	OPT_MEM,
	OPT_ITER,
	OPT_DURATION,
	OPT_PARAM,
	OPT_CONTROLS,
	OPT_CONTROL,
	OPT_NO_DEFAULTS,
	OPT_ALLOW,
	OPT_PRINT,
	OPT_JSON,
	OPT_LIST,
	OPT_DESCRIBE,
	OPT_NO_RECORD,
	OPT_BACKEND,
	OPT_CPU_MODEL,
	OPT_VMX_HOST,
	OPT_LIST_MODELS,
	OPT_LIST_CONTROLS,
};

static const struct option options[] = {
	{"guest", required_argument, 0, OPT_GUEST},
	{"image", required_argument, 0, OPT_IMAGE},
	{"mode", required_argument, 0, OPT_MODE},
	{"entry", required_argument, 0, OPT_ENTRY},
	{"load", required_argument, 0, OPT_LOAD},
	{"vcpus", required_argument, 0, OPT_VCPUS},
	{"mem", required_argument, 0, OPT_MEM},
	{"iterations", required_argument, 0, OPT_ITER},
	{"duration", required_argument, 0, OPT_DURATION},
	{"param", required_argument, 0, OPT_PARAM},
	{"controls", required_argument, 0, OPT_CONTROLS},
	{"control", required_argument, 0, OPT_CONTROL},
	{"no-default-controls", no_argument, 0, OPT_NO_DEFAULTS},
	{"allow-unsupported", no_argument, 0, OPT_ALLOW},
	{"output", required_argument, 0, 'o'},
	{"print", no_argument, 0, OPT_PRINT},
	{"json", no_argument, 0, OPT_JSON},
	{"list-guests", no_argument, 0, OPT_LIST},
	{"describe", no_argument, 0, OPT_DESCRIBE},
	{"no-record", no_argument, 0, OPT_NO_RECORD},
	{"backend", required_argument, 0, OPT_BACKEND},
	{"cpu-model", required_argument, 0, OPT_CPU_MODEL},
	{"vmx-host", required_argument, 0, OPT_VMX_HOST},
	{"list-cpu-models", no_argument, 0, OPT_LIST_MODELS},
	{"list-controls", no_argument, 0, OPT_LIST_CONTROLS},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
};

struct run_args {
	const char *guest, *image, *output, *backend, *cpu_model, *vmx_host;
	unsigned int mode;
	bool entry_set, load_set, iterations_set, no_defaults, allow, print, json, list, describe, no_record;
	bool list_models, list_controls;
	uint64_t entry, load, vcpus, mem_mb, iterations;
	double duration;
	/* --param, --controls and --control in command-line order: "p" / "f" / "c" + argument */
	char **settings;
	size_t n_settings;
};

static int usage_error(const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	xs_err("run: %s (see exitscope run --help)", msg);
	return XS_EXIT_USAGE;
}

static void add_setting(struct run_args *a, char kind, const char *value)
{
	a->settings = xs_realloc(a->settings, (a->n_settings + 1) * sizeof(char *));
	a->settings[a->n_settings++] = xs_asprintf("%c%s", kind, value);
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	memset(a, 0, sizeof(*a));
	a->vcpus = 1;
	a->mem_mb = XS_LAUNCH_DEFAULT_MEM_MB;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_GUEST:
			a->guest = optarg;
			break;
		case OPT_IMAGE:
			a->image = optarg;
			break;
		case OPT_MODE:
			if (!(a->mode = xs_mode_parse(optarg)))
				return usage_error("--mode '%s': use real, protected or long", optarg);
			break;
		case OPT_ENTRY:
		case OPT_LOAD:
			if (!xs_parse_u64(optarg, c == OPT_ENTRY ? &a->entry : &a->load))
				return usage_error("'%s' is not an address", optarg);
			*(c == OPT_ENTRY ? &a->entry_set : &a->load_set) = true;
			break;
		case OPT_VCPUS:
			if (!xs_parse_range(optarg, 1, XS_MAX_VCPUS, &a->vcpus))
				return usage_error("--vcpus '%s': give 1-64", optarg);
			break;
		case OPT_MEM:
			if (!xs_parse_range(optarg, 1, XS_LAUNCH_MAX_MEM_MB, &a->mem_mb))
				return usage_error("--mem '%s': give 1-3072 (MiB)", optarg);
			break;
		case OPT_ITER:
			if (!xs_parse_range(optarg, 0, UINT32_MAX, &a->iterations))
				return usage_error("--iterations '%s': give 0-4294967295", optarg);
			a->iterations_set = true;
			break;
		case OPT_DURATION:
			if (!xs_parse_seconds(optarg, &a->duration) || a->duration <= 0)
				return usage_error("--duration '%s': give a positive number of seconds", optarg);
			break;
		case OPT_PARAM:
			add_setting(a, 'p', optarg);
			break;
		case OPT_CONTROLS:
			add_setting(a, 'f', optarg);
			break;
		case OPT_CONTROL:
			add_setting(a, 'c', optarg);
			break;
		case OPT_NO_DEFAULTS:
			a->no_defaults = true;
			break;
		case OPT_ALLOW:
			a->allow = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_PRINT:
			a->print = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		case OPT_DESCRIBE:
			a->describe = true;
			break;
		case OPT_NO_RECORD:
			a->no_record = true;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "vmx") && strcmp(optarg, "auto"))
				return usage_error("--backend '%s': use kvm, vmx or auto", optarg);
			a->backend = optarg;
			break;
		case OPT_CPU_MODEL:
			a->cpu_model = optarg;
			break;
		case OPT_VMX_HOST:
			if (strcmp(optarg, "module") && strcmp(optarg, "bochs") && strcmp(optarg, "auto"))
				return usage_error("--vmx-host '%s': use module, bochs or auto", optarg);
			a->vmx_host = optarg;
			break;
		case OPT_LIST_MODELS:
			a->list_models = true;
			break;
		case OPT_LIST_CONTROLS:
			a->list_controls = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->guest && a->image)
		return usage_error("%s", "give --guest or --image, not both");
	return 0;
}

static void list_guests(void)
{
	printf("%-8s %-20s %s\n", "guest", "modes", "what it does");
	for (size_t i = 0; xs_guests[i]; i++) {
		char modes[32] = "";
		for (unsigned int m = 16; m <= 64; m *= 2)
			if (xs_guest_image(xs_guests[i]->name, m))
				snprintf(modes + strlen(modes), sizeof(modes) - strlen(modes), "%s%s",
					 modes[0] ? "," : "", xs_mode_name(m));
		printf("%-8s %-20s %s\n", xs_guests[i]->name, modes, xs_guests[i]->summary);
	}
}

static void describe_guest(const struct xs_guest *g, unsigned int mode)
{
	printf("guest %s (%s mode): %s\n", g->name, xs_mode_name(mode), g->summary);
	printf("exits per iteration: %s\n", g->exits);
	for (int i = 0; i < XS_GUEST_ARGS; i++)
		if (g->params[i].name)
			printf("param %s = 0x%x: %s\n", g->params[i].name, g->params[i].def, g->params[i].help);
	for (const char *const *c = g->default_controls; *c; c++)
		printf("default control %s\n", *c);
	const struct xs_guest_blob *b = xs_guest_image(g->name, mode);
	if (!b)
		return;
	printf("image %zu bytes at 0x%x\n", b->size, XS_GPA_GUEST);
	for (const struct xs_guest_symbol *s = b->symbols; s->name; s++)
		printf("symbol %s 0x%llx\n", s->name, (unsigned long long)s->addr);
}

/* Apply --param / --controls / --control in the order given. */
static int apply_settings(const struct run_args *a, struct xs_launch_config *cfg)
{
	char err[512];
	for (size_t i = 0; i < a->n_settings; i++) {
		if (xs_launch_config_setting(cfg, a->settings[i][0], a->settings[i] + 1, err, sizeof(err))) {
			xs_err("run: %s", err);
			return -1;
		}
	}
	return 0;
}

static void print_error(void *ctx, const char *msg)
{
	(void)ctx;
	xs_err("%s", msg);
}

/* In-kernel exit counters worth showing next to the userspace ones. */
static const char *const shown_stats[] = {"exits",	    "halt_exits",	"io_exits",
					  "mmio_exits",	    "irq_window_exits", "irq_injections",
					  "nmi_injections", "insn_emulation",	"signal_exits"};

static void print_extra_text(struct xs_launcher *l, const struct xs_launch_counters *c, double run_seconds)
{
	printf("backend: %s\n", xs_launcher_backend_name(l));
	printf("handled %llu exits in %.3f s of guest run time (%.0f/s), recorded %llu, left out by record.* %llu",
	       (unsigned long long)c->exits, run_seconds, run_seconds > 0 ? (double)c->exits / run_seconds : 0.0,
	       (unsigned long long)c->recorded, (unsigned long long)c->filtered);
	if (c->injected || c->inject_overflow)
		printf(", injected %llu (reached the guest %llu, dropped %llu)", (unsigned long long)c->injected,
		       (unsigned long long)c->delivered, (unsigned long long)c->inject_overflow);
	if (c->stepovers)
		printf(", %llu single steps over breakpoints (this host ignores RF)", (unsigned long long)c->stepovers);
	printf("\n");
	char line[512] = "";
	for (size_t i = 0; i < XS_ARRAY_SIZE(shown_stats); i++) {
		uint64_t d;
		if (xs_launcher_stat_delta(l, shown_stats[i], &d))
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s +%llu", shown_stats[i],
				 (unsigned long long)d);
	}
	if (line[0])
		printf("KVM statistics over the run:%s\n", line);
	for (const char *const *u = xs_launcher_unsupported(l); *u; u++)
		printf("unsupported: %s\n", *u);
}

/* Append s as a JSON string (common/text.c's escaping) to the string in buf, truncated to fit. */
static void json_string(char *buf, size_t len, const char *s)
{
	size_t o = strlen(buf);
	buf[len - 1] = 0;
	FILE *f = o + 1 < len ? fmemopen(buf + o, len - 1 - o, "w") : NULL;
	if (!f)
		return;
	setvbuf(f, NULL, _IONBF, 0);
	xs_json_fputs(f, s);
	fclose(f);
}

static char *extra_json(struct xs_launcher *l, const struct xs_launch_counters *c, double run_seconds)
{
	size_t len = 8192;
	char *buf = xs_malloc(len);
	const char *msg;
	enum xs_launch_end end = xs_launcher_end(l, &msg);
	snprintf(buf, len, "\"backend\":\"%s\",\"status\":\"%s\",\"message\":", xs_launcher_backend_name(l),
		 xs_launch_end_name(end));
	if (msg)
		json_string(buf, len, msg);
	else
		strcat(buf, "null");
	snprintf(buf + strlen(buf), len - strlen(buf),
		 ",\"run_seconds\":%.6f,\"exits_handled\":%llu,\"recorded\":%llu,\"filtered\":%llu,\"lost\":%llu,"
		 "\"injected\":%llu,"
		 "\"delivered\":%llu,\"inject_overflow\":%llu,\"stepovers\":%llu,\"kvmstat\":{",
		 run_seconds, (unsigned long long)c->exits, (unsigned long long)c->recorded,
		 (unsigned long long)c->filtered, (unsigned long long)c->lost, (unsigned long long)c->injected,
		 (unsigned long long)c->delivered, (unsigned long long)c->inject_overflow,
		 (unsigned long long)c->stepovers);
	bool first = true;
	for (size_t i = 0; i < XS_ARRAY_SIZE(shown_stats); i++) {
		uint64_t d;
		if (!xs_launcher_stat_delta(l, shown_stats[i], &d))
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s\"%s\":%llu", first ? "" : ",", shown_stats[i],
			 (unsigned long long)d);
		first = false;
	}
	strcat(buf, "},\"unsupported\":[");
	first = true;
	for (const char *const *u = xs_launcher_unsupported(l); *u; u++) {
		if (!first)
			strcat(buf, ",");
		json_string(buf, len, *u);
		first = false;
	}
	strcat(buf, "]");
	return buf;
}

/* Wait for the run to end, turning SIGINT/SIGTERM and --duration into a clean stop. */
static void supervise(struct xs_launcher *l, const sigset_t *stop_signals, double duration)
{
	uint64_t deadline = duration > 0 ? xs_now_ns() + (uint64_t)(duration * 1e9) : 0;
	bool stopping = false;
	while (!xs_launcher_wait(l, 0)) {
		struct timespec tick = {0, 20 * 1000 * 1000};
		int sig = sigtimedwait(stop_signals, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			xs_launcher_stop(l, "interrupted");
			stopping = true;
		} else if (!stopping && deadline && xs_now_ns() >= deadline) {
			xs_launcher_stop(l, "duration");
			stopping = true;
		}
	}
}

static int run_launcher(const struct run_args *a, struct xs_launch_config *cfg)
{
	char err[512];
	struct xs_agg *agg = xs_agg_new();
	struct xs_sink *sinks[3];
	size_t n = 0;
	sinks[n++] = xs_agg_sink(agg);
	if (a->output) {
		struct xs_sink *out = xs_output_open(a->output, err, sizeof(err));
		if (!out) {
			xs_err("run: %s", err);
			xs_sink_close(sinks[0]);
			xs_agg_free(agg);
			return XS_EXIT_FAILURE;
		}
		sinks[n++] = out;
	}
	if (a->print)
		sinks[n++] = xs_print_sink(stdout, a->json ? XS_PRINT_JSON : XS_PRINT_TEXT, false);
	struct xs_sink *sink = xs_sink_tee(sinks, n);

	/* vCPU threads inherit this mask: SIGINT/SIGTERM reach only sigtimedwait below. */
	sigset_t stop_signals, old;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old);

	int status = XS_EXIT_FAILURE;
	struct xs_launcher *l = NULL;
	uint64_t t0 = xs_now_ns();
	if (xs_launcher_create(cfg, sink, &l, err, sizeof(err))) {
		xs_err("run: %s", err);
		xs_sink_meta(sink, XS_META_RUN_FAILED, err); /* the output must not hold a 'complete' run */
		goto out;
	}
	uint64_t t_start = xs_now_ns();
	if (xs_launcher_start(l, err, sizeof(err))) {
		xs_err("run: %s", err);
		xs_sink_meta(sink, XS_META_RUN_FAILED, err);
	} else {
		supervise(l, &stop_signals, a->duration);
	}
	int rc = xs_launcher_join(l);
	double seconds = (double)(xs_now_ns() - t0) / 1e9;
	double run_seconds = (double)(xs_now_ns() - t_start) / 1e9; /* the vCPU threads' lifetime */
	struct xs_launch_counters c;
	xs_launcher_counters(l, &c);
	struct xs_summary_info info = {seconds, sink->dropped + c.lost, NULL};
	if (a->json) {
		char *extra = extra_json(l, &c, run_seconds);
		info.extra_json = extra;
		xs_summary_print_json(stdout, agg, &info);
		free(extra);
	} else {
		xs_summary_print_text(stdout, agg, &info);
		print_extra_text(l, &c, run_seconds);
	}
	status = rc ? XS_EXIT_FAILURE : XS_EXIT_OK;
out:
	xs_launcher_destroy(l);
	int crc = xs_sink_close(sink);
	if (crc) {
		xs_err("run: closing the output failed: %s", strerror(-crc));
		status = XS_EXIT_FAILURE;
	}
	xs_agg_free(agg);
	fflush(stdout);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? XS_EXIT_OK : rc;
	int status = XS_EXIT_USAGE;
	char err[512];
	struct xs_launch_config cfg;
	char *cmdline = NULL;
	if (a.list) {
		list_guests();
		status = XS_EXIT_OK;
		goto out;
	}
	if (a.list_models) {
		xs_vmx_print_models(stdout);
		status = XS_EXIT_OK;
		goto out;
	}
	if (a.list_controls) {
		status = xs_print_controls(stdout, a.backend, a.vmx_host, a.cpu_model) ? XS_EXIT_FAILURE : XS_EXIT_OK;
		goto out;
	}
	const char *guest = a.image ? NULL : a.guest ? a.guest : "mixed";
	if (xs_launch_config_init(&cfg, guest, err, sizeof(err))) {
		xs_err("run: %s", err);
		goto out;
	}
	if (a.mode)
		cfg.mode = a.mode;
	if (a.describe) {
		if (!guest) {
			usage_error("%s", "--describe is for built-in guests");
			goto out;
		}
		describe_guest(xs_guest_find(guest), cfg.mode);
		status = XS_EXIT_OK;
		goto out;
	}
	if (a.no_defaults)
		xs_controls_init(&cfg.controls);
	if (apply_settings(&a, &cfg)) {
		status = XS_EXIT_FAILURE;
		goto out;
	}
	cfg.image_path = a.image;
	cfg.entry_set = a.entry_set;
	cfg.entry = a.entry;
	cfg.load_set = a.load_set;
	cfg.load = a.load;
	cfg.vcpus = (unsigned int)a.vcpus;
	cfg.mem_mb = a.mem_mb;
	if (a.iterations_set)
		cfg.iterations = (uint32_t)a.iterations;
	else if (a.duration > 0)
		cfg.iterations = 0; /* --duration alone: run until then */
	cfg.allow_unsupported = a.allow;
	cfg.no_record = a.no_record;
	cfg.backend = a.backend;
	cfg.cpu_model = a.cpu_model;
	cfg.vmx_host = a.vmx_host;
	cfg.kvm_path = xs_cli_kvm_device();
	cfg.error = print_error;
	cmdline = xs_join_args("exitscope", argc, argv);
	cfg.cmdline = cmdline;
	status = run_launcher(&a, &cfg);
out:
	free(cmdline);
	for (size_t i = 0; i < a.n_settings; i++)
		free(a.settings[i]);
	free(a.settings);
	return status;
}

XS_COMMAND(run, "run a guest (KVM or the VT-x layer) and record its exits", cmd_run);
