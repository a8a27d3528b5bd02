// SPDX-License-Identifier: MIT
#include "db/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/schema.h"
#include "db/sqlfuncs.h"
#include "db/sqlutil.h"

#define BUSY_TIMEOUT_MS 10000

static sqlite3 *fail(sqlite3 *db, char *err, size_t errlen, const char *path, const char *why)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", why);
	snprintf(err, errlen, "%s: %s", path, msg);
	if (db)
		sqlite3_close_v2(db);
	return NULL;
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

sqlite3 *xs_store_open(const char *path, enum xs_store_mode mode, char *err, size_t errlen)
{
	struct stat sb;
	bool exists = stat(path, &sb) == 0;
	if (!exists && mode != XS_STORE_CREATE)
		return fail(NULL, err, errlen, path, strerror(errno));
	if (exists && !S_ISREG(sb.st_mode))
		return fail(NULL, err, errlen, path, "not a regular file");
	if (exists && mode != XS_STORE_READ && access(path, W_OK) != 0)
		return fail(NULL, err, errlen, path, "read-only: cannot write the store");

	bool writable = mode != XS_STORE_READ || access(path, W_OK) == 0;
	int flags = SQLITE_OPEN_NOMUTEX | (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
	if (mode == XS_STORE_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK)
		return fail(db, err, errlen, path, xs_sql_errmsg(db, rc));
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);

	char why[300];
	bool empty = false;
	const char *bad = check_identity(db, &empty, why, sizeof(why));
	if (bad)
		return fail(db, err, errlen, path, bad);
	if (empty && mode == XS_STORE_READ)
		return fail(db, err, errlen, path, "empty file: not an exitscope store yet");
	int version = xs_schema_version(db, why, sizeof(why));
	if (version < 0)
		return fail(db, err, errlen, path, why);
	if (version > XS_DB_SCHEMA_VERSION) {
		snprintf(why, sizeof(why),
			 "schema version %d is newer than this exitscope understands (%d): upgrade exitscope", version,
			 XS_DB_SCHEMA_VERSION);
		return fail(db, err, errlen, path, why);
	}
	if (version < XS_DB_SCHEMA_VERSION && !writable) {
		snprintf(why, sizeof(why), "schema version %d needs migrating to %d, but the file is read-only",
			 version, XS_DB_SCHEMA_VERSION);
		return fail(db, err, errlen, path, why);
	}
	if (writable) {
		/* WAL: readers never block the writer, and a killed writer loses only its open transaction. */
		if (xs_sql_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", why, sizeof(why)) ||
		    xs_schema_migrate(db, XS_DB_SCHEMA_VERSION, why, sizeof(why)) ||
		    xs_schema_refresh_names(db, why, sizeof(why)))
			return fail(db, err, errlen, path, why);
	}
	if (xs_sql_register_functions(db, why, sizeof(why)))
		return fail(db, err, errlen, path, why);
	return db;
}

void xs_store_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}
