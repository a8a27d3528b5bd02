// SPDX-License-Identifier: MIT
/*
 * exitscope top: the live exit dashboard. This file parses the command line and hands the chosen source
 * (cli/sources.h: a replay, a launched guest, or the collector) to the dashboard in tui/.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/sources.h"
#include "common/util.h"
#include "tui/app.h"
#include "tui/ui.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope top [-p PID] [--backend auto|bpf|perf] [OPTIONS]\n"
		"       exitscope top --replay FILE [--speed X] [--run-id N] [OPTIONS]\n"
		"       exitscope top --run GUEST [--vcpus N] [--iterations N] [--control KEY=VALUE]... [OPTIONS]\n"
		"\n"
		"Show VM exits live: a table of exit reasons (count, rate, share, latency, the last 60 s), a per-vCPU\n"
		"table, the latest exits decoded, and the detail of any exit with its guest state. Press h for keys.\n"
		"\n"
		"%s"
		"Display:\n"
		"  -d, --interval S          refresh every S seconds (default 1; %.1f to %.0f)\n"
		"  -f, --filter SPEC         start filtered: pid=N vm=NAME vcpu=N reason=[isa:]NAME (all must hold)\n"
		"  -s, --sort COLUMN         count, rate, mean, max or name (default count)\n"
		"  -v, --vcpus-view          start with the per-vCPU table\n"
		"      --no-color            never use colour (also when NO_COLOR is set)\n"
		"      --batch               print text snapshots to stdout instead of drawing the screen\n"
		"  -n, --count N             with --batch: stop after N snapshots (default: when the source ends)\n"
		"      --queue-mb N          the record queue in front of the dashboard (default %u MiB)\n"
		"  -h, --help                this text\n",
		xs_source_usage, TUI_INTERVAL_MIN, TUI_INTERVAL_MAX, TUI_QUEUE_DEFAULT >> 20);
}

enum {
	OPT_NO_COLOR = XS_SOURCE_OPT_END,
	OPT_BATCH,
	OPT_QUEUE_MB,
};

static const struct option longopts[] = {
	XS_SOURCE_LONGOPTS,
	{"interval", required_argument, NULL, 'd'},
	{"filter", required_argument, NULL, 'f'},
	{"sort", required_argument, NULL, 's'},
	{"vcpus-view", no_argument, NULL, 'v'},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"batch", no_argument, NULL, OPT_BATCH},
	{"count", required_argument, NULL, 'n'},
	{"queue-mb", required_argument, NULL, OPT_QUEUE_MB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct top_args {
	struct tui_options opt;
	struct xs_source_args src;
	bool count_given;
};

static int bad(const char *fmt, const char *arg)
{
	return xs_usage_error("top", fmt, arg);
}

/* One option; 0, or an exit status (XS_EXIT_OK after --help). */
static int take_option(struct top_args *t, int c, const char *arg)
{
	uint64_t v;
	int rc = xs_source_option(&t->src, "top", c, arg);
	if (rc >= 0)
		return rc;
	switch (c) {
	case 'd':
		if (!xs_parse_seconds(arg, &t->opt.interval_s) || t->opt.interval_s < TUI_INTERVAL_MIN ||
		    t->opt.interval_s > TUI_INTERVAL_MAX)
			return bad("--interval '%s': give seconds from 0.1 to 60", arg);
		return 0;
	case 'f':
		t->opt.filter = arg;
		return 0;
	case 's':
		return tui_sort_parse(arg, &t->opt.view.sort) ? 0
							      : bad("--sort '%s': count, rate, mean, max or name", arg);
	case 'v':
		t->opt.view.table = TUI_TABLE_VCPUS;
		return 0;
	case OPT_NO_COLOR:
		t->opt.colour = false;
		return 0;
	case OPT_BATCH:
		t->opt.batch = true;
		return 0;
	case 'n':
		if (!xs_parse_range(arg, 1, UINT32_MAX, &v))
			return bad("--count '%s': give a number of snapshots from 1", arg);
		t->opt.count = (unsigned long)v;
		t->count_given = true;
		return 0;
	case OPT_QUEUE_MB:
		if (!xs_parse_range(arg, 1, 4096, &v))
			return bad("--queue-mb '%s': give 1 to 4096", arg);
		t->opt.queue_bytes = (size_t)v << 20;
		return 0;
	case 'h':
		usage(stdout);
		return -1;
	default:
		return bad("unknown or incomplete option '%s'", arg);
	}
}

static int cmd_top(int argc, char **argv)
{
	struct top_args t;
	memset(&t, 0, sizeof(t));
	xs_source_args_init(&t.src);
	t.opt.interval_s = 1.0;
	t.opt.colour = !getenv("NO_COLOR");
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+p:d:f:s:vn:h", longopts, NULL)) != -1) {
		int rc = take_option(&t, c, c == '?' || c == ':' ? argv[optind - 1] : optarg);
		if (rc)
			return rc < 0 ? XS_EXIT_OK : rc;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (t.count_given && !t.opt.batch)
		return bad("%s", "--count only applies to --batch");
	int status;
	struct tui_source *src = xs_source_open(&t.src, "top", argc, argv, &status);
	if (!src)
		return status;
	return tui_run(src, &t.opt);
}

XS_COMMAND(top, "live dashboard of VM exits (ncurses)", cmd_top);
