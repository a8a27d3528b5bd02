// SPDX-License-Identifier: MIT
#include "tune/lua_api.h"

#include <errno.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rundiff.h"
#include "common/util.h"
#include "db/rundiff_store.h"
#include "decoder/decoder.h"
#include "launcher/controls.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"
#include "tune/catalog.h"

#define HOOK_EVERY 4096 /* Lua instructions between looks at the clock */

struct tune_ctx {
	struct xs_tune_session *s;
	FILE *out;
};

static struct tune_ctx *ctx_of(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- argument checks: every message names the function and what it wanted ---- */

static int fail(lua_State *L, const char *fn, const char *fmt, ...) XS_PRINTF(3, 4);
static int fail(lua_State *L, const char *fn, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return luaL_error(L, "%s: %s", fn, msg);
}

static void want_type(lua_State *L, const char *fn, int idx, int type, const char *what)
{
	if (lua_type(L, idx) != type)
		fail(L, fn, "argument %d (%s) must be a %s, not %s", idx, what, lua_typename(L, type),
		     luaL_typename(L, idx));
}

static const char *field_string(lua_State *L, const char *fn, int t, const char *name)
{
	int type = lua_getfield(L, t, name);
	const char *v = NULL;
	if (type == LUA_TSTRING)
		v = lua_tostring(L, -1);
	else if (type != LUA_TNIL)
		fail(L, fn, "field '%s' must be a string, not %s", name, lua_typename(L, type));
	lua_pop(L, 1); /* the string stays alive: the table holds it */
	return v;
}

static bool field_bool(lua_State *L, const char *fn, int t, const char *name)
{
	int type = lua_getfield(L, t, name);
	bool v = false;
	if (type == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (type != LUA_TNIL)
		fail(L, fn, "field '%s' must be a boolean, not %s", name, lua_typename(L, type));
	lua_pop(L, 1);
	return v;
}

/* An integer field in [lo, hi]; *set tells whether it was given. */
static lua_Integer field_int(lua_State *L, const char *fn, int t, const char *name, lua_Integer lo, lua_Integer hi,
			     lua_Integer def, bool *set)
{
	int type = lua_getfield(L, t, name);
	lua_Integer v = def;
	if (set)
		*set = type != LUA_TNIL;
	if (type != LUA_TNIL) {
		int isint;
		v = lua_tointegerx(L, -1, &isint);
		if (type != LUA_TNUMBER || !isint)
			fail(L, fn, "field '%s' must be an integer, not %s", name,
			     type == LUA_TNUMBER ? "a fraction" : lua_typename(L, type));
		if (v < lo || v > hi)
			fail(L, fn, "field '%s' = %lld: give %lld-%lld", name, (long long)v, (long long)lo,
			     (long long)hi);
	}
	lua_pop(L, 1);
	return v;
}

/* A control's or parameter's value as text: strings as they are, integers in hex, booleans on/off. */
static const char *value_text(lua_State *L, const char *fn, const char *what, const char *key, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return lua_tostring(L, idx);
	case LUA_TBOOLEAN:
		return lua_toboolean(L, idx) ? "on" : "off";
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 0) {
			char buf[32];
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)lua_tointeger(L, idx));
			lua_pushstring(L, buf);
			lua_replace(L, idx);
			return lua_tostring(L, idx);
		}
		fail(L, fn, "%s '%s': a number value must be a non-negative integer", what, key);
		return NULL;
	default:
		fail(L, fn, "%s '%s': the value must be a string, integer or boolean, not %s", what, key,
		     luaL_typename(L, idx));
		return NULL;
	}
}

/*
 * Read a table of controls ({["key"] = value} or {"key=value", ...}) into keys/values, in a stable order
 * (array part first, then the hash part sorted by key). The strings are kept alive in a table at keep.
 */
static size_t read_controls(lua_State *L, const char *fn, const char *what, int t, int keep, const char **keys,
			    const char **values, size_t max)
{
	size_t n = 0;
	lua_Integer len = (lua_Integer)lua_rawlen(L, t);
	for (lua_Integer i = 1; i <= len; i++) {
		lua_rawgeti(L, t, i);
		if (lua_type(L, -1) != LUA_TSTRING)
			fail(L, fn, "%s[%lld] must be a \"key=value\" string, not %s", what, (long long)i,
			     luaL_typename(L, -1));
		const char *kv = lua_tostring(L, -1), *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			fail(L, fn, "%s[%lld] '%s': expected key=value", what, (long long)i, kv);
		if (n == max)
			fail(L, fn, "%s: at most %zu entries", what, max);
		lua_pushlstring(L, kv, (size_t)(eq - kv));
		keys[n] = lua_tostring(L, -1);
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
		values[n++] = eq + 1;
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
	}
	/* the hash part, sorted so runs are reproducible */
	size_t first = n;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
		    lua_tointeger(L, -2) <= len) {
			lua_pop(L, 1);
			continue;
		}
		if (lua_type(L, -2) != LUA_TSTRING)
			fail(L, fn, "%s: keys must be strings, not %s", what, luaL_typename(L, -2));
		if (n == max)
			fail(L, fn, "%s: at most %zu entries", what, max);
		keys[n] = lua_tostring(L, -2);
		values[n] = value_text(L, fn, what, keys[n], lua_gettop(L));
		lua_pushvalue(L, -2);
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1); /* pops the value */
		n++;
	}
	for (size_t i = first + 1; i < n; i++)
		for (size_t j = i; j > first && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *k = keys[j], *v = values[j];
			keys[j] = keys[j - 1];
			values[j] = values[j - 1];
			keys[j - 1] = k;
			values[j - 1] = v;
		}
	return n;
}

static const char *const run_fields[] = {
	"backend",	     "cpu_model",     "guest",	    "image",  "entry",	 "load",     "mode",
	"controls",	     "params",	      "iterations", "repeat", "repeats", "duration", "no_default_controls",
	"allow_unsupported", "allow_failure", "label",	    NULL};

static void check_fields(lua_State *L, const char *fn, int t, const char *const *known)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			fail(L, fn, "the table's keys must be names, not %s", luaL_typename(L, -1));
		const char *k = lua_tostring(L, -1);
		bool ok = false;
		for (const char *const *f = known; *f && !ok; f++)
			ok = !strcmp(*f, k);
		if (!ok)
			fail(L, fn, "unknown field '%s'", k);
	}
}

static void parse_request(lua_State *L, int t, int keep, struct xs_tune_request *req, bool *allow_failure)
{
	const char *fn = "xs.run";
	memset(req, 0, sizeof(*req));
	check_fields(L, fn, t, run_fields);
	req->backend = field_string(L, fn, t, "backend");
	req->cpu_model = field_string(L, fn, t, "cpu_model");
	req->guest = field_string(L, fn, t, "guest");
	req->image = field_string(L, fn, t, "image");
	if (req->guest && req->image)
		fail(L, fn, "give guest or image, not both");
	if (req->guest && !xs_guest_find(req->guest))
		fail(L, fn, "guest '%s': no such built-in guest (exitscope run --list-guests)", req->guest);
	int type = lua_getfield(L, t, "mode");
	if (type == LUA_TSTRING) {
		if (!(req->mode = xs_mode_parse(lua_tostring(L, -1))))
			fail(L, fn, "mode '%s': use real, protected or long", lua_tostring(L, -1));
	} else if (type == LUA_TNUMBER) {
		lua_Integer m = lua_tointeger(L, -1);
		if (m != 16 && m != 32 && m != 64)
			fail(L, fn, "mode %s: use 16, 32 or 64 (or real, protected, long)", lua_tostring(L, -1));
		req->mode = (unsigned int)m;
	} else if (type != LUA_TNIL) {
		fail(L, fn, "field 'mode' must be a string or a number, not %s", lua_typename(L, type));
	}
	lua_pop(L, 1);
	req->iterations = (uint32_t)field_int(L, fn, t, "iterations", 0, UINT32_MAX, XS_LAUNCH_DEFAULT_ITERATIONS,
					      &req->iterations_set);
	/* `repeat` is a Lua keyword: {repeats = 3} reads better than {["repeat"] = 3}; both are taken */
	bool has_repeat, has_repeats;
	lua_Integer r1 = field_int(L, fn, t, "repeat", 1, XS_TUNE_MAX_REPEAT, 1, &has_repeat);
	lua_Integer r2 = field_int(L, fn, t, "repeats", 1, XS_TUNE_MAX_REPEAT, 1, &has_repeats);
	if (has_repeat && has_repeats)
		fail(L, fn, "give repeats or [\"repeat\"], not both");
	req->repeat = (unsigned int)(has_repeat ? r1 : r2);
	type = lua_getfield(L, t, "duration");
	if (type == LUA_TNUMBER) {
		req->duration = lua_tonumber(L, -1);
		if (!(req->duration > 0 && req->duration <= 86400))
			fail(L, fn, "field 'duration' = %g: give 0 < seconds <= 86400", req->duration);
	} else if (type != LUA_TNIL) {
		fail(L, fn, "field 'duration' must be a number of seconds, not %s", lua_typename(L, type));
	}
	lua_pop(L, 1);
	if (req->iterations_set && req->iterations == 0 && !(req->duration > 0))
		fail(L, fn, "iterations = 0 runs until stopped: give a duration too");
	req->entry = (uint64_t)field_int(L, fn, t, "entry", 0, INT64_MAX, 0, &req->entry_set);
	req->load = (uint64_t)field_int(L, fn, t, "load", 0, INT64_MAX, 0, &req->load_set);
	if ((req->entry_set || req->load_set) && !req->image)
		fail(L, fn, "entry and load are for images");
	req->no_default_controls = field_bool(L, fn, t, "no_default_controls");
	req->allow_unsupported = field_bool(L, fn, t, "allow_unsupported");
	*allow_failure = field_bool(L, fn, t, "allow_failure");
	req->label = field_string(L, fn, t, "label");
	type = lua_getfield(L, t, "controls");
	if (type == LUA_TTABLE)
		req->ncontrols = read_controls(L, fn, "controls", lua_gettop(L), keep, req->control_keys,
					       req->control_values, XS_TUNE_MAX_CONTROLS);
	else if (type != LUA_TNIL)
		fail(L, fn, "field 'controls' must be a table, not %s", lua_typename(L, type));
	lua_pop(L, 1);
	type = lua_getfield(L, t, "params");
	if (type == LUA_TTABLE)
		req->nparams = read_controls(L, fn, "params", lua_gettop(L), keep, req->param_names, req->param_values,
					     XS_TUNE_MAX_PARAMS);
	else if (type != LUA_TNIL)
		fail(L, fn, "field 'params' must be a table, not %s", lua_typename(L, type));
	lua_pop(L, 1);
}

/* ---- result tables ---- */

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, bool v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

static void mean_sd(const struct xs_rundiff_side *side, const struct xs_rundiff_cell *c, double *mean, double *sd)
{
	double v[XS_RUNDIFF_MAX_RUNS];
	for (size_t i = 0; i < side->nruns; i++)
		v[i] = c ? xs_rundiff_side_rate(side, c, i) : xs_rundiff_side_rate(side, NULL, i);
	double m = 0, ss = 0;
	for (size_t i = 0; i < side->nruns; i++)
		m += v[i];
	m = side->nruns ? m / (double)side->nruns : 0;
	for (size_t i = 0; i < side->nruns; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = side->nruns > 1 ? sqrt(ss / (double)(side->nruns - 1)) : 0;
}

/* One key's numbers: {count, per_iteration (or per_run), sd, share, p50, p99, max} */
static void push_cell(lua_State *L, const struct xs_rundiff_side *side, const struct xs_rundiff_cell *c, uint64_t total)
{
	double mean, sd;
	mean_sd(side, c, &mean, &sd);
	lua_createtable(L, 0, 10);
	set_int(L, "count", (int64_t)c->stats.count);
	set_num(L, xs_rundiff_side_per_iteration(side) ? "per_iteration" : "per_run", mean);
	set_num(L, "sd", sd);
	set_num(L, "share", total ? (double)c->stats.count / (double)total : 0);
	if (c->stats.lat_count) {
		set_int(L, "p50", (int64_t)xs_stats_lat_percentile(&c->stats, 50));
		set_int(L, "p99", (int64_t)xs_stats_lat_percentile(&c->stats, 99));
		set_int(L, "max", (int64_t)c->stats.lat_max);
	}
}

static const char *dim_table[XS_RD_DIMS] = {"reasons", "ports", "msrs", "crs", "vectors"};

/* result.refusals (the controls the backend refused) and result.controls (name -> value as applied) */
static void push_refusals_controls(lua_State *L, const struct xs_tune_result *res)
{
	lua_newtable(L);
	for (size_t i = 0; res->refusals && res->refusals[i]; i++) {
		lua_pushstring(L, res->refusals[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "refusals");
	lua_newtable(L);
	for (const char *line = res->controls; line && *line;) {
		const char *nl = strchr(line, '\n'), *eq = strstr(line, " = ");
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (eq && eq < line + len) {
			lua_pushlstring(L, eq + 3, (size_t)(line + len - eq - 3));
			lua_pushlstring(L, line, (size_t)(eq - line));
			lua_insert(L, -2);
			lua_settable(L, -3);
		}
		line += len + (nl ? 1 : 0);
	}
	lua_setfield(L, -2, "controls");
}

/* result.<dimension>[key] per cell: reasons by name, the decoded keys by number ("cr0 write" for CRs) */
static void push_cells(lua_State *L, const struct xs_rundiff_side *side, uint64_t exits)
{
	for (int d = 0; d < XS_RD_DIMS; d++)
		lua_newtable(L), lua_setfield(L, -2, dim_table[d]);
	for (size_t i = 0; i < side->ncells; i++) {
		const struct xs_rundiff_cell *c = &side->cells[i];
		lua_getfield(L, -1, dim_table[c->dim]);
		if (c->dim == XS_RD_REASON) {
			const char *name = xs_reason_name((unsigned int)c->k1, (uint32_t)c->k2);
			if (name)
				lua_pushstring(L, name);
			else
				lua_pushfstring(L, "0x%I", (lua_Integer)c->k2);
		} else if (c->dim == XS_RD_CR) {
			lua_pushfstring(L, "cr%I %s", (lua_Integer)c->k1, c->k2 ? "write" : "read");
		} else {
			lua_pushinteger(L, (lua_Integer)c->k1);
		}
		push_cell(L, side, c, exits);
		lua_settable(L, -3);
		lua_pop(L, 1);
	}
}

static void push_result(lua_State *L, const struct xs_tune_request *req, const struct xs_tune_result *res)
{
	const struct xs_rundiff_side *side = &res->side;
	lua_createtable(L, 0, 24);
	set_str(L, "backend", res->backend);
	set_str(L, "guest", res->guest);
	set_str(L, "mode", res->mode);
	set_int(L, "iterations", res->iterations);
	set_int(L, "vcpus", res->vcpus);
	set_int(L, "repeat", (int64_t)res->nrepeats);
	if (req->label)
		set_str(L, "label", req->label);
	/* runs, repeats, completion */
	lua_createtable(L, (int)res->nrepeats, 0);
	for (size_t i = 0; i < res->nrepeats; i++) {
		lua_pushinteger(L, res->repeats[i].run_id);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "runs");
	bool ok = true;
	const char *status = "ok";
	double wall = 0, cpu = 0;
	uint64_t exits = 0;
	lua_createtable(L, (int)res->nrepeats, 0);
	for (size_t i = 0; i < res->nrepeats; i++) {
		const struct xs_tune_repeat *r = &res->repeats[i];
		if (!r->completed && ok) {
			ok = false;
			status = r->status;
		}
		wall += r->wall_s;
		cpu += r->cpu_s;
		exits += side->runs[i].exits;
		lua_createtable(L, 0, 6);
		set_int(L, "run", r->run_id);
		set_str(L, "status", r->status);
		set_bool(L, "completed", r->completed);
		set_int(L, "exits", (int64_t)side->runs[i].exits);
		set_num(L, "wall_s", r->wall_s);
		set_num(L, "cpu_s", r->cpu_s);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "repeats");
	size_t n = res->nrepeats ? res->nrepeats : 1;
	set_bool(L, "ok", ok);
	set_str(L, "status", status);
	set_num(L, "wall_s", wall / (double)n);
	set_num(L, "cpu_s", cpu / (double)n);
	set_num(L, "exits", (double)exits / (double)n);
	double mean, sd;
	mean_sd(side, NULL, &mean, &sd);
	set_num(L, xs_rundiff_side_per_iteration(side) ? "per_iteration" : "per_run", mean);
	set_num(L, "sd", sd);
	set_str(L, "time", side->handler_time ? "handler" : "latency");
	/* the vmx backend's latencies are emulated TSC ticks: no time unit (handler time is always ns) */
	set_str(L, "time_unit", side->tsc_ticks && !side->handler_time ? "tsc_ticks" : "ns");
	push_refusals_controls(L, res);
	push_cells(L, side, exits);
}

static int l_run(lua_State *L)
{
	struct tune_ctx *ctx = ctx_of(L);
	want_type(L, "xs.run", 1, LUA_TTABLE, "the run's description");
	lua_settop(L, 1);
	lua_newtable(L); /* 2: keeps converted strings alive */
	struct xs_tune_request req;
	bool allow_failure;
	parse_request(L, 1, 2, &req, &allow_failure);
	struct xs_tune_result *res = xs_calloc(1, sizeof(*res));
	char err[768];
	int rc = xs_tune_run(ctx->s, &req, res, err, sizeof(err));
	if (rc) {
		xs_tune_result_free(res);
		free(res);
		return fail(L, "xs.run", "%s", err);
	}
	for (size_t i = 0; i < res->nrepeats && !allow_failure; i++) {
		if (!res->repeats[i].completed) {
			snprintf(err, sizeof(err),
				 "run %" PRId64 " (repeat %zu) failed: %s (kept in the store; "
				 "allow_failure = true to carry on)",
				 res->repeats[i].run_id, i + 1, res->repeats[i].status);
			xs_tune_result_free(res);
			free(res);
			return fail(L, "xs.run", "%s", err);
		}
	}
	push_result(L, &req, res);
	xs_tune_result_free(res);
	free(res);
	return 1;
}

static int l_backends(lua_State *L)
{
	lua_newtable(L);
	int i = 1;
	for (const char *const *b = xs_tune_backends(); *b; b++) {
		lua_pushstring(L, *b);
		lua_rawseti(L, -2, i++);
	}
	return 1;
}

static int l_controls(lua_State *L)
{
	want_type(L, "xs.controls", 1, LUA_TSTRING, "backend");
	const char *cpu = NULL;
	if (!lua_isnoneornil(L, 2)) {
		want_type(L, "xs.controls", 2, LUA_TSTRING, "cpu_model");
		cpu = lua_tostring(L, 2);
	}
	struct xs_tune_control *list;
	size_t n;
	char err[512];
	if (xs_tune_controls(lua_tostring(L, 1), cpu, &list, &n, err, sizeof(err)))
		return fail(L, "xs.controls", "%s", err);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		set_str(L, "name", list[i].name);
		set_str(L, "kind", list[i].kind);
		set_str(L, "values", list[i].values);
		set_str(L, "example", list[i].example);
		set_bool(L, "supported", list[i].supported);
		if (!list[i].supported)
			set_str(L, "why", list[i].why);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	xs_tune_controls_free(list, n);
	return 1;
}

/* The run ids of a result table (argument idx). */
static size_t result_runs(lua_State *L, const char *fn, int idx, int64_t *ids)
{
	want_type(L, fn, idx, LUA_TTABLE, idx == 1 ? "a result of xs.run" : "another result of xs.run");
	if (lua_getfield(L, idx, "runs") != LUA_TTABLE)
		fail(L, fn, "argument %d has no 'runs' list: pass what xs.run returned", idx);
	size_t n = lua_rawlen(L, -1);
	if (n == 0 || n > XS_RUNDIFF_MAX_RUNS)
		fail(L, fn, "argument %d: 'runs' must list 1-%d run ids", idx, XS_RUNDIFF_MAX_RUNS);
	for (size_t i = 0; i < n; i++) {
		int isint;
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
		ids[i] = lua_tointegerx(L, -1, &isint);
		if (!isint || ids[i] <= 0)
			fail(L, fn, "argument %d: runs[%zu] is not a run id", idx, i + 1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return n;
}

static void push_row(lua_State *L, const struct xs_rundiff_row *r)
{
	char label[96];
	xs_rundiff_row_label(r, label, sizeof(label));
	lua_createtable(L, 0, 16);
	set_str(L, "dim", xs_rundiff_dim_name(r->dim));
	set_str(L, "key", label);
	set_int(L, "k1", (int64_t)r->k1);
	set_int(L, "k2", (int64_t)r->k2);
	set_int(L, "count_a", (int64_t)r->count_a);
	set_int(L, "count_b", (int64_t)r->count_b);
	set_num(L, "a", r->test.mean_a);
	set_num(L, "b", r->test.mean_b);
	set_num(L, "delta", r->test.delta);
	if (!isnan(r->test.ci_lo)) {
		set_num(L, "ci_lo", r->test.ci_lo);
		set_num(L, "ci_hi", r->test.ci_hi);
	}
	set_num(L, "share_a", r->share_a);
	set_num(L, "share_b", r->share_b);
	set_str(L, "method", r->test.method);
	set_str(L, "verdict", xs_rundiff_verdict_name(r->test.verdict));
	set_bool(L, "significant", r->test.verdict == XS_RDV_MORE || r->test.verdict == XS_RDV_FEWER);
}

static int l_diff(lua_State *L)
{
	struct tune_ctx *ctx = ctx_of(L);
	static int64_t ia[XS_RUNDIFF_MAX_RUNS], ib[XS_RUNDIFF_MAX_RUNS];
	size_t na = result_runs(L, "xs.diff", 1, ia), nb = result_runs(L, "xs.diff", 2, ib);
	const char *format = NULL;
	if (!lua_isnoneornil(L, 3)) {
		want_type(L, "xs.diff", 3, LUA_TSTRING, "print format");
		format = lua_tostring(L, 3);
		if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "csv"))
			fail(L, "xs.diff", "argument 3 '%s': print as text, json or csv", format);
	}
	struct xs_rundiff_side *a = xs_calloc(2, sizeof(*a)), *b = a + 1;
	char err[768];
	xs_rundiff_side_init(a, "a");
	xs_rundiff_side_init(b, "b");
	if (xs_tune_load_side(ctx->s, ia, na, a, "a", err, sizeof(err)) ||
	    xs_tune_load_side(ctx->s, ib, nb, b, "b", err, sizeof(err))) {
		xs_rundiff_side_free(a);
		xs_rundiff_side_free(b);
		free(a);
		return fail(L, "xs.diff", "%s", err);
	}
	snprintf(a->label, sizeof(a->label), "%s:", ctx->s->path);
	snprintf(b->label, sizeof(b->label), "%s:", ctx->s->path);
	for (size_t i = 0; i < na; i++)
		snprintf(a->label + strlen(a->label), sizeof(a->label) - strlen(a->label), "%s%" PRId64, i ? "," : "",
			 ia[i]);
	for (size_t i = 0; i < nb; i++)
		snprintf(b->label + strlen(b->label), sizeof(b->label) - strlen(b->label), "%s%" PRId64, i ? "," : "",
			 ib[i]);
	struct xs_rundiff d;
	xs_rundiff_build(a, b, &d);
	if (format) {
		if (!strcmp(format, "json"))
			xs_rundiff_print_json(ctx->out, &d);
		else if (!strcmp(format, "csv"))
			xs_rundiff_print_csv(ctx->out, &d);
		else
			xs_rundiff_print_text(ctx->out, &d);
	}
	lua_createtable(L, 0, 6);
	set_int(L, "significant", (int64_t)d.significant);
	set_str(L, "per", d.per_iteration ? "iteration" : "run");
	push_row(L, &d.total);
	lua_setfield(L, -2, "total");
	lua_createtable(L, (int)d.nrows, 0);
	for (size_t i = 0; i < d.nrows; i++) {
		push_row(L, &d.rows[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "rows");
	xs_rundiff_free(&d);
	xs_rundiff_side_free(a);
	xs_rundiff_side_free(b);
	free(a);
	return 1;
}

/* xs.report(result): the result's exits per reason and key, as `exitscope report` would list them. */
static int l_report(lua_State *L)
{
	struct tune_ctx *ctx = ctx_of(L);
	int64_t ids[XS_RUNDIFF_MAX_RUNS];
	size_t n = result_runs(L, "xs.report", 1, ids);
	struct xs_rundiff_side *s = xs_calloc(1, sizeof(*s));
	char err[768];
	xs_rundiff_side_init(s, "");
	if (xs_tune_load_side(ctx->s, ids, n, s, "", err, sizeof(err))) {
		xs_rundiff_side_free(s);
		free(s);
		return fail(L, "xs.report", "%s", err);
	}
	FILE *out = ctx->out;
	const char *label = (lua_getfield(L, 1, "label") == LUA_TSTRING) ? lua_tostring(L, -1) : NULL;
	bool per_it = xs_rundiff_side_per_iteration(s);
	fprintf(out, "%s%sruns", label ? label : "", label ? ": " : "");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%" PRId64, i ? "," : " ", ids[i]);
	double mean, sd;
	mean_sd(s, NULL, &mean, &sd);
	fprintf(out, ": %.4g exits per %s (sd %.2g)\n", mean, per_it ? "iteration" : "run", sd);
	uint64_t total = 0;
	for (size_t i = 0; i < s->nruns; i++)
		total += s->runs[i].exits;
	bool ticks = s->tsc_ticks && !s->handler_time; /* the vmx backend's emulated TSC ticks, not ns */
	fprintf(out, "  %-28s %10s %12s %7s %10s %10s %10s\n", "key", "count", per_it ? "per iter" : "per run", "share",
		ticks ? "p50 ticks" : "p50 ns", ticks ? "p99 ticks" : "p99 ns", ticks ? "max ticks" : "max ns");
	for (int d = 0; d < XS_RD_DIMS; d++) {
		for (size_t i = 0; i < s->ncells; i++) {
			const struct xs_rundiff_cell *c = &s->cells[i];
			if ((int)c->dim != d)
				continue;
			struct xs_rundiff_row row = {.dim = c->dim, .k1 = c->k1, .k2 = c->k2};
			char key[96];
			xs_rundiff_row_label(&row, key, sizeof(key));
			mean_sd(s, c, &mean, &sd);
			fprintf(out, "  %-28s %10llu %12.4g %6.1f%% %10llu %10llu %10llu\n", key,
				(unsigned long long)c->stats.count, mean,
				total ? 100.0 * (double)c->stats.count / (double)total : 0.0,
				(unsigned long long)xs_stats_lat_percentile(&c->stats, 50),
				(unsigned long long)xs_stats_lat_percentile(&c->stats, 99),
				(unsigned long long)c->stats.lat_max);
		}
	}
	xs_rundiff_side_free(s);
	free(s);
	return 0;
}

/* xs.write_controls(path, controls): a control file `exitscope run --controls` reads back. */
static int l_write_controls(lua_State *L)
{
	want_type(L, "xs.write_controls", 1, LUA_TSTRING, "path");
	want_type(L, "xs.write_controls", 2, LUA_TTABLE, "controls");
	lua_settop(L, 2);
	lua_newtable(L);
	const char *keys[XS_TUNE_MAX_CONTROLS], *values[XS_TUNE_MAX_CONTROLS];
	size_t n = read_controls(L, "xs.write_controls", "controls", 2, 3, keys, values, XS_TUNE_MAX_CONTROLS);
	struct xs_controls check;
	xs_controls_init(&check);
	char err[512];
	for (size_t i = 0; i < n; i++)
		if (xs_controls_set(&check, keys[i], values[i], err, sizeof(err)))
			return fail(L, "xs.write_controls", "%s", err);
	const char *path = lua_tostring(L, 1);
	FILE *f = fopen(path, "w");
	if (!f)
		return fail(L, "xs.write_controls", "%s: %s", path, strerror(errno));
	fprintf(f, "# written by exitscope tune (%s)\n", ctx_of(L)->s->script);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s = %s\n", keys[i], values[i]);
	if (fclose(f))
		return fail(L, "xs.write_controls", "%s: %s", path, strerror(errno));
	lua_pushstring(L, path);
	return 1;
}

static int l_log(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	fprintf(stderr, "tune: %s\n", lua_tostring(L, -1));
	return 0;
}

static int l_session(lua_State *L)
{
	struct tune_ctx *ctx = ctx_of(L);
	lua_createtable(L, 0, 4);
	set_str(L, "store", ctx->s->path);
	set_str(L, "started", ctx->s->started);
	set_str(L, "script", ctx->s->script);
	set_int(L, "runs", (int64_t)ctx->s->runs_kept);
	return 1;
}

/* ---- the timeout ---- */

static void timeout_hook(lua_State *L, lua_Debug *ar)
{
	struct tune_ctx *ctx;
	lua_getfield(L, LUA_REGISTRYINDEX, "exitscope.tune");
	ctx = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!ctx || !xs_tune_session_expired(ctx->s))
		return;
	lua_getinfo(L, "Sl", ar);
	lua_pushfstring(L, "%s:%d: timeout: the script ran longer than --timeout %f s", ar->short_src, ar->currentline,
			ctx->s->timeout_s);
	lua_error(L);
}

/* ---- the state ---- */

static const luaL_Reg xs_funcs[] = {
	{"backends", l_backends}, {"controls", l_controls}, {"run", l_run},
	{"diff", l_diff},	  {"report", l_report},	    {"write_controls", l_write_controls},
	{"log", l_log},		  {"session", l_session},   {NULL, NULL},
};

struct lua_State *xs_tune_lua_new(struct xs_tune_session *s, FILE *out)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return NULL;
	luaL_openlibs(L);
	struct tune_ctx *ctx = lua_newuserdatauv(L, sizeof(*ctx), 0);
	ctx->s = s;
	ctx->out = out ? out : stdout;
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "exitscope.tune"); /* also keeps it alive */
	luaL_newlibtable(L, xs_funcs);
	lua_insert(L, -2);
	luaL_setfuncs(L, xs_funcs, 1);
	lua_setglobal(L, "xs");
	if (s->deadline_ns)
		lua_sethook(L, timeout_hook, LUA_MASKCOUNT, HOOK_EVERY);
	return L;
}

void xs_tune_lua_close(struct lua_State *L)
{
	if (L)
		lua_close(L);
}

/* Errors as one line: the message (file:line first) without a traceback; non-strings described. */
static int message_handler(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		return 1;
	if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
		return 1;
	/* the innermost Lua function on the stack (error() itself is a C function) */
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			lua_pushfstring(L, "%s:%d: error object is a %s value", ar.short_src, ar.currentline,
					luaL_typename(L, 1));
			return 1;
		}
	}
	lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 1));
	return 1;
}

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

int xs_tune_lua_run(struct lua_State *L, const char *path, const char *code, int argc, char **argv, char *err,
		    size_t errlen)
{
	lua_createtable(L, argc, 1);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	lua_pushcfunction(L, message_handler);
	int handler = lua_gettop(L);
	char chunk[512];
	snprintf(chunk, sizeof(chunk), "@%s", path);
	int rc = code ? luaL_loadbufferx(L, code, strlen(code), chunk, "t") : luaL_loadfilex(L, path, "t");
	if (rc == LUA_OK) {
		for (int i = 0; i < argc; i++)
			lua_pushstring(L, argv[i]);
		rc = lua_pcall(L, argc, 0, handler);
	}
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		snprintf(err, errlen, "%s", msg ? msg : "error without a message");
		one_line(err);
		lua_settop(L, handler - 1);
		return -1;
	}
	lua_settop(L, handler - 1);
	return 0;
}
