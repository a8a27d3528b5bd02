// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: `exitscope diff` and xs.diff on outside input. The input is split at its first newline:
 * the first part is a side's specification ("FILE:RUNS": the run list parser must refuse or resolve anything,
 * never crash, and never name more runs than a side holds), the rest is records (struct xs_exit_record images,
 * any bytes) added to two sides run by run, which are then compared and printed as text, JSON and CSV: any
 * field values, any counts, must give finite verdicts and well-formed output without crashing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rundiff.h"
#include "db/rundiff_store.h"
#include "db/runs.h"
#include "db/store.h"

static char db_path[64];
static sqlite3 *db;

static void remove_files(void)
{
	char p[80];
	xs_store_close(db);
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

/* A store with runs 1-5 (no exits): what the run lists resolve against. */
static void open_store(void)
{
	char err[512];
	snprintf(db_path, sizeof(db_path), "/dev/shm/fuzz_db_rundiff.%d.db", (int)getpid());
	unlink(db_path);
	db = xs_store_open(db_path, XS_STORE_CREATE, err, sizeof(err));
	if (!db)
		abort();
	for (int i = 0; i < 5; i++)
		if (xs_run_create(db, NULL, err, sizeof(err)) < 0)
			abort();
	atexit(remove_files);
}

static void spec(const char *text)
{
	char err[512], *path, *runs;
	if (xs_rundiff_spec_split(text, &path, &runs, err, sizeof(err)) == 0) {
		int64_t *ids;
		size_t n;
		if (xs_rundiff_spec_runs(db, runs, &ids, &n, err, sizeof(err)) == 0) {
			if (n == 0 || n > XS_RUNDIFF_MAX_RUNS)
				abort();
			for (size_t i = 0; i < n; i++)
				if (ids[i] < 1 || ids[i] > 5)
					abort();
			free(ids);
		}
		free(path);
		free(runs);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		open_store();
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	size_t head = nl ? (size_t)(nl - data) : (size < 256 ? size : 256);
	char text[300];
	snprintf(text, sizeof(text), "x.db:%.*s", (int)head, (const char *)data);
	spec(text);
	data += head + (nl ? 1 : 0);
	size -= head + (nl ? 1 : 0);

	struct xs_rundiff_side *sides = calloc(2, sizeof(*sides));
	xs_rundiff_side_init(&sides[0], "a");
	xs_rundiff_side_init(&sides[1], "b");
	/* each record: one byte of control (side, new run, iterations), then the record's bytes */
	size_t rec = sizeof(struct xs_exit_record);
	while (size >= 1 + 8) {
		uint8_t ctl = data[0];
		struct xs_exit_record r = {0};
		size_t take = size - 1 < rec ? size - 1 : rec;
		memcpy(&r, data + 1, take);
		data += 1 + (take < 64 ? take : 64); /* overlapping records: more of them from a small input */
		size -= 1 + (take < 64 ? take : 64);
		struct xs_rundiff_side *s = &sides[ctl & 1];
		if ((ctl & 2) || !s->nruns)
			xs_rundiff_side_begin_run(s, (int64_t)s->nruns + 1, ctl >> 4);
		xs_rundiff_side_add(s, &r);
	}
	struct xs_rundiff d;
	xs_rundiff_build(&sides[0], &sides[1], &d);
	FILE *out = fopen("/dev/null", "w");
	xs_rundiff_print_text(out, &d);
	xs_rundiff_print_json(out, &d);
	xs_rundiff_print_csv(out, &d);
	fclose(out);
	xs_rundiff_free(&d);
	xs_rundiff_side_free(&sides[0]);
	xs_rundiff_side_free(&sides[1]);
	free(sides);
	return 0;
}
