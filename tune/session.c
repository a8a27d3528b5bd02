// SPDX-License-Identifier: MIT
#include "tune/session.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "db/rundiff_store.h"
#include "db/runs.h"
#include "db/sqlutil.h"
#include "db/store.h"
#include "db/store_sink.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static const char tune_runs_sql[] =
	"CREATE TABLE IF NOT EXISTS tune_runs("
	" run_id INTEGER PRIMARY KEY," /* the run in `runs` */
	" session TEXT NOT NULL,"      /* when the session started (UTC): groups a script's runs */
	" script TEXT NOT NULL, args TEXT NOT NULL,"
	" label TEXT, backend TEXT, guest TEXT, mode TEXT, iterations INTEGER, vcpus INTEGER,"
	" controls TEXT NOT NULL," /* the run's controls as a control file */
	" repeat_index INTEGER NOT NULL, repeats INTEGER NOT NULL,"
	" status TEXT NOT NULL, completed INTEGER NOT NULL,"
	" exits INTEGER NOT NULL,"    /* exits the launcher handled */
	" recorded INTEGER NOT NULL," /* of those, the records stored (record.* filters leave some out) */
	" wall_ns INTEGER NOT NULL, cpu_ns INTEGER NOT NULL,"
	" refusals TEXT);";

int xs_tune_session_open(struct xs_tune_session *s, const char *path, const char *script, int argc, char **argv,
			 double timeout_s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(s->started, sizeof(s->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char msg[512];
	s->db = xs_store_open(path, XS_STORE_CREATE, msg, sizeof(msg));
	if (!s->db)
		return ERR("session store: %s", msg);
	if (xs_sql_exec(s->db, tune_runs_sql, msg, sizeof(msg))) {
		xs_store_close(s->db);
		s->db = NULL;
		return ERR("session store %s: %s", path, msg);
	}
	s->path = xs_strdup(path);
	s->script = xs_strdup(script);
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s->args = xs_calloc(1, len);
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s->args, " ");
		strcat(s->args, argv[i]);
	}
	s->timeout_s = timeout_s;
	if (timeout_s > 0)
		s->deadline_ns = xs_now_ns() + (uint64_t)(timeout_s * 1e9);
	return 0;
}

void xs_tune_session_close(struct xs_tune_session *s)
{
	xs_store_close(s->db);
	free(s->path);
	free(s->script);
	free(s->args);
	memset(s, 0, sizeof(*s));
}

bool xs_tune_session_expired(const struct xs_tune_session *s)
{
	return s->deadline_ns && xs_now_ns() >= s->deadline_ns;
}

/* ---- the launch configuration of a request ---- */

static int configure(const struct xs_tune_request *req, struct xs_launch_config *cfg, char *err, size_t errlen)
{
	const char *guest = req->image ? NULL : req->guest ? req->guest : "mixed";
	if (xs_launch_config_init(cfg, guest, err, errlen))
		return -1;
	if (req->mode)
		cfg->mode = req->mode;
	cfg->image_path = req->image;
	cfg->entry_set = req->entry_set;
	cfg->entry = req->entry;
	cfg->load_set = req->load_set;
	cfg->load = req->load;
	if (req->iterations_set)
		cfg->iterations = req->iterations;
	else if (req->duration > 0)
		cfg->iterations = 0;
	if (req->no_default_controls)
		xs_controls_init(&cfg->controls);
	char msg[512];
	for (size_t i = 0; i < req->nparams; i++)
		if (xs_launch_config_param(cfg, req->param_names[i], req->param_values[i], msg, sizeof(msg)))
			return ERR("params.%s: %s", req->param_names[i], msg);
	for (size_t i = 0; i < req->ncontrols; i++)
		if (xs_controls_set(&cfg->controls, req->control_keys[i], req->control_values[i], err, errlen))
			return -1;
	cfg->allow_unsupported = req->allow_unsupported;
	cfg->backend = req->backend;
	cfg->cpu_model = req->cpu_model;
	const char *device = getenv("EXITSCOPE_KVM");
	if (device && *device)
		cfg->kvm_path = device;
	return 0;
}

static void control_line(void *ctx, const char *key, const char *value)
{
	char **text = ctx;
	char *more = xs_asprintf("%s%s = %s\n", *text ? *text : "", key, value);
	free(*text);
	*text = more;
}

/* Problems while running: the first one is kept for the error message. */
struct run_errors {
	char first[512];
};

static void run_error(void *ctx, const char *msg)
{
	struct run_errors *e = ctx;
	if (!e->first[0])
		snprintf(e->first, sizeof(e->first), "%s", msg);
}

static int record_tune_run(struct xs_tune_session *s, const struct xs_tune_request *req,
			   const struct xs_tune_result *res, const struct xs_tune_repeat *rep, size_t index, char *err,
			   size_t errlen)
{
	sqlite3_stmt *st;
	char msg[512];
	if (xs_sql_prepare(
		    s->db,
		    "INSERT OR REPLACE INTO tune_runs(run_id, session, script, args, label, backend, guest, mode,"
		    " iterations, vcpus, controls, repeat_index, repeats, status, completed, exits, recorded,"
		    " wall_ns, cpu_ns, refusals) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    &st, msg, sizeof(msg)))
		return ERR("session store: %s", msg);
	char *refusals = NULL;
	for (char **r = res->refusals; r && *r; r++) {
		char *more = xs_asprintf("%s%s%s", refusals ? refusals : "", refusals ? "; " : "", *r);
		free(refusals);
		refusals = more;
	}
	int i = 1;
	sqlite3_bind_int64(st, i++, rep->run_id);
	sqlite3_bind_text(st, i++, s->started, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, s->script, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, s->args, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, req->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, res->backend, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, res->guest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, res->mode, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, res->iterations);
	sqlite3_bind_int64(st, i++, res->vcpus);
	sqlite3_bind_text(st, i++, res->controls ? res->controls : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, (int64_t)index);
	sqlite3_bind_int64(st, i++, req->repeat);
	sqlite3_bind_text(st, i++, rep->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, rep->completed);
	sqlite3_bind_int64(st, i++, (int64_t)rep->exits);
	sqlite3_bind_int64(st, i++, (int64_t)rep->recorded);
	sqlite3_bind_int64(st, i++, (int64_t)(rep->wall_s * 1e9));
	sqlite3_bind_int64(st, i++, (int64_t)(rep->cpu_s * 1e9));
	sqlite3_bind_text(st, i++, refusals, -1, SQLITE_TRANSIENT);
	int rc = xs_sql_step_done(s->db, st, msg, sizeof(msg));
	sqlite3_finalize(st);
	free(refusals);
	return rc ? ERR("session store: %s", msg) : 0;
}

/* Wait for the run's end, stopping it at its duration or at the session's timeout. */
static bool supervise(struct xs_tune_session *s, struct xs_launcher *l, double duration)
{
	uint64_t end = duration > 0 ? xs_now_ns() + (uint64_t)(duration * 1e9) : 0;
	bool stopping = false, timed_out = false;
	while (!xs_launcher_wait(l, 20)) {
		if (stopping)
			continue;
		if (xs_tune_session_expired(s)) {
			xs_launcher_stop(l, "interrupted");
			stopping = timed_out = true;
		} else if (end && xs_now_ns() >= end) {
			xs_launcher_stop(l, "duration");
			stopping = true;
		}
	}
	return timed_out;
}

static void keep_refusals(struct xs_tune_result *res, struct xs_launcher *l)
{
	if (res->refusals)
		return;
	size_t n = 0;
	const char *const *u = xs_launcher_unsupported(l);
	while (u[n])
		n++;
	res->refusals = xs_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		res->refusals[i] = xs_strdup(u[i]);
}

/* One repeat: launch, record into the store, describe it in tune_runs. */
/* How one run ended, in words for the script and the tune_runs row ("ok" when it completed). */
static void set_status(struct xs_tune_repeat *rep, struct xs_launcher *l, const struct xs_tune_request *req,
		       const struct xs_launch_config *cfg, bool timed_out, const struct run_errors *errors)
{
	const char *why;
	enum xs_launch_end end = xs_launcher_end(l, &why);
	/* stopped at its duration: complete only when it was meant to run until then (iterations = 0) */
	bool planned_stop = end == XS_END_STOPPED && !timed_out && cfg->iterations == 0;
	rep->completed = end == XS_END_DONE || planned_stop;
	if (rep->completed)
		snprintf(rep->status, sizeof(rep->status), "ok");
	else if (timed_out)
		snprintf(rep->status, sizeof(rep->status), "timeout");
	else if (end == XS_END_STOPPED)
		snprintf(rep->status, sizeof(rep->status), "stopped after %gs before finishing %u iterations",
			 req->duration, cfg->iterations);
	else
		snprintf(rep->status, sizeof(rep->status), "%s: %s", xs_launch_end_name(end),
			 why		    ? why
			 : errors->first[0] ? errors->first
					    : "no message");
}

static int run_once(struct xs_tune_session *s, const struct xs_tune_request *req, struct xs_launch_config *cfg,
		    struct xs_tune_result *res, size_t index, char *err, size_t errlen)
{
	char msg[512];
	struct xs_store_sink_opts opts = {.max_wait_ms = -1}; /* a tuning run loses nothing: the store waits */
	struct xs_sink *sink = xs_store_sink_open(s->path, &opts, msg, sizeof(msg));
	if (!sink)
		return ERR("session store: %s", msg);
	struct run_errors errors = {{0}};
	cfg->error = run_error;
	cfg->error_ctx = &errors;
	struct xs_launcher *l = NULL;
	uint64_t t0 = xs_now_ns();
	int rc = -1;
	if (xs_launcher_create(cfg, sink, &l, err, errlen)) {
		/* the launcher speaks of the command line's flag; a script sets the field */
		char *flag = strstr(err, "(--allow-unsupported records it");
		if (flag)
			snprintf(flag, errlen - (size_t)(flag - err), "(allow_unsupported = true runs without it)");
		struct xs_store_sink_info info;
		xs_store_sink_info(sink, &info);
		xs_sink_close(sink);
		/* the store made a run row before the launcher refused: mark it so nobody mistakes it */
		if (info.run_id > 0)
			xs_run_finish(s->db, info.run_id, "failed", msg, sizeof(msg));
		return -1;
	}
	struct xs_tune_repeat *rep = &res->repeats[res->nrepeats];
	memset(rep, 0, sizeof(*rep));
	if (xs_launcher_start(l, msg, sizeof(msg)))
		run_error(&errors, msg);
	else
		res->timed_out = supervise(s, l, req->duration);
	xs_launcher_join(l);
	rep->wall_s = (double)(xs_now_ns() - t0) / 1e9;
	struct xs_launch_counters c;
	xs_launcher_counters(l, &c);
	rep->cpu_s = (double)c.cpu_ns / 1e9;
	rep->exits = c.exits;
	rep->recorded = c.recorded;
	set_status(rep, l, req, cfg, res->timed_out, &errors);
	keep_refusals(res, l);
	snprintf(res->backend, sizeof(res->backend), "%s", xs_launcher_backend_name(l));
	xs_launcher_destroy(l);
	struct xs_store_sink_info info;
	int crc = xs_store_sink_close_info(sink, &info);
	rep->run_id = info.run_id;
	rep->lost = c.lost + info.dropped;
	if (crc || info.error[0]) {
		snprintf(err, errlen, "session store: %s", info.error[0] ? info.error : strerror(-crc));
		goto out;
	}
	res->nrepeats++;
	s->runs_kept++;
	if (record_tune_run(s, req, res, rep, index, err, errlen))
		goto out;
	if (rep->lost) {
		snprintf(err, errlen, "run %" PRId64 ": %llu records lost on the way to the store", rep->run_id,
			 (unsigned long long)rep->lost);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int xs_tune_run(struct xs_tune_session *s, const struct xs_tune_request *req, struct xs_tune_result *res, char *err,
		size_t errlen)
{
	memset(res, 0, sizeof(*res));
	if (req->repeat < 1 || req->repeat > XS_TUNE_MAX_REPEAT)
		return ERR("repeat %u: give 1-%d", req->repeat, XS_TUNE_MAX_REPEAT);
	if (xs_tune_session_expired(s))
		return ERR("timeout: the script ran longer than --timeout %gs", s->timeout_s);
	struct xs_launch_config cfg;
	if (configure(req, &cfg, err, errlen))
		return -1;
	snprintf(res->guest, sizeof(res->guest), "%s", cfg.guest ? cfg.guest : cfg.image_path);
	snprintf(res->mode, sizeof(res->mode), "%s", xs_mode_name(cfg.mode));
	res->iterations = cfg.iterations;
	res->vcpus = cfg.vcpus;
	xs_controls_visit(&cfg.controls, control_line, &res->controls);
	xs_rundiff_side_init(&res->side, "run");
	for (unsigned int i = 0; i < req->repeat; i++) {
		if (run_once(s, req, &cfg, res, i, err, errlen))
			return -1;
		if (res->timed_out)
			return ERR("timeout: the script ran longer than --timeout %gs (run %" PRId64
				   " stopped and kept)",
				   s->timeout_s, res->repeats[res->nrepeats - 1].run_id);
	}
	int64_t ids[XS_TUNE_MAX_REPEAT];
	for (size_t i = 0; i < res->nrepeats; i++)
		ids[i] = res->repeats[i].run_id;
	return xs_tune_load_side(s, ids, res->nrepeats, &res->side, NULL, err, errlen);
}

void xs_tune_result_free(struct xs_tune_result *res)
{
	for (char **r = res->refusals; r && *r; r++)
		free(*r);
	free(res->refusals);
	free(res->controls);
	xs_rundiff_side_free(&res->side);
	memset(res, 0, sizeof(*res));
}

int xs_tune_load_side(struct xs_tune_session *s, const int64_t *ids, size_t n, struct xs_rundiff_side *side,
		      const char *label, char *err, size_t errlen)
{
	if (label) {
		xs_rundiff_side_free(side);
		xs_rundiff_side_init(side, label);
	}
	char msg[512];
	if (xs_rundiff_side_load(s->db, ids, n, side, msg, sizeof(msg)))
		return ERR("session store: %s", msg);
	return 0;
}
