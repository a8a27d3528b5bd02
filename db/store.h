/* SPDX-License-Identifier: MIT */
/*
 * Opening an exitscope database: the checks every command makes before it reads or writes (is it SQLite,
 * is it ours, is its schema one we know, can we write it), the migration of an older schema, WAL mode, and
 * the SQL functions (db/sqlfuncs.h) registered on the connection.
 */
#ifndef EXITSCOPE_DB_STORE_H
#define EXITSCOPE_DB_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/sqlite_api.h"

enum xs_store_mode {
	/*
	 * Read only: a read-only connection (mode=ro, or immutable=1 where no -shm file can be made), so a
	 * reader never takes a write lock nor waits for a writer, and reads stores on read-only media. An
	 * older schema is migrated first if the file is writable, else refused.
	 */
	XS_STORE_READ,
	XS_STORE_WRITE,	  /* read and write an existing store */
	XS_STORE_CREATE,  /* as WRITE, creating the file when absent */
	XS_STORE_REFRESH, /* as WRITE, but never waits for a lock: a reader's refresh of the name tables */
};

/* NULL with a one-line message ("exits.db: not an SQLite database") in err. */
sqlite3 *xs_store_open(const char *path, enum xs_store_mode mode, char *err, size_t errlen);
void xs_store_close(sqlite3 *db);

/*
 * Make a connection refuse every statement that is not a read (query_only and an authorizer that denies
 * writes, schema changes, ATTACH and pragmas that set something). XS_STORE_READ connections come so.
 */
int xs_store_read_only(sqlite3 *db, char *err, size_t errlen);

#endif
