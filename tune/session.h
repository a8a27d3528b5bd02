/* SPDX-License-Identifier: MIT */
/*
 * A tuning session: the runs one `exitscope tune` script makes, all kept in one store (db/). Each run is
 * launched in-process through the launcher library (launcher/launcher.h, never a backend directly), written
 * through the store's sink, and described in the store's `tune_runs` table (script, arguments, controls,
 * repeat index, outcome), so every conclusion a script prints can be re-checked with SQL afterwards. Results
 * are read back from the store (db/rundiff_store.h) so a script sees exactly what the store holds.
 */
#ifndef EXITSCOPE_TUNE_SESSION_H
#define EXITSCOPE_TUNE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rundiff.h"
#include "db/sqlite_api.h"

#define XS_TUNE_MAX_CONTROLS 64
#define XS_TUNE_MAX_PARAMS 8
#define XS_TUNE_MAX_REPEAT 64

struct xs_tune_session {
	char *path;   /* the session store */
	char *script; /* as given on the command line */
	char *args;   /* the script's arguments, space-separated */
	char started[32];
	sqlite3 *db;	      /* tune_runs and reads; the runs themselves go through the store's sink */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none (--timeout) */
	double timeout_s;
	size_t runs_kept; /* runs this session wrote */
};

/* What one xs.run{} asks for. Strings are borrowed for the call. */
struct xs_tune_request {
	const char *backend;   /* NULL: auto */
	const char *cpu_model; /* NULL: the backend's default */
	const char *guest;     /* built-in guest, or NULL with image */
	const char *image;
	bool entry_set, load_set; /* images: entry point and load address (as `exitscope run --entry/--load`) */
	uint64_t entry, load;
	unsigned int mode;   /* 0: the guest's default */
	uint32_t iterations; /* 0 with duration: until then */
	bool iterations_set;
	double duration;     /* seconds; 0: none */
	unsigned int repeat; /* 1..XS_TUNE_MAX_REPEAT */
	bool no_default_controls;
	bool allow_unsupported; /* refused controls are listed in the result instead of failing the run */
	const char *label;	/* free text stored in tune_runs.label */
	size_t ncontrols;
	const char *control_keys[XS_TUNE_MAX_CONTROLS], *control_values[XS_TUNE_MAX_CONTROLS];
	size_t nparams;
	const char *param_names[XS_TUNE_MAX_PARAMS], *param_values[XS_TUNE_MAX_PARAMS];
};

/* One finished repeat. */
struct xs_tune_repeat {
	int64_t run_id;
	char status[640];     /* "ok", "guest-error: ...", "interrupted" */
	bool completed;	      /* the guest ran all its iterations (or until its duration) without an error */
	double wall_s, cpu_s; /* wall time of the run, CPU time of its vCPU threads */
	uint64_t exits, recorded, lost;
};

struct xs_tune_result {
	char backend[32];
	char guest[64];
	char mode[16];
	uint32_t iterations; /* per vCPU */
	unsigned int vcpus;
	size_t nrepeats;
	struct xs_tune_repeat repeats[XS_TUNE_MAX_REPEAT];
	char **refusals;	     /* "key: why", NULL-terminated */
	char *controls;		     /* the run's controls as a control file's text */
	struct xs_rundiff_side side; /* the repeats as read back from the store */
	bool timed_out;
};

/* Open (creating) the store and its tune_runs table. -1 and a one-line message. */
int xs_tune_session_open(struct xs_tune_session *s, const char *path, const char *script, int argc, char **argv,
			 double timeout_s, char *err, size_t errlen);
void xs_tune_session_close(struct xs_tune_session *s);

/* True once --timeout has passed. */
bool xs_tune_session_expired(const struct xs_tune_session *s);

/*
 * Run a request's repeats. 0 with *res filled (runs that failed in the guest are results, not errors); -1 and
 * a one-line message for a request the launcher refuses, a host error or the timeout. Every repeat that
 * finished is in the store and tune_runs either way (res->nrepeats says how many).
 */
int xs_tune_run(struct xs_tune_session *s, const struct xs_tune_request *req, struct xs_tune_result *res, char *err,
		size_t errlen);
void xs_tune_result_free(struct xs_tune_result *res);

/* Read stored runs of the session into a side (the same loader `exitscope diff` uses). */
int xs_tune_load_side(struct xs_tune_session *s, const int64_t *ids, size_t n, struct xs_rundiff_side *side,
		      const char *label, char *err, size_t errlen);

#endif
