/* SPDX-License-Identifier: MIT */
/*
 * The record sources shared by `top` and `serve`: a replay of a record file or a database, a guest launched in
 * this process, or every VM of the host through the collector. Both commands take the same source options
 * (an option table here, so the flags and their checks exist once) and feed the records to their own consumer (the
 * dashboard, the metrics endpoint) through the tui_source interface.
 */
#ifndef EXITSCOPE_CLI_SOURCES_H
#define EXITSCOPE_CLI_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/option_groups.h"

#include "collector/collector.h"
#include "tui/source.h"

struct xs_source_args {
	const char *replay;
	struct xs_col_opts col; /* the live source's: -p, --backend */
	bool live_given;
	double speed;
	uint64_t run_id;
	bool launch_given;
	struct xs_launch_args launch;
};

/* The source options (a source group, -p of the collect group, the launch group) as binds for a command's table. */
#define XS_SOURCE_BINDS 3
size_t xs_source_binds(struct xs_source_args *a, struct xs_opt_bind *b);

/* Defaults: live, every VM, speed 1, one vCPU. */
void xs_source_args_init(struct xs_source_args *a);
void xs_source_args_free(struct xs_source_args *a);
/* The checks across source options: 0, or XS_EXIT_USAGE after a one-line message. */
int xs_source_check(const struct xs_source_args *a, const char *cmd);
/* The source the options name (after xs_source_check); NULL after a one-line message, *status the exit status. */
struct tui_source *xs_source_open(const struct xs_source_args *a, const char *cmd, int argc, char **argv, int *status);

struct tui_source *xs_replay_source(const char *cmd, const char *path, double speed, int64_t run_id);
struct tui_source *xs_launch_source(const char *cmd, const struct xs_launch_args *a, int argc, char **argv);
struct tui_source *xs_live_source(const struct xs_col_opts *opts);

#endif
