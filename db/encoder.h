/* SPDX-License-Identifier: MIT */
/*
 * The encoder turns exit records of one run into rows, inside transactions the caller opens and closes:
 * prepared statements, many rows per INSERT, shapes and segments cached in memory, aggregates updated in
 * the same transaction as the exits they count. Only the writer thread (db/store_sink.c) and the migration
 * tests use it; it is not thread-safe.
 */
#ifndef EXITSCOPE_DB_ENCODER_H
#define EXITSCOPE_DB_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "db/sqlite_api.h"
#include "exitscope/record.h"

/* Distinct shapes one (isa, reason) may create before its qualifications go into the rows instead. */
#define XS_SHAPES_PER_REASON 64

struct xs_encoder_counts {
	uint64_t exits, guest_states, extras, shapes, segments, inline_reasons;
};

struct xs_encoder;

struct xs_encoder *xs_encoder_new(sqlite3 *db, int64_t run_id, char *err, size_t errlen);
void xs_encoder_free(struct xs_encoder *e);

/* BEGIN IMMEDIATE, and learn what other writers added since our last transaction. */
int xs_encoder_begin(struct xs_encoder *e, char *err, size_t errlen);
int xs_encoder_add(struct xs_encoder *e, const struct xs_exit_record *r, char *err, size_t errlen);
/* Write the buffered rows, the aggregates and the run's counters, then COMMIT. */
int xs_encoder_commit(struct xs_encoder *e, char *err, size_t errlen);
/* After a failure: ROLLBACK. The encoder must not be used for more exits afterwards. */
void xs_encoder_rollback(struct xs_encoder *e);

const struct xs_encoder_counts *xs_encoder_counts(const struct xs_encoder *e);

/* The SQLite result code of the last failure (SQLITE_FULL, SQLITE_READONLY, ...), 0 if none. */
int xs_encoder_last_error(const struct xs_encoder *e);

#endif
