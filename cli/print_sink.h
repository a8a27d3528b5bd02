/* SPDX-License-Identifier: MIT */
/*
 * The print sink: one line per exit record on a stdio stream, as text for people or JSON for scripts
 * (xs_record_text / xs_record_json). `record --print` and the launcher's `run --print` stand it behind a tee.
 * Run metadata (meta()) is not printed: lines are exits only, so a JSON reader sees one kind of object.
 * A failed write is counted in `dropped` (with the records that could not be written) and returned as
 * -errno; the sink keeps the first error and returns it again from flush() and close().
 */
#ifndef EXITSCOPE_CLI_PRINT_SINK_H
#define EXITSCOPE_CLI_PRINT_SINK_H

#include <stdbool.h>
#include <stdio.h>

#include "common/sink.h"

enum xs_print_format {
	XS_PRINT_TEXT,
	XS_PRINT_JSON,
};

/* own_file: close() also fcloses f (otherwise it only flushes it). */
struct xs_sink *xs_print_sink(FILE *f, enum xs_print_format format, bool own_file);

#endif
