/* SPDX-License-Identifier: MIT */
/*
 * Subcommand registration. Each cli/cmd_<name>.c defines one subcommand and registers it with
 * XS_COMMAND(name, summary, function); main() finds them all through the linker section, so adding a
 * subcommand touches no shared table.
 */
#ifndef EXITSCOPE_COMMAND_H
#define EXITSCOPE_COMMAND_H

struct xs_command {
	const char *name;
	const char *summary;		   /* one line for `exitscope --help` */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns the exit status */
};

#define XS_COMMAND(cmd_name, cmd_summary, cmd_run)                                         \
	static const struct xs_command xs_command_##cmd_name                               \
		__attribute__((used, section("xs_commands"), aligned(sizeof(void *)))) = { \
			.name = #cmd_name, .summary = cmd_summary, .run = cmd_run}

/* Exit statuses shared by every subcommand. */
#define XS_EXIT_OK 0
#define XS_EXIT_FAILURE 1 /* the work failed: bad input, an error while running */
#define XS_EXIT_USAGE 2	  /* bad command line */

#endif
