/* SPDX-License-Identifier: MIT */
/*
 * `exitscope diff` and xs.diff() on stored runs: a side of common/rundiff.h read from a store, and the
 * comparison printed as text, JSON or CSV with the decoder's names.
 *
 * A side is named "FILE" (the newest run), "FILE:N" (run N), "FILE:N,M,..." or "FILE:N-M" (repeats of one
 * configuration) or "FILE:all". A run's guest iterations are run.iterations x run.vcpus from its metadata
 * (0, unknown, for runs that say none: recordings of other VMs); its exits are scanned from the store.
 */
#ifndef EXITSCOPE_DB_RUNDIFF_STORE_H
#define EXITSCOPE_DB_RUNDIFF_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/rundiff.h"
#include "db/sqlite_api.h"

/* Split "FILE[:RUNS]" into the path and the run list text (NULL: the newest run). */
int xs_rundiff_spec_split(const char *spec, char **path, char **runs, char *err, size_t errlen);

/* Parse a run list ("3", "3,5", "2-4", "all") against the store: the run ids, malloc'd (free it). */
int xs_rundiff_spec_runs(sqlite3 *db, const char *runs, int64_t **ids, size_t *n, char *err, size_t errlen);

/* Add stored runs to a side (each one run of it). */
int xs_rundiff_side_load(sqlite3 *db, const int64_t *ids, size_t n, struct xs_rundiff_side *s, char *err,
			 size_t errlen);

/* Open the store named by spec and load the side; label is the spec. */
int xs_rundiff_side_open(const char *spec, struct xs_rundiff_side *s, char *err, size_t errlen);

/* "vmx IO_INSTRUCTION", "port 0x3f8", "msr 0x10", "cr0 write", "vector 14 (#PF)" */
void xs_rundiff_row_label(const struct xs_rundiff_row *row, char *buf, size_t len);

void xs_rundiff_print_text(FILE *out, const struct xs_rundiff *d);
void xs_rundiff_print_json(FILE *out, const struct xs_rundiff *d);
void xs_rundiff_print_csv(FILE *out, const struct xs_rundiff *d);

#endif
