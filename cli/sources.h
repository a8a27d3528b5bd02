/* SPDX-License-Identifier: MIT */
/*
 * The record sources shared by `top` and `serve`: a replay of a record file or a database, a guest launched in
 * this process, or every VM of the host through the collector. Both commands take the same source options
 * (parsed here, so the flags and their checks exist once) and feed the records to their own consumer (the
 * dashboard, the metrics endpoint) through the tui_source interface.
 */
#ifndef EXITSCOPE_CLI_SOURCES_H
#define EXITSCOPE_CLI_SOURCES_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector/collector.h"
#include "tui/source.h"

/* --param, --control and --controls in command-line order: the kind letter, then the argument. */
struct xs_launch_args {
	const char *guest;
	unsigned int mode;
	uint64_t vcpus, mem_mb, iterations;
	bool iterations_set, no_defaults, allow;
	const char *backend, *cpu_model; /* the launcher's: kvm, vmx, auto */
	const char *settings[64];
	char kinds[64];
	size_t n;
};

struct xs_source_args {
	const char *replay;
	uint64_t pid;
	enum xs_col_backend backend;
	bool live_given;
	bool per_exit; /* live: stream every exit instead of counting in the kernel */
	double speed;
	uint64_t run_id;
	bool launch_given;
	struct xs_launch_args launch;
};

/* getopt_long values of the source options; a command's own options start at XS_SOURCE_OPT_END. */
enum {
	XS_SOURCE_OPT_BACKEND = 0x100,
	XS_SOURCE_OPT_REPLAY,
	XS_SOURCE_OPT_SPEED,
	XS_SOURCE_OPT_RUN_ID,
	XS_SOURCE_OPT_RUN,
	XS_SOURCE_OPT_VCPUS,
	XS_SOURCE_OPT_MEM,
	XS_SOURCE_OPT_MODE,
	XS_SOURCE_OPT_ITERATIONS,
	XS_SOURCE_OPT_PARAM,
	XS_SOURCE_OPT_CONTROL,
	XS_SOURCE_OPT_CONTROLS,
	XS_SOURCE_OPT_NO_DEFAULTS,
	XS_SOURCE_OPT_ALLOW,
	XS_SOURCE_OPT_CPU_MODEL,
	XS_SOURCE_OPT_PER_EXIT,
	XS_SOURCE_OPT_END,
};

/* The source options for a getopt_long table (-p is 'p' in the short options). */
#define XS_SOURCE_LONGOPTS                                                                                  \
	{"pid", required_argument, NULL, 'p'}, {"backend", required_argument, NULL, XS_SOURCE_OPT_BACKEND}, \
		{"replay", required_argument, NULL, XS_SOURCE_OPT_REPLAY},                                  \
		{"speed", required_argument, NULL, XS_SOURCE_OPT_SPEED},                                    \
		{"run-id", required_argument, NULL, XS_SOURCE_OPT_RUN_ID},                                  \
		{"run", required_argument, NULL, XS_SOURCE_OPT_RUN},                                        \
		{"vcpus", required_argument, NULL, XS_SOURCE_OPT_VCPUS},                                    \
		{"mem", required_argument, NULL, XS_SOURCE_OPT_MEM},                                        \
		{"mode", required_argument, NULL, XS_SOURCE_OPT_MODE},                                      \
		{"iterations", required_argument, NULL, XS_SOURCE_OPT_ITERATIONS},                          \
		{"param", required_argument, NULL, XS_SOURCE_OPT_PARAM},                                    \
		{"control", required_argument, NULL, XS_SOURCE_OPT_CONTROL},                                \
		{"controls", required_argument, NULL, XS_SOURCE_OPT_CONTROLS},                              \
		{"no-default-controls", no_argument, NULL, XS_SOURCE_OPT_NO_DEFAULTS},                      \
		{"allow-unsupported", no_argument, NULL, XS_SOURCE_OPT_ALLOW},                              \
		{"per-exit", no_argument, NULL, XS_SOURCE_OPT_PER_EXIT},                                    \
	{                                                                                                   \
		"cpu-model", required_argument, NULL, XS_SOURCE_OPT_CPU_MODEL                               \
	}

/* The --help lines of the source options. */
extern const char xs_source_usage[];

/* "exitscope CMD: <fmt with arg> (see exitscope CMD --help)"; returns XS_EXIT_USAGE. */
int xs_usage_error(const char *cmd, const char *fmt, const char *arg);

/* Defaults: live, every VM, speed 1, one vCPU. */
void xs_source_args_init(struct xs_source_args *a);
/* One option: 0 when taken, XS_EXIT_USAGE after a message naming cmd, or -1 when it is no source option. */
int xs_source_option(struct xs_source_args *a, const char *cmd, int c, const char *arg);
/* The checks across source options: 0, or XS_EXIT_USAGE after a one-line message. */
int xs_source_check(const struct xs_source_args *a, const char *cmd);
/* The source the options name (after xs_source_check); NULL after a one-line message, *status the exit status. */
struct tui_source *xs_source_open(const struct xs_source_args *a, const char *cmd, int argc, char **argv, int *status);

struct tui_source *xs_replay_source(const char *cmd, const char *path, double speed, int64_t run_id);
struct tui_source *xs_launch_source(const char *cmd, const struct xs_launch_args *a, int argc, char **argv);
struct tui_source *xs_live_source(uint32_t pid, enum xs_col_backend backend, bool per_exit);

#endif
