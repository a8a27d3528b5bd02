// SPDX-License-Identifier: MIT
#include "db/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/runs.h"
#include "db/schema.h"
#include "db/sqlfuncs.h"
#include "db/sqlutil.h"

#define BUSY_TIMEOUT_MS 10000

static sqlite3 *fail(sqlite3 *db, char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why && *why ? why : "cannot open the store");
	if (db)
		sqlite3_close_v2(db);
	return NULL;
}

/* A record file handed where a store is expected: say what it is instead of "not an SQLite database". */
static bool is_record_file(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && !memcmp(magic, "XSRECORD", sizeof(magic));
}

/* Is the file's application_id ours (or is the database empty, so it can become ours)? */
static const char *check_identity(sqlite3 *db, bool *empty, char *buf, size_t len)
{
	int64_t app = 0, objects = 0;
	char err[256];
	if (xs_sql_int(db, "PRAGMA application_id", &app, err, sizeof(err)) ||
	    xs_sql_int(db, "SELECT count(*) FROM sqlite_schema", &objects, err, sizeof(err))) {
		snprintf(buf, len, "%s", err);
		/* SQLite says "file is not a database" for a file that is not one: say it plainly. */
		if (strstr(err, "not an SQLite database") || strstr(err, "not a database"))
			snprintf(buf, len, "not an SQLite database");
		return buf;
	}
	*empty = objects == 0;
	if (!*empty && app != XS_DB_APPLICATION_ID) {
		snprintf(buf, len, "an SQLite database, but not an exitscope store (application_id 0x%llx)",
			 (unsigned long long)app);
		return buf;
	}
	return NULL;
}

/*
 * Open the file through a URI so that read-only opens can say mode=ro (no write lock, no file created) and,
 * where even that fails because the -shm file cannot be made (a read-only mount, a directory the user
 * cannot write), immutable=1: the file cannot change under us there, so SQLite need not lock at all.
 */
static int open_uri(const char *path, int flags, const char *params, sqlite3 **db)
{
	/* Percent-encode what a URI path cannot carry literally. */
	size_t n = strlen(path);
	char *enc = malloc(n * 3 + 16);
	if (!enc)
		return SQLITE_NOMEM;
	char *o = enc;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f) {
			o += sprintf(o, "%%%02X", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = 0;
	char *uri = sqlite3_mprintf("file:%s%s%s", enc, params ? "?" : "", params ? params : "");
	free(enc);
	if (!uri)
		return SQLITE_NOMEM;
	int rc = sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI, NULL);
	sqlite3_free(uri);
	return rc;
}

/* The checks every open makes: ours, a schema version we know. */
static const char *check_store(sqlite3 *db, enum xs_store_mode mode, int *version, char *why, size_t len)
{
	bool empty = false;
	const char *bad = check_identity(db, &empty, why, len);
	if (bad)
		return bad;
	if (empty && mode == XS_STORE_READ)
		return "empty file: not an exitscope store yet";
	*version = xs_schema_version(db, why, len);
	if (*version < 0)
		return why;
	if (*version > XS_DB_SCHEMA_VERSION) {
		snprintf(why, len, "schema version %d is newer than this exitscope understands (%d): upgrade exitscope",
			 *version, XS_DB_SCHEMA_VERSION);
		return why;
	}
	return NULL;
}

/* Pragmas a reader may give an argument: they name what to describe or check, they change nothing. */
static const char *const reader_pragmas[] = {"table_info",	  "table_xinfo",      "index_list",	 "index_info",
					     "index_xinfo",	  "foreign_key_list", "integrity_check", "quick_check",
					     "foreign_key_check", "table_list",	      "function_list",	 "pragma_list"};

/*
 * What a reader's statements may do: read. The connection is read-only already (the file refuses writes);
 * this also refuses what would change the connection's own rules (PRAGMA writable_schema = 1, query_only =
 * 0) or reach other files (ATTACH), and writes to temporary tables, so that every statement a reader
 * prepares is one that only reads.
 */
static int reader_authorizer(void *ctx, int action, const char *a1, const char *a2, const char *dbname,
			     const char *trigger)
{
	(void)ctx, (void)dbname, (void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_UPDATE:
		/* SQLite asks this while it sets up a table-valued pragma (pragma_table_info('runs')); the
		 * schema table cannot be written without writable_schema, which is refused below. */
		return a1 && !strcmp(a1, "sqlite_master") ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		return SQLITE_OK; /* BEGIN/COMMIT of reads */
	case SQLITE_PRAGMA:
		if (!a2)
			return SQLITE_OK; /* reading a pragma's value */
		for (size_t i = 0; i < sizeof(reader_pragmas) / sizeof(reader_pragmas[0]); i++)
			if (a1 && !sqlite3_stricmp(a1, reader_pragmas[i]))
				return SQLITE_OK;
		return SQLITE_DENY;
	default:
		(void)a1;
		return SQLITE_DENY;
	}
}

int xs_store_read_only(sqlite3 *db, char *err, size_t errlen)
{
	if (xs_sql_exec(db, "PRAGMA query_only = 1", err, errlen))
		return -1;
	int rc = sqlite3_set_authorizer(db, reader_authorizer, NULL);
	if (rc != SQLITE_OK)
		return xs_sql_fail(err, errlen, "cannot make the connection read-only: %s", sqlite3_errstr(rc));
	return 0;
}

/*
 * A reader's connection: read-only, so it never takes a write lock nor waits for a writer (WAL readers see
 * the last committed state). A store at an older schema is migrated first through a short-lived write
 * connection when the file is writable; stale name tables are refreshed the same way, but only when no
 * writer holds the lock (a reader does not wait: the stored names stay until the next writer refreshes them).
 */
static sqlite3 *open_reader(const char *path, bool may_write, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char why[300] = "";
	int rc = open_uri(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, "mode=ro", &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) {
		/* No -shm can be made next to the file: it lives where nobody writes, so it cannot change. */
		sqlite3_close_v2(db);
		db = NULL;
		rc = open_uri(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, "immutable=1", &db);
		char wal[4096];
		struct stat ws;
		snprintf(wal, sizeof(wal), "%s-wal", path);
		if (rc == SQLITE_OK && stat(wal, &ws) == 0 && ws.st_size > 0)
			xs_err("%s: read as it was at its last checkpoint: its write-ahead log (%s) cannot be opened "
			       "on this read-only medium",
			       path, wal);
	}
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_NOTADB)
		return fail(db, err, errlen, path, xs_sql_errmsg(db, rc));
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	int version = 0;
	const char *bad = check_store(db, XS_STORE_READ, &version, why, sizeof(why));
	if (bad)
		return fail(db, err, errlen, path, bad);
	bool stale_names = version == XS_DB_SCHEMA_VERSION && xs_schema_names_stale(db);
	if (version < XS_DB_SCHEMA_VERSION || stale_names) {
		if (!may_write) {
			if (version < XS_DB_SCHEMA_VERSION) {
				snprintf(why, sizeof(why),
					 "schema version %d needs migrating to %d, but the file is read-only", version,
					 XS_DB_SCHEMA_VERSION);
				return fail(db, err, errlen, path, why);
			}
		} else {
			sqlite3_close_v2(db);
			sqlite3 *w = xs_store_open(
				path, version < XS_DB_SCHEMA_VERSION ? XS_STORE_WRITE : XS_STORE_REFRESH, err, errlen);
			if (!w && version < XS_DB_SCHEMA_VERSION)
				return NULL;
			xs_store_close(w);
			return open_reader(path, false, err, errlen);
		}
	}
	if (xs_sql_register_functions(db, why, sizeof(why)) || xs_run_register_functions(db, why, sizeof(why)) ||
	    xs_store_read_only(db, why, sizeof(why)))
		return fail(db, err, errlen, path, why);
	return db;
}

sqlite3 *xs_store_open(const char *path, enum xs_store_mode mode, char *err, size_t errlen)
{
	struct stat sb;
	if (!path || !*path)
		return fail(NULL, err, errlen, "\"\"", "an empty path names no store");
	bool exists = stat(path, &sb) == 0;
	if (!exists && mode != XS_STORE_CREATE)
		return fail(NULL, err, errlen, path, strerror(errno));
	if (exists && !S_ISREG(sb.st_mode))
		return fail(NULL, err, errlen, path, "not a regular file");
	if (exists && is_record_file(path))
		return fail(NULL, err, errlen, path,
			    "an exitscope record file (.xsr), not a store: `exitscope import` loads it into one");
	if (mode == XS_STORE_READ)
		return open_reader(path, access(path, W_OK) == 0, err, errlen);
	if (exists && access(path, W_OK) != 0)
		return fail(NULL, err, errlen, path, "read-only: cannot write the store");

	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE;
	if (mode == XS_STORE_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK)
		return fail(db, err, errlen, path, xs_sql_errmsg(db, rc));
	sqlite3_extended_result_codes(db, 1);
	/* A refresh on behalf of a reader must not wait for a writer: it gives up at once when busy. */
	sqlite3_busy_timeout(db, mode == XS_STORE_REFRESH ? 0 : BUSY_TIMEOUT_MS);

	char why[300] = "";
	int version = 0;
	const char *bad = check_store(db, mode, &version, why, sizeof(why));
	if (bad)
		return fail(db, err, errlen, path, bad);
	/* WAL: readers never block the writer, and a killed writer loses only its open transaction. */
	if (xs_sql_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", why, sizeof(why)) ||
	    xs_schema_migrate(db, XS_DB_SCHEMA_VERSION, why, sizeof(why)) ||
	    xs_schema_refresh_names(db, why, sizeof(why)))
		return fail(db, err, errlen, path, why);
	if (xs_sql_register_functions(db, why, sizeof(why)) || xs_run_register_functions(db, why, sizeof(why)))
		return fail(db, err, errlen, path, why);
	return db;
}

void xs_store_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}
