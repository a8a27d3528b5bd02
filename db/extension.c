// SPDX-License-Identifier: MIT
/*
 * The loadable SQLite extension: exitscope's SQL functions (db/sqlfuncs.h) for the stock sqlite3 shell and
 * any other SQLite program.  sqlite> .load /usr/local/lib/exitscope/exitscope_sqlite
 */
#include "db/sqlfuncs.h"

#include <stdio.h>

SQLITE_EXTENSION_INIT1

static int init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	char err[256];
	if (xs_sql_register_functions(db, err, sizeof(err))) {
		if (pzErrMsg)
			*pzErrMsg = sqlite3_mprintf("%s", err);
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}

/* SQLite derives the entry point from the file name: exitscope_sqlite.so -> sqlite3_exitscopesqlite_init. */
__attribute__((visibility("default"))) int sqlite3_exitscopesqlite_init(sqlite3 *db, char **pzErrMsg,
									const sqlite3_api_routines *api)
{
	return init(db, pzErrMsg, api);
}

__attribute__((visibility("default"))) int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg,
								  const sqlite3_api_routines *api)
{
	return init(db, pzErrMsg, api);
}
