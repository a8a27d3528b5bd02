// SPDX-License-Identifier: MIT
/*
 * exitscope serve: a Prometheus / OpenMetrics endpoint over the exits of a source (cli/sources.h: the host's
 * VMs through the collector, a guest launched here, or a replay of a stored run). The source feeds the shared
 * aggregator (fleet/metrics.h) through a sink; scrapes render from the aggregator, never from records.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/sources.h"
#include "cli/summary.h"
#include "common/util.h"
#include "fleet/http_server.h"
#include "fleet/metrics.h"
#include "tui/vmnames.h"

static const char synopsis[] =
	"usage: exitscope serve --metrics ADDR:PORT [OPTIONS] [-p PID] [--backend auto|bpf|perf]\n"
	"       exitscope serve --metrics ADDR:PORT [OPTIONS] --replay FILE [--speed X] [--run-id N]\n"
	"       exitscope serve --metrics ADDR:PORT [OPTIONS] --run GUEST [--iterations N] ...\n"
	"\n"
	"Serve the exits of a source as Prometheus metrics at http://ADDR:PORT/metrics: exits per VM (pid and\n"
	"name), vCPU and reason, exit-to-entry latency histograms per reason, ring losses per CPU, this\n"
	"process's CPU time. When the source ends its summary is printed and the endpoint keeps answering\n"
	"(until Ctrl-C / SIGTERM, or --linger S); when the source fails, serve exits with status 1.\n";

struct serve_args {
	struct xs_source_args src;
	const char *metrics;
	uint64_t max_vms, max_vcpus;
	double linger;		   /* < 0: until interrupted */
	struct xs_output_args out; /* --json */
};

#define STR_(x) #x
#define STR(x) STR_(x)
#define S_OFF(f) offsetof(struct serve_args, f)

static const struct xs_opt metrics_opts[] = {
	XS_OPT_ENTRY("metrics", 0, "ADDR:PORT", "where to listen: 127.0.0.1:9464, [::1]:9464, :9464 (every address)",
		     .kind = XS_OPT_STRING, .off = S_OFF(metrics)),
	XS_OPT_ENTRY("max-vms", 0, "N",
		     "VMs with their own series (kept once given); the rest are pid=\"other\" (default " STR(
			     XS_METRICS_MAX_VMS_DEFAULT) ")",
		     .kind = XS_OPT_U64, .off = S_OFF(max_vms), .min = 1, .max = 10000, .expect = "give 1 to 10000"),
	XS_OPT_ENTRY("max-vcpus", 0, "N",
		     "vCPUs of a VM with their own series; the rest vcpu=\"other\" (default " STR(
			     XS_METRICS_MAX_VCPUS_DEFAULT) ")",
		     .kind = XS_OPT_U64, .off = S_OFF(max_vcpus), .min = 1, .max = 4096, .expect = "give 1 to 4096"),
	XS_OPT_ENTRY("linger", 0, "S",
		     "after the source ends, answer S more seconds, then exit (default: until\ninterrupted)",
		     .kind = XS_OPT_SECONDS, .off = S_OFF(linger), .expect = "give seconds"),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group metrics_group = {"Metrics", metrics_opts};
static const char *const json_only[] = {"json", NULL};

/* 0 to serve, XS_EXIT_USAGE on a bad command line, -1 after --help. */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
	memset(a, 0, sizeof(*a));
	xs_source_args_init(&a->src);
	a->max_vms = XS_METRICS_MAX_VMS_DEFAULT;
	a->max_vcpus = XS_METRICS_MAX_VCPUS_DEFAULT;
	a->linger = -1;
	struct xs_opt_bind binds[XS_SOURCE_BINDS + 2];
	size_t n = xs_source_binds(&a->src, binds);
	binds[n++] = (struct xs_opt_bind){&metrics_group, a, NULL, NULL};
	binds[n++] = (struct xs_opt_bind){&xs_output_group, &a->out, json_only, NULL};
	const struct xs_opt_cmd cmd = {"serve", synopsis, NULL, binds, n, false, true};
	int rc = xs_opt_parse(&cmd, argc, argv, NULL);
	if (!rc && !a->metrics)
		rc = xs_usage_error("serve", "give --metrics ADDR:PORT");
	return rc;
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

/* Run the source into the metrics until it ends or a signal comes, print its summary; how it ended. */
static enum tui_source_state serve_source(const struct serve_args *a, struct tui_source *src, struct xs_metrics *m)
{
	const char *msg = NULL;
	uint64_t t0 = xs_now_ns();
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
	if (a->out.json)
		xs_summary_print_json(stdout, snap, &info);
	else
		xs_summary_print_text(stdout, snap, &info);
	fflush(stdout);
	xs_agg_free(snap);
	if (end == TUI_SOURCE_FAILED)
		xs_err("serve: %s", msg ? msg : "the source failed");
	else
		fprintf(stderr, "exitscope: serve: %s\n", msg ? msg : "interrupted");
	return end;
}

/* After the source: answer until interrupted, or for --linger seconds. */
static void linger(const struct serve_args *a)
{
	uint64_t until = a->linger < 0 ? UINT64_MAX : xs_now_ns() + (uint64_t)(a->linger * 1e9);
	while (!atomic_load(&interrupted) && xs_now_ns() < until)
		sleep_ms(50);
}

static int serve(const struct serve_args *a, int argc, char **argv)
{
	int status;
	struct tui_source *src = xs_source_open(&a->src, "serve", argc, argv, &status);
	if (!src)
		return status;
	static struct tui_vmnames names; /* large; used by the server thread under the metrics lock */
	tui_vmnames_init(&names, src->live);
	struct xs_metrics *m =
		xs_metrics_new((unsigned int)a->max_vms, (unsigned int)a->max_vcpus, tui_vmnames_get, &names);
	xs_metrics_set_live(m, src->live);
	struct endpoint ep = {m};
	char err[512];
	struct xs_http_server *server = xs_http_server_start(a->metrics, handle, &ep, err, sizeof(err));
	status = XS_EXIT_FAILURE;
	if (!server) {
		xs_err("serve: %s", err);
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (src->ops->start(src, xs_metrics_sink(m), err, sizeof(err))) {
		xs_err("serve: %s", err);
		goto out;
	}
	fprintf(stderr, "exitscope: serve: %s; metrics at http://%s/metrics\n", src->label,
		xs_http_server_address(server));
	if (serve_source(a, src, m) != TUI_SOURCE_FAILED) { /* a failure ends serve at once */
		if (!atomic_load(&interrupted))
			linger(a);
		status = XS_EXIT_OK;
	}
out:
	if (server)
		xs_http_server_stop(server);
	src->ops->destroy(src);
	xs_metrics_free(m);
	return status;
}

static int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	int rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = serve(&a, argc, argv);
	xs_source_args_free(&a.src);
	return rc < 0 ? XS_EXIT_OK : rc;
}

XS_COMMAND(serve, "Prometheus metrics endpoint over live, launched or replayed exits", cmd_serve);
