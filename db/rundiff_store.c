// SPDX-License-Identifier: MIT
#include "common/text.h"
#include "db/rundiff_store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "db/reader.h"
#include "db/sqlutil.h"
#include "db/store.h"
#include "decoder/decoder.h"

int xs_rundiff_spec_split(const char *spec, char **path, char **runs, char *err, size_t errlen)
{
	*path = *runs = NULL;
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty run specification (give FILE or FILE:RUNS)");
		return -1;
	}
	struct stat st;
	const char *colon = strrchr(spec, ':');
	if (!colon || stat(spec, &st) == 0) { /* a file whose name has a colon is the file */
		*path = xs_strdup(spec);
		return 0;
	}
	if (colon == spec || !colon[1]) {
		snprintf(err, errlen, "'%s': give FILE or FILE:RUNS (3, 3,5, 2-4 or all)", spec);
		return -1;
	}
	*path = xs_asprintf("%.*s", (int)(colon - spec), spec);
	*runs = xs_strdup(colon + 1);
	return 0;
}

static int run_exists(sqlite3 *db, int64_t id, char *err, size_t errlen)
{
	char sql[96];
	int64_t n;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE run_id = %" PRId64, id);
	if (xs_sql_int(db, sql, &n, err, errlen))
		return -1;
	if (!n) {
		snprintf(err, errlen, "no run %" PRId64 " in the store", id);
		return -1;
	}
	return 0;
}

static void push_id(int64_t **ids, size_t *n, int64_t id)
{
	*ids = xs_realloc(*ids, (*n + 1) * sizeof(**ids));
	(*ids)[(*n)++] = id;
}

static int all_runs(sqlite3 *db, int64_t **ids, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "SELECT run_id FROM runs ORDER BY run_id", &st, err, errlen))
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		push_id(ids, n, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return xs_sql_fail(err, errlen, "listing runs: %s", xs_sql_errmsg(db, rc));
	return 0;
}

int xs_rundiff_spec_runs(sqlite3 *db, const char *runs, int64_t **ids, size_t *n, char *err, size_t errlen)
{
	*ids = NULL;
	*n = 0;
	if (!runs) {
		int64_t latest;
		if (xs_sql_int(db, "SELECT max(run_id) FROM runs", &latest, err, errlen))
			return -1;
		if (!latest) {
			snprintf(err, errlen, "the store has no runs");
			return -1;
		}
		push_id(ids, n, latest);
		return 0;
	}
	if (!strcmp(runs, "all")) {
		if (all_runs(db, ids, n, err, errlen))
			goto fail;
		if (!*n) {
			snprintf(err, errlen, "the store has no runs");
			goto fail;
		}
		return 0;
	}
	char *copy = xs_strdup(runs), *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		uint64_t lo, hi;
		if (dash)
			*dash = 0;
		if (!xs_parse_range(item, 1, INT64_MAX, &lo) ||
		    (dash && !xs_parse_range(dash + 1, lo, INT64_MAX, &hi))) {
			snprintf(err, errlen, "'%s': runs are N, N-M (N <= M), comma-separated, or all", runs);
			free(copy);
			goto fail;
		}
		if (!dash)
			hi = lo;
		if (hi - lo >= XS_RUNDIFF_MAX_RUNS) {
			snprintf(err, errlen, "'%s': at most %d runs per side", runs, XS_RUNDIFF_MAX_RUNS);
			free(copy);
			goto fail;
		}
		for (uint64_t id = lo; id <= hi; id++) {
			if (run_exists(db, (int64_t)id, err, errlen)) {
				free(copy);
				goto fail;
			}
			push_id(ids, n, (int64_t)id);
		}
	}
	free(copy);
	if (!*n) {
		snprintf(err, errlen, "'%s' names no run", runs);
		goto fail;
	}
	return 0;
fail:
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}

static uint64_t meta_u64(sqlite3 *db, int64_t id, const char *key)
{
	sqlite3_stmt *st;
	char err[16];
	uint64_t v = 0;
	if (xs_sql_prepare(db, "SELECT value FROM run_meta WHERE run_id = ? AND key = ?", &st, err, sizeof(err)))
		return 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		if (!text || !xs_parse_u64(text, &v))
			v = 0;
	}
	sqlite3_finalize(st);
	return v;
}

int xs_rundiff_side_load(sqlite3 *db, const int64_t *ids, size_t n, struct xs_rundiff_side *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (run_exists(db, ids[i], err, errlen))
			return -1;
		uint64_t iterations = meta_u64(db, ids[i], "run.iterations") * meta_u64(db, ids[i], "run.vcpus");
		if (xs_rundiff_side_begin_run(s, ids[i], iterations)) {
			snprintf(err, errlen, "at most %d runs per side", XS_RUNDIFF_MAX_RUNS);
			return -1;
		}
		struct xs_store_reader *rd = xs_store_reader_open(db, ids[i], false, err, errlen);
		if (!rd)
			return -1;
		struct xs_exit_record r;
		int rc;
		while ((rc = xs_store_reader_next(rd, &r, NULL)) == 1)
			xs_rundiff_side_add(s, &r);
		if (rc < 0)
			snprintf(err, errlen, "reading run %" PRId64 ": %s", ids[i], xs_store_reader_error(rd));
		xs_store_reader_close(rd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int xs_rundiff_side_open(const char *spec, struct xs_rundiff_side *s, char *err, size_t errlen)
{
	char *path, *runs;
	char msg[512];
	if (xs_rundiff_spec_split(spec, &path, &runs, err, errlen))
		return -1;
	int rc = -1;
	int64_t *ids = NULL;
	size_t n = 0;
	sqlite3 *db = xs_store_open(path, XS_STORE_READ, msg, sizeof(msg));
	if (!db) {
		snprintf(err, errlen, "%s", msg);
		goto out;
	}
	if (xs_rundiff_spec_runs(db, runs, &ids, &n, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto out;
	}
	xs_rundiff_side_init(s, spec);
	if (xs_rundiff_side_load(db, ids, n, s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		xs_rundiff_side_free(s);
		goto out;
	}
	rc = 0;
out:
	free(ids);
	xs_store_close(db);
	free(path);
	free(runs);
	return rc;
}

/* ---- printing ---- */

void xs_rundiff_row_label(const struct xs_rundiff_row *row, char *buf, size_t len)
{
	switch (row->dim) {
	case XS_RD_REASON: {
		const char *name = xs_reason_name((unsigned int)row->k1, (uint32_t)row->k2);
		if (name)
			snprintf(buf, len, "%s %s", xs_isa_name((unsigned int)row->k1), name);
		else
			snprintf(buf, len, "%s 0x%llx", xs_isa_name((unsigned int)row->k1),
				 (unsigned long long)row->k2);
		break;
	}
	case XS_RD_CR:
		snprintf(buf, len, "cr%llu %s", (unsigned long long)row->k1, row->k2 ? "write" : "read");
		break;
	case XS_RD_VECTOR: {
		const char *name = row->k1 < 32 ? xs_exception_name((unsigned int)row->k1) : NULL;
		if (name)
			snprintf(buf, len, "vector %llu (%s)", (unsigned long long)row->k1, name);
		else
			snprintf(buf, len, "vector %llu", (unsigned long long)row->k1);
		break;
	}
	default:
		snprintf(buf, len, "%s 0x%llx", xs_rundiff_dim_name(row->dim), (unsigned long long)row->k1);
	}
}

/* A time per exit: 850ns, 12.3us, 4.56ms; TSC ticks (the vmx backend's latencies) as 850t, 12.3kt, never as time. */
static const char *human_time(uint64_t v, bool ticks, char *buf, size_t len)
{
	if (!v)
		snprintf(buf, len, "-");
	else if (v < 1000)
		snprintf(buf, len, "%llu%s", (unsigned long long)v, ticks ? "t" : "ns");
	else if (v < 1000000)
		snprintf(buf, len, "%.1f%s", (double)v / 1e3, ticks ? "kt" : "us");
	else
		snprintf(buf, len, "%.2f%s", (double)v / 1e6, ticks ? "Mt" : "ms");
	return buf;
}

static const char *times(uint64_t p50, uint64_t p99, uint64_t max, bool ticks, char *buf, size_t len)
{
	char x[16], y[16], z[16];
	if (!max)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/%s/%s", human_time(p50, ticks, x, sizeof(x)),
			 human_time(p99, ticks, y, sizeof(y)), human_time(max, ticks, z, sizeof(z)));
	return buf;
}

static const char *change(const struct xs_rundiff_test *t, char *buf, size_t len)
{
	if (t->mean_a == 0 && t->mean_b == 0)
		snprintf(buf, len, "0");
	else if (t->mean_a == 0)
		snprintf(buf, len, "new");
	else if (t->mean_b == 0)
		snprintf(buf, len, "gone");
	else
		snprintf(buf, len, "%+.1f%%", 100.0 * t->delta / t->mean_a);
	return buf;
}

static const char *interval(const struct xs_rundiff_test *t, char *buf, size_t len)
{
	if (isnan(t->ci_lo))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "[%.4g, %.4g]", t->ci_lo, t->ci_hi);
	return buf;
}

static void side_line(FILE *out, const char *name, const struct xs_rundiff_side *s)
{
	fprintf(out, "%s: %s, %zu run%s", name, s->label, s->nruns, s->nruns == 1 ? "" : "s");
	if (s->nruns) {
		fprintf(out, " (");
		for (size_t i = 0; i < s->nruns && i < 8; i++)
			fprintf(out, "%s%" PRId64, i ? "," : "", s->runs[i].id);
		fprintf(out, "%s)", s->nruns > 8 ? ",..." : "");
	}
	uint64_t exits = 0, it = 0;
	for (size_t i = 0; i < s->nruns; i++) {
		exits += s->runs[i].exits;
		it += s->runs[i].iterations;
	}
	fprintf(out, ", %llu exits", (unsigned long long)exits);
	if (xs_rundiff_side_per_iteration(s))
		fprintf(out, ", %llu guest iterations", (unsigned long long)it);
	fprintf(out, "\n");
}

static void text_row(FILE *out, const char *label, const struct xs_rundiff *d, const struct xs_rundiff_row *r)
{
	bool ticks_a = d->a->tsc_ticks && !d->handler_time, ticks_b = d->b->tsc_ticks && !d->handler_time;
	char ch[24], ci[64], ta[48], tb[48];
	fprintf(out, "%-26s %10.4g %10.4g %8s %-24s %6.1f%% %6.1f%%  %-22s %-22s %s\n", label, r->test.mean_a,
		r->test.mean_b, change(&r->test, ch, sizeof(ch)), interval(&r->test, ci, sizeof(ci)),
		100.0 * r->share_a, 100.0 * r->share_b, times(r->p50_a, r->p99_a, r->max_a, ticks_a, ta, sizeof(ta)),
		times(r->p50_b, r->p99_b, r->max_b, ticks_b, tb, sizeof(tb)), xs_rundiff_verdict_name(r->test.verdict));
}

void xs_rundiff_print_text(FILE *out, const struct xs_rundiff *d)
{
	side_line(out, "a", d->a);
	side_line(out, "b", d->b);
	const char *unit = d->per_iteration ? "exits per guest iteration" : "exits per run";
	bool ticks = !d->handler_time && (d->a->tsc_ticks || d->b->tsc_ticks);
	fprintf(out, "%s (mean over runs); time per exit is %s (p50/p99/max%s); 95%% interval of b - a (%s)\n\n", unit,
		d->handler_time ? "the launcher's handler time" : "exit-to-entry latency",
		ticks ? ", t = emulated TSC ticks, not time" : "", d->total.test.method);
	fprintf(out, "%-26s %10s %10s %8s %-24s %7s %7s  %-22s %-22s %s\n", "key", "a", "b", "change", "interval",
		"a share", "b share", "a time", "b time", "verdict");
	text_row(out, "all exits", d, &d->total);
	int dim = -1;
	for (size_t i = 0; i < d->nrows; i++) {
		const struct xs_rundiff_row *r = &d->rows[i];
		if ((int)r->dim != dim) {
			dim = (int)r->dim;
			fprintf(out, "-- by %s\n", xs_rundiff_dim_name(r->dim));
		}
		char label[96];
		xs_rundiff_row_label(r, label, sizeof(label));
		text_row(out, label, d, r);
	}
	if (d->a->nruns < 2 && d->b->nruns < 2 && d->nrows)
		fprintf(out, "\none run per side: differences cannot be told from noise; repeat the runs "
			     "(FILE:N,M,...) to get a verdict\n");
	fprintf(out, "%zu of %zu rows changed significantly\n", d->significant, d->nrows);
}

static void json_num(FILE *out, const char *name, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(out, "\"%s\":null", name);
	else
		fprintf(out, "\"%s\":%.10g", name, v);
}

static void json_row(FILE *out, const char *dim, const char *label, const struct xs_rundiff_row *r)
{
	fprintf(out, "{\"dim\":\"%s\",\"key\":", dim);
	xs_json_fputs(out, label);
	fprintf(out, ",\"k1\":%llu,\"k2\":%llu,\"count_a\":%llu,\"count_b\":%llu,", (unsigned long long)r->k1,
		(unsigned long long)r->k2, (unsigned long long)r->count_a, (unsigned long long)r->count_b);
	json_num(out, "rate_a", r->test.mean_a);
	fputc(',', out);
	json_num(out, "rate_b", r->test.mean_b);
	fputc(',', out);
	json_num(out, "sd_a", r->test.sd_a);
	fputc(',', out);
	json_num(out, "sd_b", r->test.sd_b);
	fputc(',', out);
	json_num(out, "delta", r->test.delta);
	fputc(',', out);
	json_num(out, "ci_lo", r->test.ci_lo);
	fputc(',', out);
	json_num(out, "ci_hi", r->test.ci_hi);
	fputc(',', out);
	json_num(out, "share_a", r->share_a);
	fputc(',', out);
	json_num(out, "share_b", r->share_b);
	fprintf(out,
		",\"p50_a\":%llu,\"p99_a\":%llu,\"max_a\":%llu,\"p50_b\":%llu,\"p99_b\":%llu,\"max_b\":%llu,"
		"\"method\":\"%s\",\"verdict\":\"%s\"}",
		(unsigned long long)r->p50_a, (unsigned long long)r->p99_a, (unsigned long long)r->max_a,
		(unsigned long long)r->p50_b, (unsigned long long)r->p99_b, (unsigned long long)r->max_b,
		r->test.method, xs_rundiff_verdict_name(r->test.verdict));
}

static void json_side(FILE *out, const struct xs_rundiff_side *s)
{
	fprintf(out, "{\"label\":");
	xs_json_fputs(out, s->label);
	fprintf(out, ",\"runs\":[");
	for (size_t i = 0; i < s->nruns; i++)
		fprintf(out, "%s{\"id\":%" PRId64 ",\"iterations\":%llu,\"exits\":%llu}", i ? "," : "", s->runs[i].id,
			(unsigned long long)s->runs[i].iterations, (unsigned long long)s->runs[i].exits);
	fprintf(out, "],\"time_unit\":\"%s\"}", s->tsc_ticks ? "tsc_ticks" : "ns");
}

void xs_rundiff_print_json(FILE *out, const struct xs_rundiff *d)
{
	fprintf(out, "{\"a\":");
	json_side(out, d->a);
	fprintf(out, ",\"b\":");
	json_side(out, d->b);
	fprintf(out, ",\"per\":\"%s\",\"time\":\"%s\",\"significant\":%zu,\"total\":",
		d->per_iteration ? "iteration" : "run", d->handler_time ? "handler" : "latency", d->significant);
	json_row(out, "total", "all exits", &d->total);
	fprintf(out, ",\"rows\":[");
	for (size_t i = 0; i < d->nrows; i++) {
		char label[96];
		xs_rundiff_row_label(&d->rows[i], label, sizeof(label));
		if (i)
			fputc(',', out);
		json_row(out, xs_rundiff_dim_name(d->rows[i].dim), label, &d->rows[i]);
	}
	fprintf(out, "]}\n");
}

static void csv_row(FILE *out, const char *dim, const char *label, const struct xs_rundiff_row *r)
{
	fprintf(out, "%s,\"%s\",%llu,%llu,%llu,%llu,%.10g,%.10g,%.10g,%.10g,%.10g,", dim, label,
		(unsigned long long)r->k1, (unsigned long long)r->k2, (unsigned long long)r->count_a,
		(unsigned long long)r->count_b, r->test.mean_a, r->test.mean_b, r->test.sd_a, r->test.sd_b,
		r->test.delta);
	if (isnan(r->test.ci_lo))
		fprintf(out, ",,");
	else
		fprintf(out, "%.10g,%.10g,", r->test.ci_lo, r->test.ci_hi);
	fprintf(out, "%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%s,%s\n", r->share_a, r->share_b,
		(unsigned long long)r->p50_a, (unsigned long long)r->p99_a, (unsigned long long)r->max_a,
		(unsigned long long)r->p50_b, (unsigned long long)r->p99_b, (unsigned long long)r->max_b,
		r->test.method, xs_rundiff_verdict_name(r->test.verdict));
}

void xs_rundiff_print_csv(FILE *out, const struct xs_rundiff *d)
{
	fprintf(out, "dim,key,k1,k2,count_a,count_b,rate_a,rate_b,sd_a,sd_b,delta,ci_lo,ci_hi,share_a,share_b,"
		     "p50_a,p99_a,max_a,p50_b,p99_b,max_b,method,verdict\n");
	csv_row(out, "total", "all exits", &d->total);
	for (size_t i = 0; i < d->nrows; i++) {
		char label[96];
		xs_rundiff_row_label(&d->rows[i], label, sizeof(label));
		csv_row(out, xs_rundiff_dim_name(d->rows[i].dim), label, &d->rows[i]);
	}
}
