/* SPDX-License-Identifier: MIT */
/*
 * The store's schema: tables, views and the migrations between versions. docs/schema.md documents every
 * table and view; this file is the one place that creates them.
 *
 * Versioning: PRAGMA user_version holds the schema version, PRAGMA application_id marks the file as an
 * exitscope store. A database at an older version is migrated step by step (each step in one transaction);
 * a database at a newer version is refused.
 */
#ifndef EXITSCOPE_DB_SCHEMA_H
#define EXITSCOPE_DB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/sqlite_api.h"

#define XS_DB_APPLICATION_ID 0x58534442 /* "XSDB" */
#define XS_DB_SCHEMA_VERSION 3

/* The version a database is at: its user_version. -1 with a message if it cannot be read. */
int xs_schema_version(sqlite3 *db, char *err, size_t errlen);

/*
 * Bring an exitscope database (or an empty file) from its version up to `target` (1..XS_DB_SCHEMA_VERSION),
 * creating it when empty, then (re)create the views and refresh the reason-name tables from the decoder.
 * Returns 0, or -1 with a one-line message in err.
 */
int xs_schema_migrate(sqlite3 *db, int target, char *err, size_t errlen);

/* True when the stored name tables were not filled from this decoder's tables (or cannot be read). */
bool xs_schema_names_stale(sqlite3 *db);

/* Refill the lookup tables (isa, source, detail kind and reason names) if the decoder's tables changed. */
int xs_schema_refresh_names(sqlite3 *db, char *err, size_t errlen);

/* A fingerprint of the decoder's name tables: the stored copy is refreshed when it differs. */
uint64_t xs_schema_names_fingerprint(void);

#endif
