// SPDX-License-Identifier: MIT
/*
 * exitscope export DB|FILE.xsr --format trace|folded|csv|jsonl [-o OUT] [--run N|all] [--vcpu N]
 *                  [--reason NAME] [--from S] [--to S] [--weight count|latency] [--guest-symbols FILE]:
 * the exits in a format other tools open (analysis/export.h), streamed in one pass.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/export.h"
#include "cli/command.h"
#include "cli/exit_source.h"
#include "cli/guest_symbols.h"
#include "common/util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope export DB|FILE.xsr --format trace|folded|csv|jsonl [-o OUT] [--run N|all]\n"
		"                        [--vcpu N] [--reason NAME] [--from S] [--to S] [--weight count|latency]\n"
		"                        [--guest-symbols FILE] [--guest-kaslr-offset N]\n\n"
		"Write exits of a store or a record file for other tools, streaming (constant memory):\n"
		"  trace   Chrome Trace Event JSON for Perfetto UI / chrome://tracing: a process per VM, a track per\n"
		"          vCPU, each exit a slice from exit to next entry; exits/s counters per reason\n"
		"  folded  'vm;vcpu;reason;symbol count' lines for flamegraph.pl, inferno, speedscope\n"
		"  csv     one exit per line with decoded fields\n"
		"  jsonl   one JSON object per exit\n\n"
		"  -f, --format FMT         one of the above (required)\n"
		"  -o, --output OUT         where to write (default: standard output)\n"
		"  -r, --run N|all          the store's run (default: the newest)\n"
		"  --vcpu N                 only this vCPU\n"
		"  --reason NAME            only this reason (IO, kvm:IO, vmx:EPT_VIOLATION)\n"
		"  --from S, --to S         only exits S seconds or more / at most after the run's first exit\n"
		"  --weight count|latency   folded: weigh stacks by exit count (default) or latency in "
		"ns\n" XS_GUEST_SYMBOLS_HELP);
}

enum { OPT_VCPU = 0x100, OPT_REASON, OPT_FROM, OPT_TO, OPT_WEIGHT };

/* "run 1 mixed": how VM labels name a run. */
static void run_label(struct xs_exit_source *src, int64_t run, char *buf, size_t len)
{
	const char *guest = xs_exit_source_meta(src, run, "run.guest");
	if (guest)
		snprintf(buf, len, "run %lld %s", (long long)run, guest);
	else
		snprintf(buf, len, "run %lld", (long long)run);
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {"run", required_argument, NULL, 'r'},
					     {"vcpu", required_argument, NULL, OPT_VCPU},
					     {"reason", required_argument, NULL, OPT_REASON},
					     {"from", required_argument, NULL, OPT_FROM},
					     {"to", required_argument, NULL, OPT_TO},
					     {"weight", required_argument, NULL, OPT_WEIGHT},
					     {"help", no_argument, NULL, 'h'},
					     XS_GUEST_SYMBOL_OPTIONS,
					     {NULL, 0, NULL, 0}};
	struct xs_exit_filter f = {.run_id = XS_SRC_RUN_LATEST, .to_s = -1};
	struct xs_guest_symbols syms = {0};
	enum xs_export_format fmt = XS_EXPORT_CSV;
	bool have_fmt = false, weight_latency = false;
	const char *output = NULL;
	uint64_t v;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "f:o:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!xs_export_format_parse(optarg, &fmt)) {
				xs_err("export: --format wants trace, folded, csv or jsonl, not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			have_fmt = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'r':
			if (!strcmp(optarg, "all")) {
				f.run_id = XS_SRC_RUN_ALL;
			} else if (xs_parse_range(optarg, 1, INT64_MAX, &v)) {
				f.run_id = (int64_t)v;
			} else {
				xs_err("export: --run wants a run number or 'all', not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case OPT_VCPU:
			if (!xs_parse_range(optarg, 0, UINT32_MAX, &v)) {
				xs_err("export: --vcpu wants a vCPU number, not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			f.by_vcpu = true;
			f.vcpu = (uint32_t)v;
			break;
		case OPT_REASON: {
			const char *why = xs_exit_filter_check_reason(optarg);
			if (why) {
				xs_err("export: --reason '%s': %s", optarg, why);
				return XS_EXIT_USAGE;
			}
			f.reason = optarg;
			break;
		}
		case OPT_FROM:
		case OPT_TO: {
			double s;
			if (!xs_parse_seconds(optarg, &s)) {
				xs_err("export: --%s wants seconds (2.5), not '%s'", c == OPT_FROM ? "from" : "to",
				       optarg);
				return XS_EXIT_USAGE;
			}
			*(c == OPT_FROM ? &f.from_s : &f.to_s) = s;
			break;
		}
		case OPT_WEIGHT:
			if (strcmp(optarg, "count") && strcmp(optarg, "latency")) {
				xs_err("export: --weight wants count or latency, not '%s'", optarg);
				return XS_EXIT_USAGE;
			}
			weight_latency = !strcmp(optarg, "latency");
			break;
		case XS_OPT_GUEST_SYMBOLS:
		case XS_OPT_GUEST_KASLR:
			if (!xs_guest_symbols_option(&syms, c, optarg, "export"))
				return XS_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		default:
			usage(stderr);
			return XS_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !have_fmt) {
		if (!have_fmt && argc - optind == 1)
			xs_err("export: --format is required (trace, folded, csv or jsonl)");
		else
			usage(stderr);
		return XS_EXIT_USAGE;
	}
	if (weight_latency && fmt != XS_EXPORT_FOLDED) {
		xs_err("export: --weight applies to --format folded only");
		return XS_EXIT_USAGE;
	}
	if (f.to_s >= 0 && f.to_s < f.from_s) {
		xs_err("export: --to %g comes before --from %g", f.to_s, f.from_s);
		return XS_EXIT_USAGE;
	}
	if (xs_guest_symbols_load(&syms, "export"))
		return XS_EXIT_FAILURE;
	char err[512];
	struct xs_exit_source *src = xs_exit_source_open(argv[optind], &f, true, err, sizeof(err));
	if (!src) {
		xs_err("export: %s", err);
		xs_guest_symbols_free(&syms);
		return XS_EXIT_FAILURE;
	}
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		xs_err("export: %s: %m", output);
		xs_exit_source_close(src);
		xs_guest_symbols_free(&syms);
		return XS_EXIT_FAILURE;
	}
	struct xs_exporter *x = xs_exporter_new(out, fmt, weight_latency);
	struct xs_exit_record r;
	int64_t run, last_run = -1;
	const struct xs_symtab *t = NULL;
	char label[128] = "";
	int rc;
	while ((rc = xs_exit_source_next(src, &r, &run)) > 0) {
		if (run != last_run) {
			t = xs_guest_symbols_for(&syms, src, run);
			run_label(src, run, label, sizeof(label));
			last_run = run;
		}
		xs_exporter_add(x, &r, run, label, t);
	}
	xs_exporter_finish(x);
	int status = XS_EXIT_OK;
	if (rc < 0) {
		xs_err("export: %s: %s (stopped after %llu exits)", argv[optind], xs_exit_source_error(src),
		       (unsigned long long)xs_exporter_count(x));
		status = XS_EXIT_FAILURE;
	}
	if (ferror(out) || (out != stdout && fclose(out))) {
		xs_err("export: writing %s failed: %m", output ? output : "standard output");
		status = XS_EXIT_FAILURE;
	} else if (out == stdout) {
		fflush(stdout);
	}
	if (status == XS_EXIT_OK) {
		fprintf(stderr, "export: wrote %llu exits", (unsigned long long)xs_exporter_count(x));
		if (fmt == XS_EXPORT_FOLDED)
			fprintf(stderr, " in %llu stacks", (unsigned long long)xs_exporter_stacks(x));
		fprintf(stderr, " (%llu read; symbols: %s)\n", (unsigned long long)xs_exit_source_read(src),
			xs_guest_symbols_used(&syms));
	}
	xs_exporter_free(x);
	xs_exit_source_close(src);
	xs_guest_symbols_free(&syms);
	return status;
}

XS_COMMAND(export, "exits as a Perfetto trace, folded stacks, CSV or JSON lines", cmd_export);
