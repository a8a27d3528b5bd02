// SPDX-License-Identifier: MIT
/*
 * exitscope report DB [--run N|all] [--by reason|vcpu|port|msr|gpa] [--sort count|time|max] [--json]:
 * the perf-kvm-stat-style table of a run, from the aggregates stored at ingest.
 * --by symbol / reason,symbol and --histogram are cli/report_views.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/guest_symbols.h"
#include "cli/options.h"
#include "cli/report_views.h"
#include "common/util.h"
#include "db/report.h"
#include "db/store.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope report DB [--run N|all] [--by reason|vcpu|port|msr|gpa] [--sort count|time|max]\n"
		"                        [--json]\n"
		"       exitscope report DB|FILE.xsr --by symbol|reason,symbol [--run N|all] [--guest-symbols FILE]\n"
		"                        [--guest-kaslr-offset N] [--json]\n"
		"       exitscope report DB --histogram [--by reason|vcpu] [--run N|all] [--json]\n\n"
		"Exits of a run grouped by reason (default), vCPU, I/O port, MSR or guest-physical address:\n"
		"count, share, share of the total exit-to-entry time, and min/mean/p99/max latency.\n\n"
		"  -r, --run N|all   the run to report (default: the newest; all: every run merged)\n"
		"  -b, --by DIM      reason, vcpu, port, msr or gpa\n"
		"  -s, --sort KEY    count (default), time (total latency) or max (slowest exit)\n"
		"  -j, --json        one JSON object instead of the table\n"
		"  --by symbol, --by reason,symbol\n"
		"                    exits per guest function (and reason): count, share, p50/p99/max latency,\n"
		"                    share at guest CPL 3; then the kernel/user share per reason\n"
		"  --histogram       log-scale latency histograms with p50/p90/p99/p99.9/max per reason (or "
		"vCPU)\n" XS_GUEST_SYMBOLS_HELP);
}

static bool parse_sort(const char *s, enum xs_report_sort *out)
{
	static const char *const names[] = {"count", "time", "max"};
	for (unsigned int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum xs_report_sort)i;
			return true;
		}
	}
	return false;
}

struct report_args {
	struct xs_report_opts ro;
	bool json, histogram;
	int by_symbol; /* 1: symbol, 2: reason,symbol */
	struct xs_guest_symbols syms;
	const char *path;
};

/* One option; 0, or an exit status after a message (-1 after --help). */
static int take_option(struct report_args *a, int c, const char *arg)
{
	uint64_t run;
	switch (c) {
	case 'r':
		if (!strcmp(arg, "all"))
			a->ro.run_id = XS_REPORT_ALL;
		else if (xs_parse_range(arg, 1, INT64_MAX, &run))
			a->ro.run_id = (int64_t)run;
		else
			return xs_usage_error("report", "--run wants a run number or 'all', not '%s'", arg);
		return 0;
	case 'b':
		a->by_symbol = !strcmp(arg, "symbol") ? 1 : !strcmp(arg, "reason,symbol") ? 2 : 0;
		if (!a->by_symbol && !xs_dim_from_name(arg, &a->ro.by))
			return xs_usage_error(
				"report", "--by wants reason, vcpu, port, msr, gpa, symbol or reason,symbol, not '%s'",
				arg);
		return 0;
	case 's':
		return parse_sort(arg, &a->ro.sort)
			       ? 0
			       : xs_usage_error("report", "--sort wants count, time or max, not '%s'", arg);
	case 'j':
		a->json = true;
		return 0;
	case 'h':
		usage(stdout);
		return -1;
	case 'H':
		a->histogram = true;
		return 0;
	case XS_OPT_GUEST_SYMBOLS:
	case XS_OPT_GUEST_KASLR:
		return xs_guest_symbols_option(&a->syms, c, arg, "report") ? 0 : XS_EXIT_USAGE;
	default:
		usage(stderr);
		return XS_EXIT_USAGE;
	}
}

/* 0 to report, XS_EXIT_USAGE after a message, -1 after --help. */
static int parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {{"run", required_argument, NULL, 'r'},
					     {"by", required_argument, NULL, 'b'},
					     {"sort", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {"histogram", no_argument, NULL, 'H'},
					     XS_GUEST_SYMBOL_OPTIONS,
					     {NULL, 0, NULL, 0}};
	memset(a, 0, sizeof(*a));
	a->ro = (struct xs_report_opts){.run_id = XS_REPORT_LATEST, .by = XS_DIM_REASON, .sort = XS_SORT_COUNT};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:b:s:jh", opts, NULL)) != -1) {
		int rc = take_option(a, c, optarg);
		if (rc)
			return rc;
	}
	if (argc - optind != 1) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	a->path = argv[optind];
	if (a->by_symbol && a->histogram)
		return xs_usage_error("report", "--histogram goes with --by reason or vcpu, not with symbols");
	if (!a->by_symbol && a->syms.path)
		return xs_usage_error("report", "--guest-symbols goes with --by symbol or --by reason,symbol");
	if (a->histogram && a->ro.by != XS_DIM_REASON && a->ro.by != XS_DIM_VCPU)
		return xs_usage_error("report", "--histogram is drawn per reason or per vcpu, not per %s",
				      xs_dim_name(a->ro.by));
	return 0;
}

/* The stored aggregates' table (not --by symbol, not --histogram). */
static int report_table(const struct report_args *a)
{
	char err[512];
	sqlite3 *db = xs_store_open(a->path, XS_STORE_READ, err, sizeof(err));
	if (!db) {
		xs_err("%s", err);
		return XS_EXIT_FAILURE;
	}
	struct xs_report rep;
	int rc = xs_report_build(db, &a->ro, &rep, err, sizeof(err));
	xs_store_close(db);
	if (rc) {
		xs_err("report: %s: %s", a->path, err);
		return XS_EXIT_FAILURE;
	}
	if (a->json)
		xs_report_print_json(stdout, &rep);
	else
		xs_report_print_text(stdout, &rep);
	xs_report_free(&rep);
	return XS_EXIT_OK;
}

static int report(struct report_args *a)
{
	if (a->histogram)
		return xs_report_histogram(a->path, &a->ro, a->json);
	if (!a->by_symbol)
		return report_table(a);
	if (xs_guest_symbols_load(&a->syms, "report"))
		return XS_EXIT_FAILURE;
	struct xs_exit_filter f = {.run_id = a->ro.run_id, .to_s = -1};
	return xs_report_by_symbol(a->path, &f, a->by_symbol == 2, &a->syms, a->json);
}

static int cmd_report(int argc, char **argv)
{
	struct report_args a;
	int rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = report(&a);
	xs_guest_symbols_free(&a.syms);
	return rc < 0 ? XS_EXIT_OK : rc;
}

XS_COMMAND(report, "exits per reason, vCPU, port, MSR or GPA with latency statistics", cmd_report);
