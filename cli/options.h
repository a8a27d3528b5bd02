/* SPDX-License-Identifier: MIT */
/*
 * Declarative command-line options (after kvmtool's OPT_* tables and libbpf-tools' argp tables). A command
 * lists its options as groups of struct xs_opt entries, each with its name, argument name, help text and what
 * taking it does (store into a field, or call a handler). One parser (getopt_long underneath) reads the
 * command line from the groups, one printer writes `--help`'s option lists from them, and another writes the
 * man page's lists (`exitscope CMD --help-man`; scripts/man-options.py puts them into docs/exitscope.1 and
 * tests/integration/cli-options.sh fails when the man page drifts from the tables).
 *
 * The groups several commands share (launch, collect, output) are in cli/option_groups.h.
 */
#ifndef EXITSCOPE_CLI_OPTIONS_H
#define EXITSCOPE_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/util.h"

enum xs_opt_kind {
	XS_OPT_FLAG,	/* bool at .off set to true; no argument */
	XS_OPT_STRING,	/* const char * at .off; with .choices, one of them */
	XS_OPT_U32,	/* uint32_t at .off, from .min to .max */
	XS_OPT_U64,	/* uint64_t at .off, from .min to .max */
	XS_OPT_SECONDS, /* double at .off: seconds, from .dmin to .dmax (when not 0); > 0 when .min is 1 */
	XS_OPT_CHOICE,	/* int-sized enum at .off: the index of the argument in .choices */
	XS_OPT_CALL,	/* .call(base, entry, argument, err, errlen) */
};

struct xs_opt;
/* A handler: 0 when taken, else -1 with what is wrong with the argument in err. */
typedef int xs_opt_call_fn(void *base, const struct xs_opt *o, const char *arg, char *err, size_t errlen);

struct xs_opt {
	const char *name; /* the long name, without "--" */
	int short_name;	  /* 'o' for -o, or 0 */
	const char *arg;  /* the argument's name in --help ("FILE"); NULL: the option takes none */
	const char *help; /* one line, or several separated by '\n' */
	enum xs_opt_kind kind;
	size_t off;		    /* the target field's offset in the group's struct */
	uint64_t min, max;	    /* XS_OPT_U32/U64 bounds */
	double dmin, dmax;	    /* XS_OPT_SECONDS bounds */
	const char *const *choices; /* XS_OPT_CHOICE/STRING: NULL-terminated */
	const char *expect;	    /* a bad argument's message: "give 1-64" */
	xs_opt_call_fn *call;	    /* XS_OPT_CALL */
	int tag;		    /* for a handler shared by several entries */
	bool hidden;		    /* taken, but in neither --help nor the man page (test hooks) */
};

/* A titled list of options, ended by an entry without a name. */
struct xs_opt_group {
	const char *title;
	const struct xs_opt *opts;
};

/*
 * A group as one command uses it: the struct its entries fill, optionally only some of its entries, and a flag
 * set when any of them is given. When two bound groups name the same option the first one's entry wins (a
 * command's own group, listed first, overrides a shared entry).
 */
struct xs_opt_bind {
	const struct xs_opt_group *group;
	void *base;
	const char *const *only; /* NULL-terminated names; NULL: every entry */
	bool *given;
};

struct xs_opt_cmd {
	const char *name;     /* "run" */
	const char *synopsis; /* the usage lines and the description, before the option lists */
	const char *epilog;   /* after them, or NULL */
	const struct xs_opt_bind *binds;
	size_t n_binds;
	bool args;	  /* positional arguments allowed (options end at the first) */
	bool stop_at_arg; /* options end at the first argument ('+' in getopt's terms) */
};

/*
 * Parse argv (argv[0] is the command). 0 with *first_arg the index of the first positional argument; -1 after
 * --help or --help-man (printed to stdout); XS_EXIT_USAGE after one line naming the problem.
 */
int xs_opt_parse(const struct xs_opt_cmd *c, int argc, char **argv, int *first_arg);

/* The synopsis, every group's options and the epilog, as --help prints them. */
void xs_opt_help(FILE *out, const struct xs_opt_cmd *c);
/* The option lists in man(7) form (.TP entries under a .PP title per group). */
void xs_opt_man(FILE *out, const struct xs_opt_cmd *c);

/* "exitscope CMD: <message> (see exitscope CMD --help)"; returns XS_EXIT_USAGE. The one usage-error format. */
int xs_usage_error(const char *cmd, const char *fmt, ...) XS_PRINTF(2, 3);

/* Entry builders. */
#define XS_OPT_ENTRY(n, s, a, h, ...)                                                \
	{                                                                            \
		.name = (n), .short_name = (s), .arg = (a), .help = (h), __VA_ARGS__ \
	}
#define XS_OPT_END_ENTRY     \
	{                    \
		.name = NULL \
	}

#endif
