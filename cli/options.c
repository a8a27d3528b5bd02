// SPDX-License-Identifier: MIT
/* The option-table parser and its two printers (cli/options.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/options.h"

#define HELP_COLUMN 28 /* where --help's text starts */
#define ID_BASE 0x1000 /* getopt_long values of the table's entries: ID_BASE + index */
#define ID_HELP (ID_BASE - 2)
#define ID_HELP_MAN (ID_BASE - 1)

int xs_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xs_err("%s: %s (see exitscope %s --help)", cmd, msg, cmd);
	return XS_EXIT_USAGE;
}

/* One entry as the command sees it. */
struct taken {
	const struct xs_opt *o;
	const struct xs_opt_bind *b;
};

static bool listed(const char *const *only, const char *name)
{
	if (!only)
		return true;
	for (; *only; only++)
		if (!strcmp(*only, name))
			return true;
	return false;
}

/* Every entry the command takes, in the order of its groups, the first of two with one name only. */
static struct taken *collect_entries(const struct xs_opt_cmd *c, size_t *n)
{
	size_t cap = 0;
	for (size_t i = 0; i < c->n_binds; i++)
		for (const struct xs_opt *o = c->binds[i].group->opts; o->name; o++)
			cap++;
	struct taken *t = xs_calloc(cap ? cap : 1, sizeof(*t));
	*n = 0;
	for (size_t i = 0; i < c->n_binds; i++) {
		for (const struct xs_opt *o = c->binds[i].group->opts; o->name; o++) {
			bool dup = false;
			for (size_t k = 0; k < *n && !dup; k++)
				dup = !strcmp(t[k].o->name, o->name);
			if (!dup && listed(c->binds[i].only, o->name))
				t[(*n)++] = (struct taken){o, &c->binds[i]};
		}
	}
	return t;
}

static bool pick(const char *const *choices, const char *arg, int *index)
{
	for (int i = 0; choices[i]; i++) {
		if (!strcmp(choices[i], arg)) {
			*index = i;
			return true;
		}
	}
	return false;
}

/* Store or hand over one argument; 0, or -1 with err filled. */
static int take(const struct taken *t, const char *arg, char *err, size_t errlen)
{
	const struct xs_opt *o = t->o;
	char *field = (char *)t->b->base + o->off;
	uint64_t v;
	int k;
	double d;
	snprintf(err, errlen, "%s", o->expect ? o->expect : "not a valid value");
	switch (o->kind) {
	case XS_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case XS_OPT_STRING:
		if (o->choices && !pick(o->choices, arg, &k))
			return -1;
		*(const char **)field = arg;
		return 0;
	case XS_OPT_U32:
	case XS_OPT_U64:
		if (!xs_parse_range(arg, o->min, o->max, &v))
			return -1;
		if (o->kind == XS_OPT_U32)
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint64_t *)field = v;
		return 0;
	case XS_OPT_SECONDS:
		if (!xs_parse_seconds(arg, &d) || (o->min && d <= 0) || d < o->dmin || (o->dmax && d > o->dmax))
			return -1;
		*(double *)field = d;
		return 0;
	case XS_OPT_CHOICE:
		if (!pick(o->choices, arg, &k))
			return -1;
		*(int *)field = k;
		return 0;
	case XS_OPT_CALL:
		return o->call(t->b->base, o, arg, err, errlen);
	}
	return -1;
}

static struct option *getopt_table(const struct taken *t, size_t n, char *shorts, size_t shorts_len)
{
	struct option *lo = xs_calloc(n + 3, sizeof(*lo));
	size_t s = 0;
	shorts[s++] = '+';
	shorts[s++] = ':';
	for (size_t i = 0; i < n; i++) {
		lo[i] = (struct option){t[i].o->name, t[i].o->arg ? required_argument : no_argument, NULL,
					(int)(ID_BASE + i)};
		if (t[i].o->short_name && s + 3 < shorts_len) {
			shorts[s++] = (char)t[i].o->short_name;
			if (t[i].o->arg)
				shorts[s++] = ':';
		}
	}
	lo[n] = (struct option){"help", no_argument, NULL, ID_HELP};
	lo[n + 1] = (struct option){"help-man", no_argument, NULL, ID_HELP_MAN};
	shorts[s++] = 'h';
	shorts[s] = 0;
	return lo;
}

/* The entry of a getopt_long value (a long option's id, or a short option's letter); NULL if none. */
static const struct taken *entry_of(const struct taken *t, size_t n, int c)
{
	if (c >= ID_BASE && (size_t)(c - ID_BASE) < n)
		return &t[c - ID_BASE];
	for (size_t i = 0; i < n; i++)
		if (t[i].o->short_name == c)
			return &t[i];
	return NULL;
}

static int parse_loop(const struct xs_opt_cmd *c, const struct taken *t, size_t n, int argc, char **argv)
{
	char shorts[128], err[512];
	struct option *lo = getopt_table(t, n, shorts, sizeof(shorts));
	const char *opts = c->stop_at_arg ? shorts : shorts + 1;
	int rc = 0, ch;
	optind = 1; /* 1, not 0: argv[0] is the command; glibc's full reinitialisation is not needed */
	opterr = 0;
	while (!rc && (ch = getopt_long(argc, argv, opts, lo, NULL)) != -1) {
		const struct taken *e = entry_of(t, n, ch);
		if (ch == 'h' || ch == ID_HELP || ch == ID_HELP_MAN) {
			(ch == ID_HELP_MAN ? xs_opt_man : xs_opt_help)(stdout, c);
			rc = -1;
		} else if (ch == ':') {
			rc = xs_usage_error(c->name, "option '%s' needs a value", argv[optind - 1]);
		} else if (!e) {
			rc = xs_usage_error(c->name, "unknown option '%s'", argv[optind - 1]);
		} else if (take(e, optarg, err, sizeof(err))) {
			rc = xs_usage_error(c->name, "--%s '%s': %s", e->o->name, optarg, err);
		} else if (e->b->given) {
			*e->b->given = true;
		}
	}
	free(lo);
	return rc;
}

int xs_opt_parse(const struct xs_opt_cmd *c, int argc, char **argv, int *first_arg)
{
	size_t n;
	struct taken *t = collect_entries(c, &n);
	int rc = parse_loop(c, t, n, argc, argv);
	free(t);
	if (rc)
		return rc;
	if (!c->args && optind < argc)
		return xs_usage_error(c->name, "unexpected argument '%s'", argv[optind]);
	if (first_arg)
		*first_arg = optind;
	return 0;
}

/* "  -o, --output OUTPUT", padded to the help column (or a line of its own when longer). */
static void help_entry(FILE *out, const struct xs_opt *o)
{
	int w = o->short_name ? fprintf(out, "  -%c, --%s", o->short_name, o->name)
			      : fprintf(out, "      --%s", o->name);
	if (o->arg)
		w += fprintf(out, " %s", o->arg);
	if (w >= HELP_COLUMN) {
		fputc('\n', out);
		w = 0;
	}
	fprintf(out, "%*s", HELP_COLUMN - w, "");
	for (const char *p = o->help; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", HELP_COLUMN, "");
	}
	fputc('\n', out);
}

static void for_each_group(FILE *out, const struct xs_opt_cmd *c, void (*title)(FILE *, const char *),
			   void (*entry)(FILE *, const struct xs_opt *))
{
	size_t n;
	struct taken *t = collect_entries(c, &n);
	for (size_t i = 0; i < c->n_binds; i++) {
		bool titled = false;
		for (size_t k = 0; k < n; k++) {
			if (t[k].b != &c->binds[i] || t[k].o->hidden)
				continue;
			if (!titled)
				title(out, c->binds[i].group->title);
			titled = true;
			entry(out, t[k].o);
		}
	}
	free(t);
}

static void help_title(FILE *out, const char *title)
{
	fprintf(out, "%s:\n", title);
}

void xs_opt_help(FILE *out, const struct xs_opt_cmd *c)
{
	fprintf(out, "%s\n", c->synopsis);
	for_each_group(out, c, help_title, help_entry);
	fprintf(out, "  -h, --help%*sthis text\n", HELP_COLUMN - 12, "");
	if (c->epilog)
		fprintf(out, "\n%s", c->epilog);
}

/* Text for roff: '-' as \-, '\' as \e, one paragraph (the help's line breaks become spaces). */
static void man_text(FILE *out, const char *s)
{
	bool space = false;
	for (; *s; s++) {
		if (*s == '\n' || *s == ' ') {
			space = true;
			continue;
		}
		if (space)
			fputc(' ', out);
		space = false;
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void man_title(FILE *out, const char *title)
{
	fputs(".PP\n", out);
	man_text(out, title);
	fputs(":\n", out);
}

static void man_entry(FILE *out, const struct xs_opt *o)
{
	fputs(o->arg ? ".TP\n.BI \"" : ".TP\n.B \"", out);
	if (o->short_name)
		fprintf(out, "\\-%c, ", o->short_name);
	fputs("\\-\\-", out);
	man_text(out, o->name);
	if (o->arg) {
		fputs(" \" \"", out);
		man_text(out, o->arg);
	}
	fputs("\"\n", out);
	man_text(out, o->help);
	fputc('\n', out);
}

void xs_opt_man(FILE *out, const struct xs_opt_cmd *c)
{
	for_each_group(out, c, man_title, man_entry);
}
