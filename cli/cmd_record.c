// SPDX-License-Identifier: MIT
/*
 * exitscope record: every exit of every VM on the host (or of one process / vCPU), from the KVM tracepoints,
 * into a record file or the store, optionally printed one line per exit, with a summary at the end. The
 * collector library (collector/collector.h) does the work; this file parses the command line, wires the
 * sinks and stops cleanly on Ctrl-C, SIGTERM, --duration or the end of the traced process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/kvm_device.h"
#include "cli/option_groups.h"
#include "cli/agg_poll.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/print_sink.h"
#include "cli/summary.h"
#include "collector/collector.h"
#include "collector/kvm_host.h"
#include "common/agg.h"
#include "common/util.h"

static const char synopsis[] =
	"usage: exitscope record [-p PID] [--vcpu N] [--reason LIST] [--events LIST] [--sample N]\n"
	"                        [--duration S] [-o OUTPUT] [--print] [--json] [--backend auto|bpf|perf]\n"
	"                        [--guest-state full|regs|none] [--ring-size BYTES] [--verbose]\n"
	"       exitscope record --summary [--per-exit] [-p PID] [--duration S] [--json] [filters]\n"
	"\n"
	"Record the VM exits of every VM on this host from the KVM tracepoints (a BPF program, or perf rings\n"
	"when BPF cannot load) and print a summary per exit reason. Records go to OUTPUT (*.xsr record file, or\n"
	"the store) when -o is given; with --print the summary goes to stderr. Ctrl-C stops and keeps everything\n"
	"recorded. Needs root (or CAP_BPF and CAP_PERFMON). Without a KVM device (/dev/kvm, or $EXITSCOPE_KVM)\n"
	"and with no VM running there is nothing to record: that is an error, or with --duration a notice (the\n"
	"recording goes on).\n";

struct record_args {
	struct xs_col_opts col;
	struct xs_output_args out;
	bool summary, per_exit;
};

#define R_OFF(f) offsetof(struct record_args, f)

static const struct xs_opt summary_opts[] = {
	XS_OPT_ENTRY("summary", 0, NULL,
		     "only the summary: exits are counted in the kernel (aggregation mode, BPF\n"
		     "backend: no record per exit, nothing to drop); no -o or --print",
		     .kind = XS_OPT_FLAG, .off = R_OFF(summary)),
	XS_OPT_ENTRY("per-exit", 0, NULL, "with --summary: stream every exit and count in user space (for comparison)",
		     .kind = XS_OPT_FLAG, .off = R_OFF(per_exit)),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group summary_group = {"Summary only", summary_opts};

/* 0 to run, XS_EXIT_USAGE on a bad command line, -1 after --help. */
static int parse_args(int argc, char **argv, struct record_args *a)
{
	memset(a, 0, sizeof(*a));
	xs_col_opts_init(&a->col);
	const struct xs_opt_bind binds[] = {
		{&xs_collect_group, &a->col, NULL, NULL},
		{&xs_output_group, &a->out, NULL, NULL},
		{&summary_group, a, NULL, NULL},
	};
	const struct xs_opt_cmd cmd = {"record", synopsis, NULL, binds, XS_ARRAY_SIZE(binds), false, false};
	int rc = xs_opt_parse(&cmd, argc, argv, NULL);
	if (rc)
		return rc;
	if (a->per_exit && !a->summary)
		return xs_usage_error("record", "%s",
				      "--per-exit goes with --summary (a recording streams every exit anyway)");
	if (a->summary && (a->out.output || a->out.print))
		return xs_usage_error("record", "%s", "--summary writes no records: no -o or --print");
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
	uint64_t deadline = a->out.duration > 0 ? xs_now_ns() + (uint64_t)(a->out.duration * 1e9) : 0;
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
	if (a->out.duration > 0) {
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

/* Collect until the end, then drain and note how it ended; the exit status. */
static int record_until_end(struct xs_collector *col, const struct record_args *a, struct xs_sink *sink,
			    struct xs_agg *agg)
{
	if (xs_collector_fallback_reason(col))
		xs_err("record: %s; using the perf backend", xs_collector_fallback_reason(col));
	if (a->col.aggregate && !xs_collector_aggregating(col))
		xs_err("record: the %s backend cannot count in the kernel: counting every exit in user space",
		       xs_collector_backend_name(col));
	/* In host-event mode no record ever has one (the run's metadata says so): only hardware mode tells. */
	if (xs_collector_hw_mode(col) && xs_collector_guest_state_missing(col))
		xs_err("record: no guest-state snapshots: %s", xs_collector_guest_state_missing(col));
	/* Tests and scripts wait for this line: from here on every exit is seen. */
	fprintf(stderr, "exitscope: recording with the %s backend (%s mode%s); Ctrl-C stops\n",
		xs_collector_backend_name(col), xs_collector_hw_mode(col) ? "hardware" : "host-event",
		xs_collector_aggregating(col) ? ", aggregation" : "");
	const char *end = collect(col, a);
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
	bool failed = !strcmp(end, "error") || e < 0;
	xs_sink_meta(sink, "run.exit_status", failed ? "error" : "ok");
	xs_sink_meta(sink, "run.end", end);
	if (failed)
		xs_sink_meta(sink, XS_META_RUN_FAILED, "the collector failed");
	int frc = xs_sink_flush(sink);
	if (frc)
		xs_err("record: writing the output failed: %s", strerror(-frc));
	return !failed && !frc ? XS_EXIT_OK : XS_EXIT_FAILURE;
}

/* The summary per reason and the collector's counters: on stdout, or stderr when records are printed. */
static void print_summary(const struct record_args *a, struct xs_collector *col, struct xs_agg *agg,
			  struct xs_sink *sink, double seconds)
{
	struct xs_col_counters k;
	xs_collector_get_counters(col, &k);
	FILE *out = a->out.print ? stderr : stdout;
	struct xs_summary_info info = {seconds, k.dropped_ring + k.lost_perf + sink->dropped + k.agg_full, NULL};
	if (a->out.json) {
		char *extra = counters_json(col, &k, sink->dropped);
		info.extra_json = extra;
		xs_summary_print_json(out, agg, &info);
		free(extra);
	} else {
		xs_summary_print_text(out, agg, &info);
		print_counters_text(out, col, &k, sink->dropped);
	}
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
	struct xs_sink *sink = xs_output_sinks(&a.out, agg, "record");
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
	status = record_until_end(col, &a, sink, agg);
	print_summary(&a, col, agg, sink, (double)(xs_now_ns() - t0) / 1e9);
out:
	xs_collector_close(col);
	status = xs_output_sinks_close(sink, agg, "record", status);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return status;
}

XS_COMMAND(record, "record the exits of every VM on this host from the KVM tracepoints", cmd_record);
