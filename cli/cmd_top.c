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
#include "cli/exit_source.h"
#include "cli/guest_symbols.h"
#include "cli/sources.h"
#include "common/util.h"
#include "launcher/guests.h"
#include "tui/app.h"
#include "tui/ui.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope top [-p PID] [--backend auto|bpf|perf] [OPTIONS]\n"
		"       exitscope top --replay FILE [--speed X] [--run-id N] [OPTIONS]\n"
		"       exitscope top --run GUEST [--backend kvm|vmx|auto] [--cpu-model NAME] [--iterations N]\n"
		"                     [--control KEY=VALUE]... [OPTIONS]\n"
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
		"Guest symbols (a SYMBOL column, the y and H screens; built-in guests need no flag):\n"
		"      --guest-symbols FILE  an ELF with a symbol table, a System.map, a kallsyms dump or guest:NAME\n"
		"      --guest-kaslr-offset N  added to a vmlinux's or System.map's addresses\n"
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
	XS_GUEST_SYMBOL_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct top_args {
	struct tui_options opt;
	struct xs_source_args src;
	bool count_given;
	struct xs_guest_symbols syms;
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
	case XS_OPT_GUEST_SYMBOLS:
	case XS_OPT_GUEST_KASLR:
		return xs_guest_symbols_option(&t->syms, c, arg, "top") ? 0 : XS_EXIT_USAGE;
	default:
		return bad("unknown or incomplete option '%s'", arg);
	}
}

/* Without --guest-symbols: the built-in guest being launched, or the one the replayed run ran. */
static struct xs_symtab *guest_symbols_of(const struct top_args *t)
{
	const struct xs_source_args *a = &t->src;
	if (a->launch.guest) {
		const struct xs_guest *g = xs_guest_find(a->launch.guest);
		return g ? xs_guest_symbols_builtin(g->name, a->launch.mode ? a->launch.mode : g->default_mode) : NULL;
	}
	if (!a->replay)
		return NULL;
	char err[512];
	struct xs_exit_filter f = {.run_id = a->run_id ? (int64_t)a->run_id : XS_SRC_RUN_LATEST, .to_s = -1};
	struct xs_exit_source *src = xs_exit_source_open(a->replay, &f, false, err, sizeof(err));
	if (!src)
		return NULL; /* the replay itself will say what is wrong with the file */
	int64_t run = f.run_id;
	if (run == XS_SRC_RUN_LATEST) {
		struct xs_exit_record r;
		if (xs_exit_source_next(src, &r, &run) <= 0)
			run = 1;
	}
	struct xs_symtab *t_ = NULL;
	const char *guest = xs_exit_source_meta(src, run, "run.guest");
	if (guest && strncmp(guest, "image:", 6)) {
		char name[32];
		snprintf(name, sizeof(name), "%s", guest);
		const char *mode = xs_exit_source_meta(src, run, "run.mode");
		t_ = xs_guest_symbols_builtin(name, mode ? xs_mode_parse(mode) : 64);
	}
	xs_exit_source_close(src);
	return t_;
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
	int status = xs_source_check(&t.src, "top");
	if (status)
		return status;
	if (xs_guest_symbols_load(&t.syms, "top"))
		return XS_EXIT_FAILURE;
	struct xs_symtab *builtin = NULL;
	t.opt.symbols = t.syms.table ? t.syms.table : (builtin = guest_symbols_of(&t));
	struct tui_source *src = xs_source_open(&t.src, "top", argc, argv, &status);
	int rc = src ? tui_run(src, &t.opt) : status;
	xs_symtab_free(builtin);
	xs_guest_symbols_free(&t.syms);
	return rc;
}

XS_COMMAND(top, "live dashboard of VM exits (ncurses)", cmd_top);
