// SPDX-License-Identifier: MIT
/* exitscope: one binary, one subcommand per cli/cmd_<name>.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "common/util.h"

#ifndef XS_VERSION
#define XS_VERSION "dev"
#endif

extern const struct xs_command __start_xs_commands[];
extern const struct xs_command __stop_xs_commands[];

static int by_name(const void *a, const void *b)
{
	const struct xs_command *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void usage(FILE *out)
{
	size_t n = (size_t)(__stop_xs_commands - __start_xs_commands);
	const struct xs_command **sorted = xs_calloc(n, sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = &__start_xs_commands[i];
	qsort(sorted, n, sizeof(*sorted), by_name);
	fprintf(out, "usage: exitscope COMMAND [ARGS...]\n\n"
		     "Make VM exits visible, queryable and tunable.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-10s %s\n", sorted[i]->name, sorted[i]->summary);
	fprintf(out, "\n`exitscope COMMAND --help` describes a command; `man exitscope` has the details.\n");
	free(sorted);
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return XS_EXIT_OK;
	}
	if (!strcmp(name, "--version")) {
		printf("exitscope %s\n", XS_VERSION);
		return XS_EXIT_OK;
	}
	for (const struct xs_command *c = __start_xs_commands; c < __stop_xs_commands; c++) {
		if (!strcmp(c->name, name))
			return c->run(argc - 1, argv + 1);
	}
	xs_err("unknown command '%s' (see exitscope --help)", name);
	return XS_EXIT_USAGE;
}

/*
 * Every command's standard output is checked here, in one place: a full device, a closed pipe's EIO or a
 * write error anywhere (ferror) fails the command with a message, whatever the command itself checked.
 */
static int check_stdout(int status)
{
	errno = 0;
	bool failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;
	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed || status != XS_EXIT_OK)
		return status; /* a command that failed has said why already */
	xs_err("writing the output failed: %s", err ? strerror(err) : "write error");
	return status == XS_EXIT_OK ? XS_EXIT_FAILURE : status;
}

int main(int argc, char **argv)
{
	xs_set_progname("exitscope");
	return check_stdout(run(argc, argv));
}
