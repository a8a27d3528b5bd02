/* SPDX-License-Identifier: MIT */
/*
 * Aggregates kept at ingest and stored beside the exits (table `agg`, `agg_seconds`), so `exitscope report`
 * and the summary views answer without scanning millions of rows. The numbers are common/agg.h's
 * struct xs_stats (count, latency sum/min/max and log-linear histogram, handler and run times), one per
 * (run, dimension, key):
 *   reason  k1 = isa, k2 = reason          vcpu  k1 = pid, k2 = vcpu
 *   port    k1 = I/O port (detail io)      msr   k1 = MSR index (detail msr)
 *   gpa     k1 = the MMIO detail's GPA, else the exit's guest-physical address
 * Cells are written in the same transaction as the exits they count, so a database that survived a crash
 * has aggregates that match its rows. A detail dimension with more than XS_AGG_DETAIL_CAP keys in a run stops
 * growing and is named in runs.agg_incomplete; readers then scan the exits for it.
 */
#ifndef EXITSCOPE_DB_AGGSTORE_H
#define EXITSCOPE_DB_AGGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/agg.h"
#include "db/sqlite_api.h"
#include "exitscope/record.h"

#define XS_AGG_DETAIL_CAP 4096

enum xs_agg_dim { XS_DIM_REASON, XS_DIM_VCPU, XS_DIM_PORT, XS_DIM_MSR, XS_DIM_GPA, XS_DIM_COUNT };

const char *xs_dim_name(enum xs_agg_dim dim);
bool xs_dim_from_name(const char *name, enum xs_agg_dim *dim);

/* The key of a record in a dimension; false when the record has none there (no port, say). */
bool xs_dim_key(enum xs_agg_dim dim, const struct xs_exit_record *r, uint64_t *k1, uint64_t *k2);

struct xs_aggstore;

struct xs_aggstore *xs_aggstore_new(int64_t run_id);
void xs_aggstore_free(struct xs_aggstore *a);
void xs_aggstore_add(struct xs_aggstore *a, const struct xs_exit_record *r);

/* Write the cells changed since the last flush (inside the caller's transaction). */
int xs_aggstore_flush(struct xs_aggstore *a, sqlite3 *db, char *err, size_t errlen);

/* Forget which cells are written (after a rolled-back transaction): the next flush writes them all. */
void xs_aggstore_mark_all_dirty(struct xs_aggstore *a);

/* Recompute the aggregates of every run from its stored exits (schema migration to version 2). */
int xs_aggstore_backfill(sqlite3 *db, char *err, size_t errlen);

/* The latency histogram as stored: (bucket gap, count) varint pairs of the non-empty buckets. */
size_t xs_hist_encode(const struct xs_stats *s, uint8_t *buf, size_t len);
/* Fill s->lat_hist from a stored histogram; false if the blob is damaged. */
bool xs_hist_decode(const void *blob, size_t len, struct xs_stats *s);

#define XS_HIST_BLOB_MAX (XS_HIST_BUCKETS * 12)

#endif
