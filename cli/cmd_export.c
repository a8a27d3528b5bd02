// SPDX-License-Identifier: MIT
/*
 * exitscope export DB|FILE.xsr --format trace|folded|csv|jsonl [-o OUT] [--run N|all] [--vcpu N]
 *                  [--reason NAME] [--from S] [--to S] [--weight count|latency] [--guest-symbols FILE]:
 * the exits in a format other tools open (analysis/export.h), streamed in one pass.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analysis/export.h"
#include "cli/command.h"
#include "cli/exit_source.h"
#include "cli/guest_symbols.h"
#include "cli/options.h"
#include "common/util.h"

static const char synopsis[] =
	"usage: exitscope export DB|FILE.xsr --format trace|folded|csv|jsonl [-o OUT] [--run N|all]\n"
	"                        [--vcpu N] [--reason NAME] [--from S] [--to S] [--weight count|latency]\n"
	"                        [--guest-symbols FILE] [--guest-kaslr-offset N]\n\n"
	"Write exits of a store or a record file for other tools, streaming (constant memory):\n"
	"  trace   Chrome Trace Event JSON for Perfetto UI / chrome://tracing: a process per VM, a track per\n"
	"          vCPU, each exit a slice from exit to next entry; exits/s counters per reason\n"
	"  folded  'vm;vcpu;reason;symbol count' lines for flamegraph.pl, inferno, speedscope\n"
	"  csv     one exit per line with decoded fields\n"
	"  jsonl   one JSON object per exit\n";

struct export_args {
	struct xs_exit_filter f;
	enum xs_export_format fmt;
	bool have_fmt;
	int weight; /* 0 count, 1 latency */
	const char *output;
	struct xs_guest_symbols syms;
};

#define E_OFF(f) offsetof(struct export_args, f)

static int take_format(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct export_args *a = base;
	return (a->have_fmt = xs_export_format_parse(arg, &a->fmt)) ? 0 : -1;
}

static int take_run(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct export_args *a = base;
	uint64_t v;
	if (!strcmp(arg, "all"))
		a->f.run_id = XS_SRC_RUN_ALL;
	else if (xs_parse_range(arg, 1, INT64_MAX, &v))
		a->f.run_id = (int64_t)v;
	else
		return -1;
	return 0;
}

static int take_vcpu(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	struct export_args *a = base;
	uint64_t v;
	if (!xs_parse_range(arg, 0, UINT32_MAX, &v))
		return -1;
	a->f.by_vcpu = true;
	a->f.vcpu = (uint32_t)v;
	return 0;
}

static int take_reason(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o;
	const char *why = xs_exit_filter_check_reason(arg);
	if (why) {
		snprintf(err, len, "%s", why);
		return -1;
	}
	((struct export_args *)base)->f.reason = arg;
	return 0;
}

static const char *const weights[] = {"count", "latency", NULL};

static const struct xs_opt export_opts[] = {
	XS_OPT_ENTRY("format", 'f', "FMT", "trace, folded, csv or jsonl (required)", .kind = XS_OPT_CALL,
		     .call = take_format, .expect = "expected trace, folded, csv or jsonl"),
	XS_OPT_ENTRY("output", 'o', "OUT", "where to write (default: standard output)", .kind = XS_OPT_STRING,
		     .off = E_OFF(output)),
	XS_OPT_ENTRY("run", 'r', "N|all", "the store's run (default: the newest)", .kind = XS_OPT_CALL,
		     .call = take_run, .expect = "expected a run number or 'all'"),
	XS_OPT_ENTRY("vcpu", 0, "N", "only this vCPU", .kind = XS_OPT_CALL, .call = take_vcpu,
		     .expect = "expected a vCPU number"),
	XS_OPT_ENTRY("reason", 0, "NAME", "only this reason (IO, kvm:IO, vmx:EPT_VIOLATION)", .kind = XS_OPT_CALL,
		     .call = take_reason),
	XS_OPT_ENTRY("from", 0, "S", "only exits S seconds or more after the run's first exit", .kind = XS_OPT_SECONDS,
		     .off = E_OFF(f.from_s), .expect = "expected seconds (2.5)"),
	XS_OPT_ENTRY("to", 0, "S", "only exits at most S seconds after the run's first exit", .kind = XS_OPT_SECONDS,
		     .off = E_OFF(f.to_s), .expect = "expected seconds (2.5)"),
	XS_OPT_ENTRY("weight", 0, "count|latency", "folded: weigh stacks by exit count (default) or latency in ns",
		     .kind = XS_OPT_CHOICE, .off = E_OFF(weight), .choices = weights,
		     .expect = "expected count or latency"),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group export_group = {"Options", export_opts};

/* 0 with *path the input, XS_EXIT_USAGE after one line, -1 after --help. */
static int parse_args(int argc, char **argv, struct export_args *a, const char **path)
{
	memset(a, 0, sizeof(*a));
	a->f = (struct xs_exit_filter){.run_id = XS_SRC_RUN_LATEST, .to_s = -1};
	a->fmt = XS_EXPORT_CSV;
	const struct xs_opt_bind binds[] = {
		{&export_group, a, NULL, NULL},
		{&xs_guest_symbols_group, &a->syms, NULL, NULL},
	};
	const struct xs_opt_cmd cmd = {"export", synopsis, NULL, binds, XS_ARRAY_SIZE(binds), true, false};
	int first;
	int rc = xs_opt_parse(&cmd, argc, argv, &first);
	if (rc)
		return rc;
	if (argc - first != 1)
		return xs_usage_error("export", "give one store or record file");
	*path = argv[first];
	if (!a->have_fmt)
		return xs_usage_error("export", "--format is required (trace, folded, csv or jsonl)");
	if (a->weight && a->fmt != XS_EXPORT_FOLDED)
		return xs_usage_error("export", "--weight applies to --format folded only");
	if (a->f.to_s >= 0 && a->f.to_s < a->f.from_s)
		return xs_usage_error("export", "--to %g comes before --from %g", a->f.to_s, a->f.from_s);
	return 0;
}

/* "run 1 mixed": how VM labels name a run. */
static void run_label(struct xs_exit_source *src, int64_t run, char *buf, size_t len)
{
	const char *guest = xs_exit_source_meta(src, run, "run.guest");
	if (guest)
		snprintf(buf, len, "run %lld %s", (long long)run, guest);
	else
		snprintf(buf, len, "run %lld", (long long)run);
}

/* Stream every exit of src through the exporter into out; 0, or -1 after a message. */
static int export_all(struct export_args *a, const char *path, struct xs_exit_source *src, struct xs_exporter *x)
{
	struct xs_exit_record r;
	int64_t run, last_run = -1;
	const struct xs_symtab *t = NULL;
	char label[128] = "";
	int rc;
	while ((rc = xs_exit_source_next(src, &r, &run)) > 0) {
		if (run != last_run) {
			t = xs_guest_symbols_for(&a->syms, src, run);
			run_label(src, run, label, sizeof(label));
			last_run = run;
		}
		xs_exporter_add(x, &r, run, label, t);
	}
	xs_exporter_finish(x);
	if (rc >= 0)
		return 0;
	xs_err("export: %s: %s (stopped after %llu exits)", path, xs_exit_source_error(src),
	       (unsigned long long)xs_exporter_count(x));
	return -1;
}

static int export_to(struct export_args *a, const char *path, struct xs_exit_source *src, FILE *out)
{
	struct xs_exporter *x = xs_exporter_new(out, a->fmt, a->weight == 1);
	int status = export_all(a, path, src, x) ? XS_EXIT_FAILURE : XS_EXIT_OK;
	if (ferror(out) || (out != stdout && fclose(out))) {
		xs_err("export: writing %s failed: %m", a->output ? a->output : "standard output");
		status = XS_EXIT_FAILURE;
	} else if (out == stdout) {
		fflush(stdout);
	}
	if (status == XS_EXIT_OK) {
		fprintf(stderr, "export: wrote %llu exits", (unsigned long long)xs_exporter_count(x));
		if (a->fmt == XS_EXPORT_FOLDED)
			fprintf(stderr, " in %llu stacks", (unsigned long long)xs_exporter_stacks(x));
		fprintf(stderr, " (%llu read; symbols: %s)\n", (unsigned long long)xs_exit_source_read(src),
			xs_guest_symbols_used(&a->syms));
	}
	xs_exporter_free(x);
	return status;
}

static int export_file(struct export_args *a, const char *path)
{
	if (xs_guest_symbols_load(&a->syms, "export"))
		return XS_EXIT_FAILURE;
	char err[512];
	struct xs_exit_source *src = xs_exit_source_open(path, &a->f, true, err, sizeof(err));
	if (!src) {
		xs_err("export: %s", err);
		return XS_EXIT_FAILURE;
	}
	FILE *out = stdout;
	int status = XS_EXIT_FAILURE;
	if (a->output && !(out = fopen(a->output, "w")))
		xs_err("export: %s: %m", a->output);
	else
		status = export_to(a, path, src, out);
	xs_exit_source_close(src);
	return status;
}

static int cmd_export(int argc, char **argv)
{
	struct export_args a;
	const char *path = NULL;
	int rc = parse_args(argc, argv, &a, &path);
	if (!rc)
		rc = export_file(&a, path);
	xs_guest_symbols_free(&a.syms);
	return rc < 0 ? XS_EXIT_OK : rc;
}

XS_COMMAND(export, "exits as a Perfetto trace, folded stacks, CSV or JSON lines", cmd_export);
