/* SPDX-License-Identifier: MIT */
/*
 * Run rows: one per recording, import or launch written into the store. The metadata keys of
 * docs/record-format.md go into run_meta verbatim; the common ones are also copied into columns of `runs`
 * (host, kernel, source, ...) and the counters summed (dropped, unsupported) so `exitscope runs` reads one row.
 */
#ifndef EXITSCOPE_DB_RUNS_H
#define EXITSCOPE_DB_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/sqlite_api.h"

/*
 * A new run in state 'recording', with its writer's identity (writer.boot_id, writer.pid, writer.start: the
 * boot, the process and its start time) in run_meta; its id, or -1 with a message.
 */
int64_t xs_run_create(sqlite3 *db, const char *imported_from, char *err, size_t errlen);

/* Set one metadata key (inside the caller's transaction). */
int xs_run_set_meta(sqlite3 *db, int64_t run_id, const char *key, const char *value, char *err, size_t errlen);

/* The run's final state: 'complete', or 'failed' when the writer hit an error (its own transaction). */
int xs_run_finish(sqlite3 *db, int64_t run_id, const char *state, char *err, size_t errlen);

/* The newest run, complete or still recording, whose metadata key has this value (0 when none, -1 on error). */
int64_t xs_run_by_meta(sqlite3 *db, const char *key, const char *value);


/*
 * Is the writer of a run still running? 1 yes, 0 no (another boot, no such process, or a later process
 * with the same pid), -1 unknown (no identity stored, or no /proc). A run left 'recording' is 'incomplete'
 * unless its writer is alive.
 */
int xs_writer_alive(const char *boot_id, int64_t pid, uint64_t start);
int xs_run_writer_alive(sqlite3 *db, int64_t run_id);

/* Registers run_state(run_id, state): 'recording' while the writer lives, then 'incomplete'. */
int xs_run_register_functions(sqlite3 *db, char *err, size_t errlen);

#endif
