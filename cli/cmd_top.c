// SPDX-License-Identifier: MIT
/*
 * exitscope top: the live exit dashboard. This file parses the command line and hands the chosen source
 * (cli/sources.h: a replay, a launched guest, or the collector) to the dashboard in tui/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_source.h"
#include "cli/guest_symbols.h"
#include "cli/options.h"
#include "cli/sources.h"
#include "common/util.h"
#include "launcher/guests.h"
#include "tui/app.h"
#include "tui/ui.h"

static const char synopsis[] =
	"usage: exitscope top [-p PID] [--backend auto|bpf|perf] [OPTIONS]\n"
	"       exitscope top --replay FILE [--speed X] [--run-id N] [OPTIONS]\n"
	"       exitscope top --run GUEST [--backend kvm|vmx|auto] [--cpu-model NAME] [--iterations N]\n"
	"                     [--control KEY=VALUE]... [OPTIONS]\n"
	"\n"
	"Show VM exits live: a table of exit reasons (count, rate, share, latency, the last 60 s), a per-vCPU\n"
	"table, the latest exits decoded, and the detail of any exit with its guest state. Press h for keys.\n";

struct top_args {
	struct tui_options opt;
	struct xs_source_args src;
	bool count_given;
	struct xs_guest_symbols syms;
};

#define T_OFF(f) offsetof(struct top_args, f)

static int take_sort(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	return tui_sort_parse(arg, &((struct top_args *)base)->opt.view.sort) ? 0 : -1;
}

/* -v and --no-color: flags that are not plain booleans. */
static int take_switch(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)arg, (void)err, (void)len;
	struct top_args *t = base;
	if (o->tag == 'v')
		t->opt.view.table = TUI_TABLE_VCPUS;
	else
		t->opt.colour = false;
	return 0;
}

static int take_count(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct top_args *t = base;
	uint64_t v;
	if (!xs_parse_range(arg, 1, UINT32_MAX, &v))
		return -1;
	t->opt.count = (unsigned long)v;
	t->count_given = true;
	return 0;
}

static int take_queue(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	uint64_t v;
	if (!xs_parse_range(arg, 1, 4096, &v))
		return -1;
	((struct top_args *)base)->opt.queue_bytes = (size_t)v << 20;
	return 0;
}

static const struct xs_opt display_opts[] = {
	XS_OPT_ENTRY("interval", 'd', "S", "refresh every S seconds (default 1; 0.1 to 60)", .kind = XS_OPT_SECONDS,
		     .off = T_OFF(opt.interval_s), .dmin = TUI_INTERVAL_MIN, .dmax = TUI_INTERVAL_MAX,
		     .expect = "give seconds from 0.1 to 60"),
	XS_OPT_ENTRY("filter", 'f', "SPEC", "start filtered: pid=N vm=NAME vcpu=N reason=[isa:]NAME (all must hold)",
		     .kind = XS_OPT_STRING, .off = T_OFF(opt.filter)),
	XS_OPT_ENTRY("sort", 's', "COLUMN", "count, rate, mean, max or name (default count)", .kind = XS_OPT_CALL,
		     .call = take_sort, .expect = "count, rate, mean, max or name"),
	XS_OPT_ENTRY("vcpus-view", 'v', NULL, "start with the per-vCPU table", .kind = XS_OPT_CALL, .call = take_switch,
		     .tag = 'v'),
	XS_OPT_ENTRY("no-color", 0, NULL, "never use colour (also when NO_COLOR is set)", .kind = XS_OPT_CALL,
		     .call = take_switch, .tag = 'c'),
	XS_OPT_ENTRY("batch", 0, NULL, "print text snapshots to stdout instead of drawing the screen",
		     .kind = XS_OPT_FLAG, .off = T_OFF(opt.batch)),
	XS_OPT_ENTRY("count", 'n', "N", "with --batch: stop after N snapshots (default: when the source ends)",
		     .kind = XS_OPT_CALL, .call = take_count, .expect = "give a number of snapshots from 1"),
	XS_OPT_ENTRY("queue-mb", 0, "N", "the record queue in front of the dashboard (default 32 MiB)",
		     .kind = XS_OPT_CALL, .call = take_queue, .expect = "give 1 to 4096"),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group display_group = {"Display", display_opts};

/* 0 to run, XS_EXIT_USAGE on a bad command line, -1 after --help. */
static int parse_args(int argc, char **argv, struct top_args *t)
{
	struct xs_opt_bind binds[XS_SOURCE_BINDS + 2];
	size_t n = xs_source_binds(&t->src, binds);
	binds[n++] = (struct xs_opt_bind){&display_group, t, NULL, NULL};
	binds[n++] = (struct xs_opt_bind){&xs_guest_symbols_group, &t->syms, NULL, NULL};
	const struct xs_opt_cmd cmd = {"top", synopsis, NULL, binds, n, false, true};
	int rc = xs_opt_parse(&cmd, argc, argv, NULL);
	if (rc)
		return rc;
	if (t->count_given && !t->opt.batch)
		return xs_usage_error("top", "--count only applies to --batch");
	return xs_source_check(&t->src, "top");
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
	int rc = parse_args(argc, argv, &t);
	if (rc) {
		xs_source_args_free(&t.src);
		return rc < 0 ? XS_EXIT_OK : rc;
	}
	if (xs_guest_symbols_load(&t.syms, "top")) {
		xs_source_args_free(&t.src);
		return XS_EXIT_FAILURE;
	}
	struct xs_symtab *builtin = NULL;
	t.opt.symbols = t.syms.table ? t.syms.table : (builtin = guest_symbols_of(&t));
	struct tui_source *src = xs_source_open(&t.src, "top", argc, argv, &rc);
	if (src)
		rc = tui_run(src, &t.opt);
	xs_symtab_free(builtin);
	xs_guest_symbols_free(&t.syms);
	xs_source_args_free(&t.src);
	return rc;
}

XS_COMMAND(top, "live dashboard of VM exits (ncurses)", cmd_top);
