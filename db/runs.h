/* SPDX-License-Identifier: MIT */
/*
 * Run rows: one per recording, import or launch written into the store. The metadata keys of
 * docs/record-format.md go into run_meta verbatim; the common ones are also copied into columns of `runs`
 * (host, kernel, source, ...) and the counters summed (dropped, unsupported) so `exitscope runs` reads one row.
 */
#ifndef EXITSCOPE_DB_RUNS_H
#define EXITSCOPE_DB_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "db/sqlite_api.h"

/* A new run in state 'recording'; its id, or -1 with a message. */
int64_t xs_run_create(sqlite3 *db, const char *imported_from, char *err, size_t errlen);

/* Set one metadata key (inside the caller's transaction). */
int xs_run_set_meta(sqlite3 *db, int64_t run_id, const char *key, const char *value, char *err, size_t errlen);

/* The run's final state: 'complete', or 'failed' when the writer hit an error (its own transaction). */
int xs_run_finish(sqlite3 *db, int64_t run_id, const char *state, char *err, size_t errlen);

#endif
