// SPDX-License-Identifier: MIT
/*
 * exitscope serve: a Prometheus / OpenMetrics endpoint over the exits of a source (cli/sources.h: the host's
 * VMs through the collector, a guest launched here, or a replay of a stored run). The source feeds the shared
 * aggregator (fleet/metrics.h) through a sink; scrapes render from the aggregator, never from records.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/sources.h"
#include "cli/summary.h"
#include "common/util.h"
#include "fleet/http_server.h"
#include "fleet/metrics.h"
#include "tui/vmnames.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope serve --metrics ADDR:PORT [OPTIONS] [-p PID] [--backend auto|bpf|perf]\n"
		"       exitscope serve --metrics ADDR:PORT [OPTIONS] --replay FILE [--speed X] [--run-id N]\n"
		"       exitscope serve --metrics ADDR:PORT [OPTIONS] --run GUEST [--iterations N] ...\n"
		"\n"
		"Serve the exits of a source as Prometheus metrics at http://ADDR:PORT/metrics: exits per VM (pid and\n"
		"name), vCPU and reason, exit-to-entry latency histograms per reason, ring losses per CPU, this\n"
		"process's CPU time. When the source ends its summary is printed and the endpoint keeps answering\n"
		"(until Ctrl-C / SIGTERM, or --linger S); when the source fails, serve exits with status 1.\n"
		"\n"
		"%s"
		"Metrics:\n"
		"      --metrics ADDR:PORT   where to listen: 127.0.0.1:9464, [::1]:9464, :9464 (every address)\n"
		"      --max-vms N           VMs with their own series (kept once given); the rest are pid=\"other\"\n"
		"                            (default %u)\n"
		"      --max-vcpus N         vCPUs of a VM with their own series; the rest vcpu=\"other\" (default "
		"%u)\n"
		"      --linger S            after the source ends, answer S more seconds, then exit (default: until\n"
		"                            interrupted)\n"
		"      --json                the end-of-source summary as one JSON object\n"
		"  -h, --help                this text\n",
		xs_source_usage, XS_METRICS_MAX_VMS_DEFAULT, XS_METRICS_MAX_VCPUS_DEFAULT);
}

enum { OPT_METRICS = XS_SOURCE_OPT_END, OPT_MAX_VMS, OPT_MAX_VCPUS, OPT_LINGER, OPT_JSON };

static const struct option longopts[] = {
	XS_SOURCE_LONGOPTS,
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"max-vms", required_argument, NULL, OPT_MAX_VMS},
	{"max-vcpus", required_argument, NULL, OPT_MAX_VCPUS},
	{"linger", required_argument, NULL, OPT_LINGER},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct serve_args {
	struct xs_source_args src;
	const char *metrics;
	uint64_t max_vms, max_vcpus;
	double linger; /* < 0: until interrupted */
	bool json;
};

static int bad(const char *fmt, const char *arg)
{
	return xs_usage_error("serve", fmt, arg);
}

static int take_option(struct serve_args *a, int c, const char *arg)
{
	int rc = xs_source_option(&a->src, "serve", c, arg);
	if (rc >= 0)
		return rc;
	switch (c) {
	case OPT_METRICS:
		a->metrics = arg;
		return 0;
	case OPT_MAX_VMS:
		return xs_parse_range(arg, 1, 10000, &a->max_vms) ? 0 : bad("--max-vms '%s': give 1 to 10000", arg);
	case OPT_MAX_VCPUS:
		return xs_parse_range(arg, 1, 4096, &a->max_vcpus) ? 0 : bad("--max-vcpus '%s': give 1 to 4096", arg);
	case OPT_LINGER:
		return xs_parse_seconds(arg, &a->linger) ? 0 : bad("--linger '%s': give seconds", arg);
	case OPT_JSON:
		a->json = true;
		return 0;
	case 'h':
		usage(stdout);
		return -1;
	default:
		return bad("unknown or incomplete option '%s'", arg);
	}
}

static atomic_int interrupted;

static void on_signal(int sig)
{
	atomic_store(&interrupted, sig);
}

struct endpoint {
	struct xs_metrics *metrics;
};

static int handle(void *ctx, const char *path, FILE *out, const char **content_type)
{
	struct endpoint *e = ctx;
	if (!strcmp(path, "/metrics")) {
		xs_metrics_render(e->metrics, out);
		*content_type = "text/plain; version=0.0.4; charset=utf-8";
		return 200;
	}
	if (!strcmp(path, "/")) {
		fputs("exitscope serve: metrics at /metrics\n", out);
		return 200;
	}
	return 404;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Aggregation mode: the kernel's counts are read into the metrics at this interval (and once at the end). */
#define REFRESH_NS 1000000000ull

struct count_read {
	struct tui_source *src;
	uint64_t now;
};

static int add_source_counts(void *ctx, struct xs_agg *agg)
{
	struct count_read *r = ctx;
	return r->src->ops->aggregate(r->src, agg, r->now);
}

static void read_counts(struct xs_metrics *m, struct tui_source *src)
{
	struct count_read r = {src, xs_now_ns()};
	int e = xs_metrics_add_counted(m, add_source_counts, &r);
	if (e < 0)
		xs_err("serve: reading the kernel's counts failed: %s", strerror(-e));
}

static int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	memset(&a, 0, sizeof(a));
	xs_source_args_init(&a.src);
	a.max_vms = XS_METRICS_MAX_VMS_DEFAULT;
	a.max_vcpus = XS_METRICS_MAX_VCPUS_DEFAULT;
	a.linger = -1;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+p:h", longopts, NULL)) != -1) {
		int rc = take_option(&a, c, c == '?' || c == ':' ? argv[optind - 1] : optarg);
		if (rc)
			return rc < 0 ? XS_EXIT_OK : rc;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!a.metrics)
		return bad("%s", "give --metrics ADDR:PORT");

	int status;
	struct tui_source *src = xs_source_open(&a.src, "serve", argc, argv, &status);
	if (!src)
		return status;
	static struct tui_vmnames names; /* large; used by the server thread under the metrics lock */
	tui_vmnames_init(&names, src->live);
	struct xs_metrics *m =
		xs_metrics_new((unsigned int)a.max_vms, (unsigned int)a.max_vcpus, tui_vmnames_get, &names);
	xs_metrics_set_live(m, src->live);
	struct endpoint ep = {m};
	char err[512];
	struct xs_http_server *server = xs_http_server_start(a.metrics, handle, &ep, err, sizeof(err));
	if (!server) {
		xs_err("serve: %s", err);
		src->ops->destroy(src);
		xs_metrics_free(m);
		return XS_EXIT_FAILURE;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	uint64_t t0 = xs_now_ns();
	if (src->ops->start(src, xs_metrics_sink(m), err, sizeof(err))) {
		xs_err("serve: %s", err);
		xs_http_server_stop(server);
		src->ops->destroy(src);
		xs_metrics_free(m);
		return XS_EXIT_FAILURE;
	}
	fprintf(stderr, "exitscope: serve: %s; metrics at http://%s/metrics\n", src->label,
		xs_http_server_address(server));
	const char *msg = NULL;
	bool counted = src->ops->counts && src->ops->counts(src);
	fprintf(stderr, "exitscope: serve: counting %s\n", src->counting[0] ? src->counting : "per exit");
	uint64_t next_count = 0;
	while (!atomic_load(&interrupted) && tui_source_state(src, &msg) == TUI_SOURCE_RUNNING) {
		if (counted && xs_now_ns() >= next_count) {
			read_counts(m, src);
			next_count = xs_now_ns() + REFRESH_NS;
		}
		sleep_ms(50);
	}
	src->ops->stop(src);
	if (counted)
		read_counts(m, src); /* the exits since the last refresh */
	enum tui_source_state end = tui_source_state(src, &msg);
	xs_metrics_set_running(m, 0);
	double seconds = (double)(xs_now_ns() - t0) / 1e9;

	struct xs_agg *snap = xs_metrics_snapshot(m);
	struct xs_summary_info info = {seconds, 0, NULL};
	if (a.json)
		xs_summary_print_json(stdout, snap, &info);
	else
		xs_summary_print_text(stdout, snap, &info);
	fflush(stdout);
	xs_agg_free(snap);
	if (end == TUI_SOURCE_FAILED)
		xs_err("serve: %s", msg ? msg : "the source failed");
	else
		fprintf(stderr, "exitscope: serve: %s\n", msg ? msg : "interrupted");

	if (!atomic_load(&interrupted) && end != TUI_SOURCE_FAILED) { /* a failure ends serve at once */
		uint64_t until = a.linger < 0 ? UINT64_MAX : xs_now_ns() + (uint64_t)(a.linger * 1e9);
		while (!atomic_load(&interrupted) && xs_now_ns() < until)
			sleep_ms(50);
	}
	xs_http_server_stop(server);
	src->ops->destroy(src);
	xs_metrics_free(m);
	return end == TUI_SOURCE_FAILED ? XS_EXIT_FAILURE : XS_EXIT_OK;
}

XS_COMMAND(serve, "Prometheus metrics endpoint over live, launched or replayed exits", cmd_serve);
