/* SPDX-License-Identifier: MIT */
/*
 * Where a producing subcommand (run, record, import) writes: chosen by the output path's form.
 *   *.xsr          a record file (common/xsr.h)
 *   anything else  the SQLite store (db/store_sink.h): one new run in the database, created when absent
 * The caller closes the returned sink.
 */
#ifndef EXITSCOPE_CLI_OUTPUT_H
#define EXITSCOPE_CLI_OUTPUT_H

#include <stddef.h>

#include "common/sink.h"

/* NULL with a one-line message in err when the output cannot be opened. */
struct xs_sink *xs_output_open(const char *path, char *err, size_t errlen);

/* True when path names a record file rather than a database. */
int xs_output_is_record_file(const char *path);

struct xs_agg;
struct xs_output_args;
/*
 * The sinks of run and record: the aggregator's, the output's (-o) and the printer's (--print, JSON lines with
 * --json), teed. NULL after a one-line message naming cmd when the output cannot be opened.
 */
struct xs_sink *xs_output_sinks(const struct xs_output_args *o, struct xs_agg *agg, const char *cmd);
/* Close what xs_output_sinks opened and free agg; status, or XS_EXIT_FAILURE after a message when closing the
 * output failed (its last records could not be written). */
int xs_output_sinks_close(struct xs_sink *sink, struct xs_agg *agg, const char *cmd, int status);

#endif
