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

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {{"run", required_argument, NULL, 'r'},
					     {"by", required_argument, NULL, 'b'},
					     {"sort", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {"histogram", no_argument, NULL, 'H'},
					     XS_GUEST_SYMBOL_OPTIONS,
					     {NULL, 0, NULL, 0}};
	struct xs_report_opts ro = {.run_id = XS_REPORT_LATEST, .by = XS_DIM_REASON, .sort = XS_SORT_COUNT};
	bool json = false, histogram = false;
	int by_symbol = 0; /* 1: symbol, 2: reason,symbol */
	struct xs_guest_symbols syms = {0};
	uint64_t run;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "r:b:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!strcmp(optarg, "all")) {
				ro.run_id = XS_REPORT_ALL;
			} else if (xs_parse_range(optarg, 1, INT64_MAX, &run)) {
				ro.run_id = (int64_t)run;
			} else {
				xs_err("report: --run wants a run number or 'all', not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case 'b':
			by_symbol = !strcmp(optarg, "symbol") ? 1 : !strcmp(optarg, "reason,symbol") ? 2 : 0;
			if (!by_symbol && !xs_dim_from_name(optarg, &ro.by)) {
				xs_err("report: --by wants reason, vcpu, port, msr, gpa, symbol or reason,symbol, not "
				       "'%s'",
				       optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case 's':
			if (!parse_sort(optarg, &ro.sort)) {
				xs_err("report: --sort wants count, time or max, not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		case 'H':
			histogram = true;
			break;
		case XS_OPT_GUEST_SYMBOLS:
		case XS_OPT_GUEST_KASLR:
			if (!xs_guest_symbols_option(&syms, c, optarg, "report"))
				return XS_EXIT_USAGE;
			break;
		default:
			usage(stderr);
			return XS_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	if (by_symbol) {
		if (histogram) {
			xs_err("report: --histogram goes with --by reason or vcpu, not with symbols");
			return XS_EXIT_USAGE;
		}
		if (xs_guest_symbols_load(&syms, "report"))
			return XS_EXIT_FAILURE;
		struct xs_exit_filter f = {.run_id = ro.run_id, .to_s = -1};
		int rc = xs_report_by_symbol(argv[optind], &f, by_symbol == 2, &syms, json);
		xs_guest_symbols_free(&syms);
		return rc;
	}
	if (syms.path) {
		xs_err("report: --guest-symbols goes with --by symbol or --by reason,symbol");
		return XS_EXIT_USAGE;
	}
	if (histogram) {
		if (ro.by != XS_DIM_REASON && ro.by != XS_DIM_VCPU) {
			xs_err("report: --histogram is drawn per reason or per vcpu, not per %s", xs_dim_name(ro.by));
			return XS_EXIT_USAGE;
		}
		return xs_report_histogram(argv[optind], &ro, json);
	}
	char err[512];
	sqlite3 *db = xs_store_open(argv[optind], XS_STORE_READ, err, sizeof(err));
	if (!db) {
		xs_err("%s", err);
		return XS_EXIT_FAILURE;
	}
	struct xs_report rep;
	int rc = xs_report_build(db, &ro, &rep, err, sizeof(err));
	xs_store_close(db);
	if (rc) {
		xs_err("report: %s: %s", argv[optind], err);
		return XS_EXIT_FAILURE;
	}
	if (json)
		xs_report_print_json(stdout, &rep);
	else
		xs_report_print_text(stdout, &rep);
	xs_report_free(&rep);
	return XS_EXIT_OK;
}

XS_COMMAND(report, "exits per reason, vCPU, port, MSR or GPA with latency statistics", cmd_report);
