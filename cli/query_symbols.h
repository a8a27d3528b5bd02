/* SPDX-License-Identifier: MIT */
/*
 * Guest symbols in SQL, for the `exitscope query` session:
 *   exit_symbol(rip [, run_id])    'name+0xoff' of the guest function rip lies in; NULL when no symbol covers
 *                                  rip (never the nearest name) or rip is NULL
 *   exit_function(rip [, run_id])  the function's name alone (for GROUP BY); NULL likewise
 * The table is --guest-symbols when given; otherwise the two-argument forms use the run's built-in guest
 * (its name and mode from run_meta). A one-argument call without --guest-symbols is an error that says so.
 */
#ifndef EXITSCOPE_CLI_QUERY_SYMBOLS_H
#define EXITSCOPE_CLI_QUERY_SYMBOLS_H

#include <stddef.h>

#include "cli/guest_symbols.h"
#include "db/sqlite_api.h"

/* syms must outlive db. 0, or -1 with a message in err. */
int xs_query_symbols_register(sqlite3 *db, struct xs_guest_symbols *syms, char *err, size_t errlen);

#endif
