// SPDX-License-Identifier: MIT
/*
 * exitscope record: every exit of every VM on the host (or of one process / vCPU), from the KVM tracepoints,
 * into a record file or the store, optionally printed one line per exit, with a summary at the end. The
 * collector library (collector/collector.h) does the work; this file parses the command line, wires the
 * sinks and stops cleanly on Ctrl-C, SIGTERM, --duration or the end of the traced process.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/kvm_device.h"
#include "cli/output.h"
#include "cli/agg_poll.h"
#include "cli/print_sink.h"
#include "cli/summary.h"
#include "collector/collector.h"
#include "collector/kvm_host.h"
#include "common/agg.h"
#include "common/util.h"

static const char usage_text[] =
	"usage: exitscope record [-p PID] [--vcpu N] [--reason LIST] [--events LIST] [--sample N]\n"
	"                        [--duration S] [-o OUTPUT] [--print] [--json] [--backend auto|bpf|perf]\n"
	"                        [--guest-state full|regs|none] [--ring-size BYTES] [--verbose]\n"
	"       exitscope record --summary [--per-exit] [-p PID] [--duration S] [--json] [filters]\n"
	"\n"
	"Record the VM exits of every VM on this host from the KVM tracepoints (a BPF program, or perf rings\n"
	"when BPF cannot load) and print a summary per exit reason. Records go to OUTPUT (*.xsr record file, or\n"
	"the store) when -o is given. Ctrl-C stops and keeps everything recorded. Needs root (or CAP_BPF and\n"
	"CAP_PERFMON). Without a KVM device (/dev/kvm, or $EXITSCOPE_KVM) and with no VM running there is\n"
	"nothing to record: that is an error, or with --duration a notice (the recording goes on).\n"
	"\n"
	"  -p, --pid PID         only the VMs of this process; recording ends when it does\n"
	"  --vcpu N              only vCPU N\n"
	"  --reason LIST         only these exit reasons: comma-separated [vmx:|svm:|host:]NAME or ISA:NUMBER;\n"
	"                        a bare name selects it in every table (cpuid = vmx 10, svm 0x72, host CPUID)\n"
	"  --events LIST         tracepoints: exit entry pio mmio msr cr cpuid hypercall userspace_exit\n"
	"                        inj_exception page_fault emulate_insn nested_vmexit, or all; +NAME/-NAME change\n"
	"                        the default (all but emulate_insn and nested_vmexit)\n"
	"  --sample N            keep one exit in N (records are flagged sampled)\n"
	"  --duration S          stop after S seconds\n"
	"  -o, --output OUTPUT   where records go (FILE.xsr, or the store)\n"
	"  --print               print every record, one line each (JSON lines with --json; the summary then\n"
	"                        goes to stderr)\n"
	"  --json                the summary as one JSON object\n"
	"  --backend B           auto (BPF, else perf, saying why), bpf or perf\n"
	"  --guest-state LEVEL   BPF snapshot at each kvm_exit: full (default), regs (GPRs, RIP, cached CRs), none\n"
	"  --ring-size BYTES     BPF ring (default 16 MiB) or each per-CPU perf ring (default 4 MiB)\n"
	"  --exit-source S       kvm_exit programs: auto, btf, tp or both (for testing the merge of the halves)\n"
	"  --detail-source S     the other tracepoints' programs: auto (tp_btf, else classic), btf or tp\n"
	"  --verbose             libbpf's and the verifier's messages\n"
	"  --summary             only the summary: exits are counted in the kernel (aggregation mode, BPF\n"
	"                        backend: no record per exit, nothing to drop); no -o or --print\n"
	"  --per-exit            with --summary: stream every exit and count in user space (for comparison)\n";

enum opt {
	OPT_VCPU = 256,
	OPT_REASON,
	OPT_EVENTS,
	OPT_SAMPLE,
	OPT_DURATION,
	OPT_PRINT,
	OPT_JSON,
	OPT_BACKEND,
	OPT_GS,
	OPT_RING,
	OPT_EXIT_SOURCE,
	OPT_DETAIL_SOURCE,
	OPT_VERBOSE,
	OPT_SUMMARY,
	OPT_PER_EXIT,
};

static const struct option options[] = {
	{"pid", required_argument, 0, 'p'},
	{"vcpu", required_argument, 0, OPT_VCPU},
	{"reason", required_argument, 0, OPT_REASON},
	{"events", required_argument, 0, OPT_EVENTS},
	{"sample", required_argument, 0, OPT_SAMPLE},
	{"duration", required_argument, 0, OPT_DURATION},
	{"output", required_argument, 0, 'o'},
	{"print", no_argument, 0, OPT_PRINT},
	{"json", no_argument, 0, OPT_JSON},
	{"backend", required_argument, 0, OPT_BACKEND},
	{"guest-state", required_argument, 0, OPT_GS},
	{"ring-size", required_argument, 0, OPT_RING},
	{"exit-source", required_argument, 0, OPT_EXIT_SOURCE},
	{"detail-source", required_argument, 0, OPT_DETAIL_SOURCE},
	{"verbose", no_argument, 0, OPT_VERBOSE},
	{"summary", no_argument, 0, OPT_SUMMARY},
	{"per-exit", no_argument, 0, OPT_PER_EXIT},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
};

struct record_args {
	struct xs_col_opts col;
	double duration;
	const char *output;
	bool print, json;
	bool summary, per_exit;
};

static int usage_error(const char *fmt, const char *arg)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, arg);
	xs_err("record: %s (see exitscope record --help)", msg);
	return XS_EXIT_USAGE;
}

static bool pick(const char *arg, const char *const *names, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(arg, names[i])) {
			*out = (int)i;
			return true;
		}
	}
	return false;
}

/* 0 to run, XS_EXIT_USAGE on a bad command line, -1 after --help. */
static int parse_args(int argc, char **argv, struct record_args *a)
{
	memset(a, 0, sizeof(*a));
	a->col.gs_level = XS_BPF_GS_FULL;
	char err[256];
	uint64_t v;
	int c, k;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:o:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!xs_parse_range(optarg, 1, 0x7fffffff, &v))
				return usage_error("-p '%s': expected a process id", optarg);
			a->col.pid = (uint32_t)v;
			break;
		case OPT_VCPU:
			if (!xs_parse_range(optarg, 0, 0xfffffffe, &v))
				return usage_error("--vcpu '%s': expected a vCPU number", optarg);
			a->col.vcpu_filter = true;
			a->col.vcpu = (uint32_t)v;
			break;
		case OPT_REASON:
			if (xs_col_parse_reasons(optarg, &a->col.reasons, err, sizeof(err)))
				return usage_error("--reason: %s", err);
			a->col.reason_list = optarg;
			break;
		case OPT_EVENTS:
			if (xs_col_parse_events(optarg, &a->col.events, err, sizeof(err)))
				return usage_error("--events: %s", err);
			break;
		case OPT_SAMPLE:
			if (!xs_parse_range(optarg, 1, 1u << 30, &v))
				return usage_error("--sample '%s': expected N >= 1 (keep one exit in N)", optarg);
			a->col.sample_n = (uint32_t)v;
			break;
		case OPT_DURATION:
			if (!xs_parse_seconds(optarg, &a->duration) || a->duration <= 0)
				return usage_error("--duration '%s': expected seconds > 0", optarg);
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
		case OPT_SUMMARY:
			a->summary = true;
			break;
		case OPT_PER_EXIT:
			a->per_exit = true;
			break;
		case OPT_BACKEND: {
			static const char *const names[] = {"auto", "bpf", "perf"};
			if (!pick(optarg, names, XS_ARRAY_SIZE(names), &k))
				return usage_error("--backend '%s': expected auto, bpf or perf", optarg);
			a->col.backend = (enum xs_col_backend)k;
			break;
		}
		case OPT_GS:
			if (!pick(optarg, xs_col_gs_level_names, XS_ARRAY_SIZE(xs_col_gs_level_names), &k))
				return usage_error("--guest-state '%s': expected full, regs or none", optarg);
			a->col.gs_level = (enum xs_bpf_gs_level)k;
			break;
		case OPT_RING:
			if (!xs_parse_range(optarg, 4096, 1ull << 30, &v))
				return usage_error("--ring-size '%s': expected bytes between 4096 and 1 GiB", optarg);
			a->col.ring_bytes = (size_t)v;
			break;
		case OPT_EXIT_SOURCE: {
			static const char *const names[] = {"auto", "btf", "tp", "both"};
			if (!pick(optarg, names, XS_ARRAY_SIZE(names), &k))
				return usage_error("--exit-source '%s': expected auto, btf, tp or both", optarg);
			a->col.exit_source = (enum xs_col_exit_source)k;
			break;
		}
		case OPT_DETAIL_SOURCE: {
			static const char *const names[] = {"auto", "btf", "tp"};
			if (!pick(optarg, names, XS_ARRAY_SIZE(names), &k))
				return usage_error("--detail-source '%s': expected auto, btf or tp", optarg);
			a->col.detail_source = (enum xs_col_detail_source)k;
			break;
		}
		case OPT_VERBOSE:
			a->col.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->per_exit && !a->summary)
		return usage_error("%s", "--per-exit goes with --summary (a recording streams every exit anyway)");
	if (a->summary && (a->output || a->print))
		return usage_error("%s", "--summary writes no records: no -o or --print");
	if (a->summary) {
		a->col.aggregate = !a->per_exit;
		a->col.gs_level = XS_BPF_GS_NONE; /* nothing keeps a snapshot */
	}
	return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void catch_stop_signals(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
}

static bool process_gone(uint32_t pid)
{
	return pid && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* What ended the recording, for run.exit_status. */
static const char *collect(struct xs_collector *col, const struct record_args *a)
{
	uint64_t deadline = a->duration > 0 ? xs_now_ns() + (uint64_t)(a->duration * 1e9) : 0;
	while (!stop_signal) {
		int e = xs_collector_poll(col, 100);
		if (e < 0) {
			xs_err("record: reading the collector failed: %s", strerror(-e));
			return "error";
		}
		if (deadline && xs_now_ns() >= deadline)
			return "duration";
		if (process_gone(a->col.pid))
			return "process-exited";
	}
	return "interrupted";
}

static void print_counters_text(FILE *out, struct xs_collector *col, const struct xs_col_counters *k,
				uint64_t sink_dropped)
{
	if (xs_collector_aggregating(col)) {
		fprintf(out,
			"collector: %s backend, %s mode, counted in the kernel (aggregation mode); %llu not counted "
			"(cell map full), %llu filtered, %llu sampled out\n",
			xs_collector_backend_name(col), xs_collector_hw_mode(col) ? "hardware" : "host-event",
			(unsigned long long)k->agg_full, (unsigned long long)k->filtered,
			(unsigned long long)k->sampled_out);
		return;
	}
	fprintf(out,
		"collector: %s backend, %s mode; %llu events; dropped: %llu in the ring, %llu by perf, %llu by the "
		"output; %llu unjoined, %llu filtered, %llu sampled out, %llu bad events\n",
		xs_collector_backend_name(col), xs_collector_hw_mode(col) ? "hardware" : "host-event",
		(unsigned long long)k->events, (unsigned long long)k->dropped_ring, (unsigned long long)k->lost_perf,
		(unsigned long long)sink_dropped, (unsigned long long)k->unjoined, (unsigned long long)k->filtered,
		(unsigned long long)k->sampled_out, (unsigned long long)k->bad_events);
}

static char *counters_json(struct xs_collector *col, const struct xs_col_counters *k, uint64_t sink_dropped)
{
	if (xs_collector_aggregating(col))
		return xs_asprintf("\"collector\":{\"backend\":\"%s\",\"mode\":\"%s\",\"stream\":\"aggregate\","
				   "\"agg_full\":%llu,\"filtered\":%llu,\"sampled_out\":%llu}",
				   xs_collector_backend_name(col),
				   xs_collector_hw_mode(col) ? "hardware" : "host-event",
				   (unsigned long long)k->agg_full, (unsigned long long)k->filtered,
				   (unsigned long long)k->sampled_out);
	return xs_asprintf("\"collector\":{\"backend\":\"%s\",\"mode\":\"%s\",\"stream\":\"per-exit\",\"events\":%llu,"
			   "\"dropped_ring\":%llu,"
			   "\"lost_perf\":%llu,\"dropped_sink\":%llu,\"unjoined\":%llu,\"filtered\":%llu,"
			   "\"sampled_out\":%llu,\"bad_events\":%llu,\"read_fail\":%llu,\"wakeups\":%llu}",
			   xs_collector_backend_name(col), xs_collector_hw_mode(col) ? "hardware" : "host-event",
			   (unsigned long long)k->events, (unsigned long long)k->dropped_ring,
			   (unsigned long long)k->lost_perf, (unsigned long long)sink_dropped,
			   (unsigned long long)k->unjoined, (unsigned long long)k->filtered,
			   (unsigned long long)k->sampled_out, (unsigned long long)k->bad_events,
			   (unsigned long long)k->read_fail, (unsigned long long)k->wakeups);
}

static struct xs_sink *open_sinks(const struct record_args *a, struct xs_agg *agg)
{
	struct xs_sink *sinks[3];
	size_t n = 0;
	sinks[n++] = xs_agg_sink(agg);
	if (a->output) {
		char err[512];
		struct xs_sink *out = xs_output_open(a->output, err, sizeof(err));
		if (!out) {
			xs_err("record: %s", err);
			xs_sink_close(sinks[0]);
			return NULL;
		}
		sinks[n++] = out;
	}
	if (a->print)
		sinks[n++] = xs_print_sink(stdout, a->json ? XS_PRINT_JSON : XS_PRINT_TEXT, false);
	return xs_sink_tee(sinks, n);
}

/*
 * Without a KVM device no VM can start, and when none runs either there is nothing to record. Recording until
 * Ctrl-C (or until -p's process ends) would wait for nothing and then report 0 exits as if it had watched
 * VMs, so that is refused. A --duration recording is a measurement of a fixed window: it goes on after a
 * notice (a script recording a window on every host still gets a valid recording, whose metadata says why it
 * is empty, and a VM that does appear in it, e.g. after a KVM module is loaded, is recorded).
 * 0 to record (why[] says what is missing, or is empty), or XS_EXIT_FAILURE.
 */
static int check_kvm(const struct record_args *a, char *why, size_t len)
{
	const char *dev = xs_cli_kvm_device();
	struct stat st;
	why[0] = 0;
	const char *problem = stat(dev, &st) ? strerror(errno) : !S_ISCHR(st.st_mode) ? "not a device" : NULL;
	if (!problem || xs_kvm_vm_running())
		return 0;
	snprintf(why, len, "no KVM device (%s: %s) and no VM running", dev, problem);
	if (a->duration > 0) {
		xs_err("record: %s: nothing to record unless one appears; recording for the --duration anyway", why);
		return 0;
	}
	xs_err("record: nothing to record: %s (give --duration to record a fixed time anyway)", why);
	return XS_EXIT_FAILURE;
}

/* With -p: the traced process, named by its command line (`exitscope report` shows it). */
static void record_target(struct xs_sink *sink, uint32_t pid)
{
	char pid_text[16], cmdline[4096];
	if (!pid)
		return;
	snprintf(pid_text, sizeof(pid_text), "%u", pid);
	xs_sink_meta(sink, "target.pid", pid_text);
	if (xs_process_cmdline(pid, cmdline, sizeof(cmdline)))
		xs_sink_meta(sink, "target.cmdline", cmdline);
}

static int cmd_record(int argc, char **argv)
{
	struct record_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? XS_EXIT_OK : rc;
	if (a.col.pid && process_gone(a.col.pid)) {
		xs_err("record: no process %u", a.col.pid);
		return XS_EXIT_FAILURE;
	}
	char no_kvm[300];
	if (check_kvm(&a, no_kvm, sizeof(no_kvm)))
		return XS_EXIT_FAILURE;
	struct xs_agg *agg = xs_agg_new();
	struct xs_sink *sink = open_sinks(&a, agg);
	if (!sink) {
		xs_agg_free(agg);
		return XS_EXIT_FAILURE;
	}
	char *cmdline = xs_join_args("exitscope", argc, argv);
	xs_sink_meta(sink, "run.cmdline", cmdline);
	free(cmdline);
	record_target(sink, a.col.pid);
	if (no_kvm[0])
		xs_sink_meta(sink, "collector.no_kvm", no_kvm);

	int status = XS_EXIT_FAILURE;
	char err[768];
	struct sigaction old_int, old_term;
	stop_signal = 0;
	catch_stop_signals(&old_int, &old_term);
	uint64_t t0 = xs_now_ns();
	struct xs_collector *col = xs_collector_open(&a.col, sink, err, sizeof(err));
	if (!col) {
		xs_err("record: %s", err);
		xs_sink_meta(sink, XS_META_RUN_FAILED, err); /* the output must not hold a 'complete' run */
		goto out;
	}
	if (xs_collector_fallback_reason(col))
		xs_err("record: %s; using the perf backend", xs_collector_fallback_reason(col));
	if (a.col.aggregate && !xs_collector_aggregating(col))
		xs_err("record: the %s backend cannot count in the kernel: counting every exit in user space",
		       xs_collector_backend_name(col));
	/* In host-event mode no record ever has one (the run's metadata says so): only hardware mode tells. */
	if (xs_collector_hw_mode(col) && xs_collector_guest_state_missing(col))
		xs_err("record: no guest-state snapshots: %s", xs_collector_guest_state_missing(col));
	/* Tests and scripts wait for this line: from here on every exit is seen. */
	fprintf(stderr, "exitscope: recording with the %s backend (%s mode%s); Ctrl-C stops\n",
		xs_collector_backend_name(col), xs_collector_hw_mode(col) ? "hardware" : "host-event",
		xs_collector_aggregating(col) ? ", aggregation" : "");
	const char *end = collect(col, &a);
	int e = xs_collector_stop(col);
	if (e < 0)
		xs_err("record: draining the collector failed: %s", strerror(-e));
	if (e >= 0 && xs_collector_aggregating(col)) {
		struct xs_agg_poll *poll = xs_agg_poll_new();
		e = xs_agg_poll_read(poll, col, agg, xs_now_ns());
		xs_agg_poll_free(poll);
		if (e < 0)
			xs_err("record: reading the kernel's counts failed: %s", strerror(-e));
	}
	xs_sink_meta(sink, "run.exit_status", !strcmp(end, "error") || e < 0 ? "error" : "ok");
	xs_sink_meta(sink, "run.end", end);
	if (!strcmp(end, "error") || e < 0)
		xs_sink_meta(sink, XS_META_RUN_FAILED, "the collector failed");
	int frc = xs_sink_flush(sink);
	if (frc)
		xs_err("record: writing the output failed: %s", strerror(-frc));

	struct xs_col_counters k;
	xs_collector_get_counters(col, &k);
	double seconds = (double)(xs_now_ns() - t0) / 1e9;
	FILE *out = a.print ? stderr : stdout;
	struct xs_summary_info info = {seconds, k.dropped_ring + k.lost_perf + sink->dropped + k.agg_full, NULL};
	if (a.json) {
		char *extra = counters_json(col, &k, sink->dropped);
		info.extra_json = extra;
		xs_summary_print_json(out, agg, &info);
		free(extra);
	} else {
		xs_summary_print_text(out, agg, &info);
		print_counters_text(out, col, &k, sink->dropped);
	}
	status = strcmp(end, "error") && e >= 0 && !frc ? XS_EXIT_OK : XS_EXIT_FAILURE;
out:
	xs_collector_close(col);
	int crc = xs_sink_close(sink);
	if (crc) {
		xs_err("record: closing the output failed: %s", strerror(-crc));
		status = XS_EXIT_FAILURE;
	}
	xs_agg_free(agg);
	fflush(stdout);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return status;
}

XS_COMMAND(record, "record the exits of every VM on this host from the KVM tracepoints", cmd_record);
