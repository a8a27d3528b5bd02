/* SPDX-License-Identifier: MIT */
/*
 * The body shared by `exitscope query` and `exitscope runs`: open a store read-only, run SQL (the user's,
 * or a fixed statement), print the rows as a table, CSV or JSON (--format).
 */
#ifndef EXITSCOPE_CLI_QUERY_COMMAND_H
#define EXITSCOPE_CLI_QUERY_COMMAND_H

#include <stdio.h>

/*
 * argv: [name] [--format F] DB [SQL]. With fixed_sql the command takes DB only; without, DB and SQL.
 * Returns the exit status.
 */
int xs_query_command(int argc, char **argv, const char *fixed_sql, void (*usage)(FILE *out));

#endif
