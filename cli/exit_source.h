/* SPDX-License-Identifier: MIT */
/*
 * Reading exits back for report --by symbol/--histogram and export: from a store (one run, or all) or from
 * a record file (.xsr), with the filters they share (vCPU, reason, a time window), and the runs' metadata
 * (which built-in guest ran, in which mode) for symbolization. One pass, constant memory.
 */
#ifndef EXITSCOPE_CLI_EXIT_SOURCE_H
#define EXITSCOPE_CLI_EXIT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

#define XS_SRC_RUN_LATEST 0
#define XS_SRC_RUN_ALL -1

struct xs_exit_filter {
	int64_t run_id; /* a run of a store, XS_SRC_RUN_LATEST or XS_SRC_RUN_ALL */
	bool by_vcpu;
	uint32_t vcpu;
	const char *reason;  /* "IO", "kvm IO", "vmx:IO_INSTRUCTION": matched against decoded names */
	double from_s, to_s; /* seconds after the run's first exit; to_s < 0: no end */
};

struct xs_exit_source;

/* Parse a --reason argument: NULL if good, else what is wrong. */
const char *xs_exit_filter_check_reason(const char *text);

/* Open a store or a record file; NULL with a one-line message in err. */
struct xs_exit_source *xs_exit_source_open(const char *path, const struct xs_exit_filter *f, bool with_state, char *err,
					   size_t errlen);
/* 1 and the next exit that passes the filter (*run_id: its run; 1 for a record file); 0 at the end; -1 error. */
int xs_exit_source_next(struct xs_exit_source *s, struct xs_exit_record *r, int64_t *run_id);
const char *xs_exit_source_error(const struct xs_exit_source *s);
/* A run's metadata value ("run.guest", "run.mode"), or NULL; valid until the next call. */
const char *xs_exit_source_meta(struct xs_exit_source *s, int64_t run_id, const char *key);
/* "run 3 of exits.db", "all runs of exits.db", "t.xsr". */
const char *xs_exit_source_title(const struct xs_exit_source *s);
/* Exits read, and those the filter let through. */
uint64_t xs_exit_source_read(const struct xs_exit_source *s);
void xs_exit_source_close(struct xs_exit_source *s);

#endif
