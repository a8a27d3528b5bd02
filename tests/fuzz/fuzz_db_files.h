/* SPDX-License-Identifier: MIT */
/* The fuzz targets that open a database file: removing it with its WAL and shared-memory companions. */
#ifndef EXITSCOPE_FUZZ_DB_FILES_H
#define EXITSCOPE_FUZZ_DB_FILES_H

#include <stdio.h>
#include <unistd.h>

static inline void fuzz_db_remove(const char *db_path)
{
	char p[96];
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

#endif
