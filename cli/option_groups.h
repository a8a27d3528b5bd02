/* SPDX-License-Identifier: MIT */
/*
 * The option groups several commands share (cli/options.h), with the structs they fill:
 *   launch  -- how a guest is launched: `run`, and `top`/`serve` with --run
 *   collect -- what the collector records: `record`, and -p for `top`/`serve` (struct xs_col_opts)
 *   output  -- where records and the summary go: `run`, `record`, and --json for `serve`
 */
#ifndef EXITSCOPE_CLI_OPTION_GROUPS_H
#define EXITSCOPE_CLI_OPTION_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/options.h"

/* One --param, --control or --controls, in command-line order: kind 'p', 'c' or 'f', and the argument. */
struct xs_launch_setting {
	char kind;
	const char *value;
};

struct xs_launch_args {
	const char *guest; /* top/serve's --run (run has its own --guest/--image) */
	unsigned int mode; /* 0: the guest's */
	uint64_t vcpus, mem_mb, iterations;
	bool iterations_set, no_defaults, allow;
	const char *backend, *cpu_model; /* the launcher's: kvm, vmx, auto */
	struct xs_launch_setting *settings;
	size_t n;
};

struct xs_output_args {
	const char *output; /* -o: FILE.xsr or a store */
	bool print, json;
	double duration; /* 0: until stopped */
};

extern const struct xs_opt_group xs_launch_group;  /* fills struct xs_launch_args */
extern const struct xs_opt_group xs_collect_group; /* fills struct xs_col_opts */
extern const struct xs_opt_group xs_output_group;  /* fills struct xs_output_args */

/* Defaults: one vCPU, the launcher's default memory. */
void xs_launch_args_init(struct xs_launch_args *a);
void xs_launch_args_free(struct xs_launch_args *a);
/*
 * Apply the options to a configuration xs_launch_config_init() prepared: mode, controls (--no-default-controls,
 * then --param/--controls/--control in order), vCPUs, memory, iterations when given, backend, the KVM device.
 * 0, or -1 with the problem in err.
 */
struct xs_launch_config;
int xs_launch_args_apply(const struct xs_launch_args *a, struct xs_launch_config *cfg, char *err, size_t len);
/* Defaults of the collector's options (full guest state). */
struct xs_col_opts;
void xs_col_opts_init(struct xs_col_opts *o);

#endif
