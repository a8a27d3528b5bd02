/* SPDX-License-Identifier: MIT */
/*
 * Reading stored exits back as exit records, in the order they were written: for recomputing aggregates,
 * for reports that must scan, and for tests that check a round trip is exact.
 */
#ifndef EXITSCOPE_DB_READER_H
#define EXITSCOPE_DB_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/sqlite_api.h"
#include "exitscope/record.h"

struct xs_store_reader;

/* Exits of one run (run_id > 0) or of all runs (0); with_state also reads guest-state blocks. */
struct xs_store_reader *xs_store_reader_open(sqlite3 *db, int64_t run_id, bool with_state, char *err, size_t errlen);
/* 1 and *r filled (run_id too when not NULL); 0 at the end; -1 on an error (xs_store_reader_error). */
int xs_store_reader_next(struct xs_store_reader *rd, struct xs_exit_record *r, int64_t *run_id);
const char *xs_store_reader_error(const struct xs_store_reader *rd);
void xs_store_reader_close(struct xs_store_reader *rd);

#endif
