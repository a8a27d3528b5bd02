/* SPDX-License-Identifier: MIT */
/*
 * Which SQLite API the db/ sources call. Built into exitscope they call libsqlite3 directly; built into the
 * loadable extension (XS_SQLITE_EXTENSION) they call through the host's API table, so the extension works
 * in any program that loads it, whatever SQLite that program links.
 */
#ifndef EXITSCOPE_DB_SQLITE_API_H
#define EXITSCOPE_DB_SQLITE_API_H

#ifdef XS_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#endif
