/* SPDX-License-Identifier: MIT */
/*
 * `exitscope tune`: Lua 5.4 scripts driving a tuning session (tune/session.h) through the `xs` table.
 * docs/tune.md is the user's reference of every function. This module checks every argument a script passes
 * (type and range, naming the function, the argument and what it wanted); an error stops the script with one
 * line "SCRIPT:LINE: message". --timeout bounds the script: a count hook checks the wall clock every few
 * thousand Lua instructions, and a run in progress is stopped at the deadline (and kept in the store).
 */
#ifndef EXITSCOPE_TUNE_LUA_API_H
#define EXITSCOPE_TUNE_LUA_API_H

#include <stddef.h>
#include <stdio.h>

#include "tune/session.h"

struct lua_State;

/* A Lua state with the standard libraries and `xs` bound to the session. NULL when out of memory. */
struct lua_State *xs_tune_lua_new(struct xs_tune_session *s, FILE *out);
void xs_tune_lua_close(struct lua_State *L);

/*
 * Run a chunk: a script file (code NULL: read path) or code text named by path. argv become the global `arg`
 * (arg[0] the script) and the chunk's `...`. 0, or -1 with the one-line message (file:line first).
 */
int xs_tune_lua_run(struct lua_State *L, const char *path, const char *code, int argc, char **argv, char *err,
		    size_t errlen);

#endif
