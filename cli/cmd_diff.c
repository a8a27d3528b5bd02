// SPDX-License-Identifier: MIT
/* exitscope diff A B: compare runs per exit reason and decoded key (common/rundiff.h, db/rundiff_store.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/options.h"
#include "common/rundiff.h"
#include "common/util.h"
#include "db/rundiff_store.h"

static const char usage_text[] =
	"usage: exitscope diff [--json | --csv] [--significant] A B\n"
	"\n"
	"Compare the runs of A with those of B, per exit reason, I/O port, MSR, control register and vector:\n"
	"exits per guest iteration, share, time per exit (p50/p99/max) and a verdict that accounts for noise.\n"
	"A and B are FILE (its newest run), FILE:N, FILE:N,M,... or FILE:N-M (repeats of one configuration)\n"
	"or FILE:all. With two or more runs a side, the verdict comes from Welch's 95% confidence interval of\n"
	"the difference; with one run a side, different counts are 'cannot tell'.\n"
	"\n"
	"  --json           one JSON object\n"
	"  --csv            one CSV row per key\n"
	"  --significant    print only rows that changed significantly (text)\n"
	"\n"
	"Exit status: 0 when compared (whatever changed), 1 on an error, 2 on a bad command line.\n";

static const struct option options[] = {
	{"json", no_argument, 0, 'j'},
	{"csv", no_argument, 0, 'c'},
	{"significant", no_argument, 0, 's'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
};

static int cmd_diff(int argc, char **argv)
{
	bool json = false, csv = false, only_significant = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			csv = true;
			break;
		case 's':
			only_significant = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return XS_EXIT_OK;
		default:
			return xs_usage_error("diff", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (json && csv) {
		xs_err("diff: give --json or --csv, not both");
		return XS_EXIT_USAGE;
	}
	if (argc - optind != 2)
		return xs_usage_error("diff", "give two runs to compare, A and B");
	char err[768];
	struct xs_rundiff_side a, b;
	if (xs_rundiff_side_open(argv[optind], &a, err, sizeof(err))) {
		xs_err("diff: %s", err);
		return XS_EXIT_FAILURE;
	}
	if (xs_rundiff_side_open(argv[optind + 1], &b, err, sizeof(err))) {
		xs_err("diff: %s", err);
		xs_rundiff_side_free(&a);
		return XS_EXIT_FAILURE;
	}
	struct xs_rundiff d;
	xs_rundiff_build(&a, &b, &d);
	if (only_significant) {
		size_t n = 0;
		for (size_t i = 0; i < d.nrows; i++)
			if (d.rows[i].test.verdict == XS_RDV_MORE || d.rows[i].test.verdict == XS_RDV_FEWER)
				d.rows[n++] = d.rows[i];
		d.nrows = n;
	}
	if (json)
		xs_rundiff_print_json(stdout, &d);
	else if (csv)
		xs_rundiff_print_csv(stdout, &d);
	else
		xs_rundiff_print_text(stdout, &d);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&a);
	xs_rundiff_side_free(&b);
	return fflush(stdout) ? XS_EXIT_FAILURE : XS_EXIT_OK;
}

XS_COMMAND(diff, "compare runs per exit reason and key, with a verdict that accounts for noise", cmd_diff);
