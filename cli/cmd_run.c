// SPDX-License-Identifier: MIT
/*
 * exitscope run: launch a built-in guest (or an image) under KVM, record every userspace exit, print a summary.
 * The launcher library (launcher/launcher.h) does the work; this file parses the command line, wires the
 * sinks (aggregator, output file, printer) and handles Ctrl-C and --duration.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "cli/kvm_device.h"
#include "cli/option_groups.h"
#include "cli/options.h"
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

static const char synopsis[] =
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
	"Run a guest under KVM (or on exitscope's own VT-x layer, --backend vmx), one thread per vCPU, record\n"
	"every exit that reaches user space and print a summary per exit reason. Records go to OUTPUT (*.xsr record "
	"file, or the store) when -o is given; without\n"
	"it only the summary is kept. Ctrl-C stops the run and keeps everything recorded. --duration alone runs\n"
	"until then.\n";

static const char epilog[] = "EXITSCOPE_KVM names the KVM device when it is not /dev/kvm; EXITSCOPE_KMOD_VMX the "
			     "module's when it is\n"
			     "not /dev/kmod-vmx.\n";

struct run_args {
	struct xs_launch_args launch;
	struct xs_output_args out;
	const char *image, *vmx_host;
	bool entry_set, load_set, list, describe, no_record, list_models, list_controls;
	uint64_t entry, load;
};

#define R_OFF(f) offsetof(struct run_args, f)

/* --entry and --load: an address, and that it was given. */
static int take_address(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)err, (void)len;
	struct run_args *a = base;
	bool entry = o->tag == 'e';
	*(entry ? &a->entry_set : &a->load_set) = true;
	return xs_parse_u64(arg, entry ? &a->entry : &a->load) ? 0 : -1;
}

static const char *const vmx_hosts[] = {"module", "bochs", "auto", NULL};

static const struct xs_opt run_opts[] = {
	XS_OPT_ENTRY("guest", 0, "NAME", "built-in guest (default mixed; --list-guests shows them)",
		     .kind = XS_OPT_STRING, .off = R_OFF(launch.guest)),
	XS_OPT_ENTRY("image", 0, "FILE", "flat binary or ELF image instead; needs --mode, and --entry for flat images",
		     .kind = XS_OPT_STRING, .off = R_OFF(image)),
	XS_OPT_ENTRY("entry", 0, "ADDR", "the image's entry point", .kind = XS_OPT_CALL, .call = take_address,
		     .tag = 'e', .expect = "not an address"),
	XS_OPT_ENTRY("load", 0, "ADDR", "where a flat image goes (default: the entry point)", .kind = XS_OPT_CALL,
		     .call = take_address, .tag = 'l', .expect = "not an address"),
	XS_OPT_ENTRY("vmx-host", 0, "H",
		     "vmx: module (the kmod-vmx Linux module on this CPU) or bochs (the core inside\n"
		     "Bochs); default: the module when its device exists and no --cpu-model is given",
		     .kind = XS_OPT_STRING, .off = R_OFF(vmx_host), .choices = vmx_hosts,
		     .expect = "use module, bochs or auto"),
	XS_OPT_ENTRY("no-record", 0, NULL, "handle exits but record nothing (the benchmark's baseline)",
		     .kind = XS_OPT_FLAG, .off = R_OFF(no_record)),
	XS_OPT_ENTRY("list-guests", 0, NULL, "the built-in guests", .kind = XS_OPT_FLAG, .off = R_OFF(list)),
	XS_OPT_ENTRY("describe", 0, NULL, "what a built-in guest does: its exits, parameters, default controls",
		     .kind = XS_OPT_FLAG, .off = R_OFF(describe)),
	XS_OPT_ENTRY("list-cpu-models", 0, NULL, "vmx: every CPU model with its VMX controls", .kind = XS_OPT_FLAG,
		     .off = R_OFF(list_models)),
	XS_OPT_ENTRY("list-controls", 0, NULL,
		     "every control of the backend, supported yes/no (vmx: for the CPU model)", .kind = XS_OPT_FLAG,
		     .off = R_OFF(list_controls)),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group run_group = {"Run", run_opts};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	memset(a, 0, sizeof(*a));
	xs_launch_args_init(&a->launch);
	const struct xs_opt_bind binds[] = {
		{&run_group, a, NULL, NULL},
		{&xs_launch_group, &a->launch, NULL, NULL},
		{&xs_output_group, &a->out, NULL, NULL},
	};
	const struct xs_opt_cmd cmd = {"run", synopsis, epilog, binds, XS_ARRAY_SIZE(binds), false, false};
	int rc = xs_opt_parse(&cmd, argc, argv, NULL);
	if (rc)
		return rc;
	if (a->launch.guest && a->image)
		return xs_usage_error("run", "give --guest or --image, not both");
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
	struct xs_sink *sink = xs_output_sinks(&a->out, agg, "run");
	if (!sink) {
		xs_agg_free(agg);
		return XS_EXIT_FAILURE;
	}

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
		supervise(l, &stop_signals, a->out.duration);
	}
	int rc = xs_launcher_join(l);
	double seconds = (double)(xs_now_ns() - t0) / 1e9;
	double run_seconds = (double)(xs_now_ns() - t_start) / 1e9; /* the vCPU threads' lifetime */
	struct xs_launch_counters c;
	xs_launcher_counters(l, &c);
	struct xs_summary_info info = {seconds, sink->dropped + c.lost, NULL};
	if (a->out.json) {
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
	status = xs_output_sinks_close(sink, agg, "run", status);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return status;
}

/* --list-guests, --list-cpu-models, --list-controls: -1 when none is given, else the exit status. */
static int list(const struct run_args *a)
{
	if (a->list) {
		list_guests();
		return XS_EXIT_OK;
	}
	if (a->list_models) {
		xs_vmx_print_models(stdout);
		return XS_EXIT_OK;
	}
	if (a->list_controls)
		return xs_print_controls(stdout, a->launch.backend, a->vmx_host, a->launch.cpu_model) ? XS_EXIT_FAILURE
												      : XS_EXIT_OK;
	return -1;
}

static int launch(const struct run_args *a, int argc, char **argv)
{
	char err[512];
	struct xs_launch_config cfg;
	int status = list(a);
	if (status >= 0)
		return status;
	const char *guest = a->image ? NULL : a->launch.guest ? a->launch.guest : "mixed";
	if (xs_launch_config_init(&cfg, guest, err, sizeof(err))) {
		xs_err("run: %s", err);
		return XS_EXIT_USAGE;
	}
	if (a->describe) {
		if (!guest)
			return xs_usage_error("run", "--describe is for built-in guests");
		describe_guest(xs_guest_find(guest), a->launch.mode ? a->launch.mode : cfg.mode);
		return XS_EXIT_OK;
	}
	if (xs_launch_args_apply(&a->launch, &cfg, err, sizeof(err))) {
		xs_err("run: %s", err);
		return XS_EXIT_FAILURE;
	}
	cfg.image_path = a->image;
	cfg.entry_set = a->entry_set;
	cfg.entry = a->entry;
	cfg.load_set = a->load_set;
	cfg.load = a->load;
	if (!a->launch.iterations_set && a->out.duration > 0)
		cfg.iterations = 0; /* --duration alone: run until then */
	cfg.no_record = a->no_record;
	cfg.vmx_host = a->vmx_host;
	cfg.error = print_error;
	char *cmdline = xs_join_args("exitscope", argc, argv);
	cfg.cmdline = cmdline;
	status = run_launcher(a, &cfg);
	free(cmdline);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a;
	int rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = launch(&a, argc, argv);
	xs_launch_args_free(&a.launch);
	return rc < 0 ? XS_EXIT_OK : rc;
}

XS_COMMAND(run, "run a guest (KVM or the VT-x layer) and record its exits", cmd_run);
