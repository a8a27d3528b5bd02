// SPDX-License-Identifier: MIT
#include "db/report.h"

#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/util.h"
#include "db/reader.h"
#include "db/runs.h"
#include "db/sqlutil.h"
#include "decoder/decoder.h"

/* ---- collecting rows ---- */

/* Rows by key: an open-addressing index beside rep->rows (a GPA report may have many thousand rows). */
struct row_index {
	size_t *slots; /* row number + 1, 0 = empty */
	size_t cap;
};

static size_t key_slot(uint64_t k1, uint64_t k2, size_t cap)
{
	uint64_t h = k1 * 0x9e3779b97f4a7c15ull ^ (k2 + 0x632be59bd9b4e019ull);
	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static void index_put(struct row_index *ix, const struct xs_report *rep, size_t row)
{
	size_t s = key_slot(rep->rows[row].k1, rep->rows[row].k2, ix->cap);
	while (ix->slots[s])
		s = (s + 1) & (ix->cap - 1);
	ix->slots[s] = row + 1;
}

static struct xs_report_row *row_for(struct xs_report *rep, struct row_index *ix, uint64_t k1, uint64_t k2)
{
	if (ix->cap) {
		for (size_t s = key_slot(k1, k2, ix->cap); ix->slots[s]; s = (s + 1) & (ix->cap - 1)) {
			struct xs_report_row *r = &rep->rows[ix->slots[s] - 1];
			if (r->k1 == k1 && r->k2 == k2)
				return r;
		}
	}
	if ((rep->nrows + 1) * 2 > ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 64;
		free(ix->slots);
		ix->slots = xs_calloc(ix->cap, sizeof(*ix->slots));
		rep->rows = xs_realloc(rep->rows, ix->cap / 2 * sizeof(*rep->rows));
		for (size_t i = 0; i < rep->nrows; i++)
			index_put(ix, rep, i);
	}
	struct xs_report_row *r = &rep->rows[rep->nrows];
	memset(r, 0, sizeof(*r));
	r->k1 = k1;
	r->k2 = k2;
	index_put(ix, rep, rep->nrows++);
	return r;
}

/* Rows of one run and dimension from the stored aggregates, merged into rep. */
static int read_aggregates(sqlite3 *db, int64_t run_id, bool ticks, enum xs_agg_dim dim, struct xs_report *rep,
			   struct row_index *cap, bool into_rows, struct xs_stats *sum, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db,
			   "SELECT k1, k2, count, lat_count, lat_sum, lat_min, lat_max, handler_count, handler_sum,"
			   " handler_max, run_sum, first_ts, last_ts, hist FROM agg WHERE run_id = ? AND dim = ?",
			   &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, xs_dim_name(dim), -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct xs_stats s;
		memset(&s, 0, sizeof(s));
		s.count = (uint64_t)sqlite3_column_int64(st, 2);
		s.lat_count = (uint64_t)sqlite3_column_int64(st, 3);
		s.lat_sum = (uint64_t)sqlite3_column_int64(st, 4);
		s.lat_min = (uint64_t)sqlite3_column_int64(st, 5);
		s.lat_max = (uint64_t)sqlite3_column_int64(st, 6);
		s.handler_count = (uint64_t)sqlite3_column_int64(st, 7);
		s.handler_sum = (uint64_t)sqlite3_column_int64(st, 8);
		s.handler_max = (uint64_t)sqlite3_column_int64(st, 9);
		s.run_sum = (uint64_t)sqlite3_column_int64(st, 10);
		s.first_ts = (uint64_t)sqlite3_column_int64(st, 11);
		s.last_ts = (uint64_t)sqlite3_column_int64(st, 12);
		s.tsc_count = ticks ? s.count : 0; /* the stored aggregate has no unit of its own: the run's */
		if (!xs_hist_decode(sqlite3_column_blob(st, 13), (size_t)sqlite3_column_bytes(st, 13), &s)) {
			sqlite3_finalize(st);
			return xs_sql_fail(err, errlen, "run %lld: damaged latency histogram in the aggregates",
					   (long long)run_id);
		}
		if (into_rows) {
			struct xs_report_row *r = row_for(rep, cap, (uint64_t)sqlite3_column_int64(st, 0),
							  (uint64_t)sqlite3_column_int64(st, 1));
			xs_stats_merge(&r->stats, &s);
		}
		if (sum)
			xs_stats_merge(sum, &s);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return xs_sql_fail(err, errlen, "reading aggregates: %s", xs_sql_errmsg(db, rc));
	return 0;
}

/* The same from the run's exits, for a dimension whose aggregate is incomplete. */
static int scan_run(sqlite3 *db, int64_t run_id, enum xs_agg_dim dim, struct xs_report *rep, struct row_index *cap,
		    char *err, size_t errlen)
{
	struct xs_store_reader *rd = xs_store_reader_open(db, run_id, false, err, errlen);
	if (!rd)
		return -1;
	struct xs_exit_record r;
	int rc;
	while ((rc = xs_store_reader_next(rd, &r, NULL)) > 0) {
		uint64_t k1, k2;
		if (!xs_dim_key(dim, &r, &k1, &k2))
			continue;
		xs_stats_add(&row_for(rep, cap, k1, k2)->stats, &r);
	}
	if (rc < 0)
		xs_sql_fail(err, errlen, "%s", xs_store_reader_error(rd));
	xs_store_reader_close(rd);
	rep->scanned = true;
	return rc < 0 ? -1 : 0;
}

/*
 * Whether a run's timestamps and latencies are TSC ticks: runs.time_unit says so (the vmx backend's
 * vmx.time_unit metadata), or, for runs imported from elsewhere (a bare-metal kmod-vmx record file), its first exit
 * carries XS_F_TS_TSC. A producer stamps all its records with one clock.
 */
static bool run_tsc_ticks(sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	char err[200];
	bool ticks = false;
	if (!xs_sql_prepare(db, "SELECT 1 FROM runs WHERE run_id = ? AND time_unit = 'tsc_ticks'", &st, err,
			    sizeof(err))) {
		sqlite3_bind_int64(st, 1, run_id);
		ticks = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (ticks)
		return true;
	struct xs_store_reader *rd = xs_store_reader_open(db, run_id, false, err, sizeof(err));
	if (!rd)
		return false;
	struct xs_exit_record r;
	ticks = xs_store_reader_next(rd, &r, NULL) > 0 && (r.flags & XS_F_TS_TSC);
	xs_store_reader_close(rd);
	return ticks;
}

static int add_run(sqlite3 *db, int64_t run_id, const char *incomplete, struct xs_report *rep, struct row_index *cap,
		   char *err, size_t errlen)
{
	struct xs_stats all;
	memset(&all, 0, sizeof(all));
	/* Every exit has a reason: the reason cells give the run's totals. */
	bool by_reason = rep->by == XS_DIM_REASON;
	bool ticks = run_tsc_ticks(db, run_id);
	if (read_aggregates(db, run_id, ticks, XS_DIM_REASON, rep, cap, by_reason, &all, err, errlen))
		return -1;
	rep->lat_sum_all += all.lat_sum;
	rep->handler_sum_all += all.handler_sum;
	if (by_reason)
		return 0;
	bool complete = !incomplete || !strstr(incomplete, xs_dim_name(rep->by));
	if (complete)
		return read_aggregates(db, run_id, ticks, rep->by, rep, cap, true, NULL, err, errlen);
	return scan_run(db, run_id, rep->by, rep, cap, err, errlen);
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

struct sort_by {
	enum xs_report_sort key;
	bool handler; /* compare handler time instead of latency */
};

static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct xs_report_row *a = pa, *b = pb;
	const struct sort_by *by = arg;
	enum xs_report_sort sort_key = by->key;
	bool sort_handler = by->handler;
	int c = 0;
	if (sort_key == XS_SORT_TIME)
		c = sort_handler ? cmp_u64_desc(a->stats.handler_sum, b->stats.handler_sum)
				 : cmp_u64_desc(a->stats.lat_sum, b->stats.lat_sum);
	else if (sort_key == XS_SORT_MAX)
		c = sort_handler ? cmp_u64_desc(a->stats.handler_max, b->stats.handler_max)
				 : cmp_u64_desc(a->stats.lat_max, b->stats.lat_max);
	if (!c)
		c = cmp_u64_desc(a->stats.count, b->stats.count);
	if (!c)
		c = a->k1 < b->k1 ? -1 : a->k1 > b->k1;
	if (!c)
		c = a->k2 < b->k2 ? -1 : a->k2 > b->k2;
	return c;
}

static void describe_run(sqlite3 *db, int64_t run_id, struct xs_report *rep)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT coalesce(source, '?'), guest, coalesce(started_at, created_at), state,"
			       " imported_from FROM runs WHERE run_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *guest = (const char *)sqlite3_column_text(st, 1);
		const char *from = (const char *)sqlite3_column_text(st, 4);
		const char *state = (const char *)sqlite3_column_text(st, 3);
		snprintf(rep->title, sizeof(rep->title), "run %lld: %s%s%s, %s%s%s%s", (long long)run_id,
			 sqlite3_column_text(st, 0), guest ? ", guest " : "", guest ? guest : "",
			 sqlite3_column_text(st, 2), from ? ", imported from " : "", from ? from : "",
			 state && strcmp(state, "complete")
				 ? (strcmp(state, "recording")		   ? " (failed)"
				    : xs_run_writer_alive(db, run_id) == 1 ? " (still recording)"
									   : " (incomplete: the writer did not finish)")
				 : "");
	}
	sqlite3_finalize(st);
	/* the VM process a recording was limited to (record -p), by its command line */
	if (sqlite3_prepare_v2(db,
			       "SELECT p.value, c.value FROM run_meta p LEFT JOIN run_meta c"
			       " ON c.run_id = p.run_id AND c.key = 'target.cmdline'"
			       " WHERE p.run_id = ? AND p.key = 'target.pid'",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *cmdline = (const char *)sqlite3_column_text(st, 1);
		snprintf(rep->vm, sizeof(rep->vm), "pid %s: %s", sqlite3_column_text(st, 0),
			 cmdline ? cmdline : "(command line unknown)");
	}
	sqlite3_finalize(st);
}

int xs_report_build(sqlite3 *db, const struct xs_report_opts *opts, struct xs_report *rep, char *err, size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	rep->by = opts->by;
	rep->run_id = opts->run_id;
	int64_t latest = 0;
	if (opts->run_id == XS_REPORT_LATEST) {
		if (xs_sql_int(db, "SELECT max(run_id) FROM runs", &latest, err, errlen))
			return -1;
		if (!latest)
			return xs_sql_fail(err, errlen, "no runs in this store yet");
		rep->run_id = latest;
	}
	sqlite3_stmt *st;
	if (xs_sql_prepare(db, "SELECT run_id, exits, dropped, agg_incomplete FROM runs WHERE ?1 < 0 OR run_id = ?1",
			   &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, rep->run_id);
	struct row_index cap = {0};
	int rc, fail = 0;
	while (!fail && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		rep->exits += (uint64_t)sqlite3_column_int64(st, 1);
		rep->dropped += (uint64_t)sqlite3_column_int64(st, 2);
		const char *incomplete = (const char *)sqlite3_column_text(st, 3);
		char *copy = incomplete ? xs_strdup(incomplete) : NULL;
		fail = add_run(db, id, copy, rep, &cap, err, errlen);
		free(copy);
		rep->runs++;
	}
	sqlite3_finalize(st);
	free(cap.slots);
	if (fail)
		return -1;
	if (!rep->runs && rep->run_id == XS_REPORT_ALL)
		return xs_sql_fail(err, errlen, "no runs in this store yet");
	if (!rep->runs)
		return xs_sql_fail(err, errlen, "no run %lld in this store (see exitscope runs)",
				   (long long)rep->run_id);
	for (size_t i = 0; i < rep->nrows; i++)
		xs_stats_merge(&rep->grouped, &rep->rows[i].stats);
	rep->handler_time = !rep->grouped.lat_count && rep->grouped.handler_count;
	/* Handler time is the launcher's ns; latencies are in the runs' clock (TSC ticks on the vmx backend). */
	rep->time_unit = rep->handler_time ? XS_TIME_NS : xs_stats_time_unit(&rep->grouped);
	struct sort_by by = {opts->sort, rep->handler_time};
	if (rep->nrows)
		qsort_r(rep->rows, rep->nrows, sizeof(*rep->rows), row_cmp, &by);
	if (rep->run_id > 0)
		describe_run(db, rep->run_id, rep);
	else
		snprintf(rep->title, sizeof(rep->title), "%zu runs merged", rep->runs);
	return 0;
}

void xs_report_free(struct xs_report *rep)
{
	free(rep->rows);
	rep->rows = NULL;
	rep->nrows = 0;
}

/* ---- printing ---- */

void xs_report_label(enum xs_agg_dim by, const struct xs_report_row *row, char *buf, size_t len)
{
	switch (by) {
	case XS_DIM_REASON: {
		const char *name = xs_reason_name((unsigned int)row->k1, (uint32_t)row->k2);
		bool flags = row->k1 == XS_ISA_VMX && (row->k2 >> 16);
		if (name && !flags)
			snprintf(buf, len, "%s %s", xs_isa_name((unsigned int)row->k1), name);
		else if (name)
			snprintf(buf, len, "%s %s (0x%llx)", xs_isa_name((unsigned int)row->k1), name,
				 (unsigned long long)row->k2);
		else
			snprintf(buf, len, "%s 0x%llx", xs_isa_name((unsigned int)row->k1),
				 (unsigned long long)row->k2);
		break;
	}
	case XS_DIM_VCPU:
		snprintf(buf, len, "vcpu %llu (pid %llu)", (unsigned long long)row->k2, (unsigned long long)row->k1);
		break;
	default:
		snprintf(buf, len, "0x%llx", (unsigned long long)row->k1);
	}
}

static const char *const dim_titles[XS_DIM_COUNT] = {"reason", "vcpu", "I/O port", "MSR", "GPA"};

void xs_report_print_text(FILE *out, const struct xs_report *rep)
{
	char safe[sizeof(rep->title) * 4];
	fprintf(out, "%s\n", xs_text_safe(rep->title, safe, sizeof(safe))); /* the title holds outside text */
	if (rep->vm[0]) {
		char *vm = xs_text_safe_dup(rep->vm); /* outside text too */
		fprintf(out, "VM %s\n", vm);
		free(vm);
	}
	fprintf(out, "%llu exits, %llu dropped", (unsigned long long)rep->exits, (unsigned long long)rep->dropped);
	if (rep->by != XS_DIM_REASON && rep->by != XS_DIM_VCPU)
		fprintf(out, "; %llu with a%s %s", (unsigned long long)rep->grouped.count,
			rep->by == XS_DIM_GPA ? "" : "n", dim_titles[rep->by]);
	if (rep->scanned)
		fprintf(out, " (scanned: too many distinct keys to aggregate)");
	fputc('\n', out);
	if (!rep->nrows)
		return;
	/* Tick counts need wider columns ("12.35kticks"); runs of both clocks have no common latency scale. */
	enum xs_time_unit unit = rep->time_unit;
	bool lat = unit != XS_TIME_MIXED, ticks = unit == XS_TIME_TICKS;
	int w = unit == XS_TIME_TICKS ? 11 : 9;
	fprintf(out, "\n%-32s %10s %8s %8s %*s %*s %*s %*s\n", dim_titles[rep->by], "count", "share", "time%", w, "min",
		w, "mean", w, "p99", w, "max");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct xs_stats *s = &rep->rows[i].stats;
		char label[96], mn[16] = "-", me[16] = "-", p99[16] = "-", mx[16] = "-", ts[16] = "-";
		xs_report_label(rep->by, &rep->rows[i], label, sizeof(label));
		if (rep->handler_time && s->handler_count) {
			xs_fmt_latency(xs_stats_handler_mean(s), false, me, sizeof(me));
			xs_fmt_latency((double)s->handler_max, false, mx, sizeof(mx));
		} else if (s->lat_count && lat) {
			xs_fmt_latency((double)s->lat_min, ticks, mn, sizeof(mn));
			xs_fmt_latency(xs_stats_lat_mean(s), ticks, me, sizeof(me));
			xs_fmt_latency((double)xs_stats_lat_percentile(s, 99), ticks, p99, sizeof(p99));
			xs_fmt_latency((double)s->lat_max, ticks, mx, sizeof(mx));
		}
		uint64_t part = rep->handler_time ? s->handler_sum : s->lat_sum;
		uint64_t whole = rep->handler_time ? rep->handler_sum_all : rep->lat_sum_all;
		if (whole && lat)
			snprintf(ts, sizeof(ts), "%.2f%%", 100.0 * (double)part / (double)whole);
		double share = rep->grouped.count ? 100.0 * (double)s->count / (double)rep->grouped.count : 0;
		fprintf(out, "%-32s %10llu %7.2f%% %8s %*s %*s %*s %*s\n", label, (unsigned long long)s->count, share,
			ts, w, mn, w, me, w, p99, w, mx);
	}
	if (unit == XS_TIME_TICKS)
		fprintf(out, "\n(latencies are TSC ticks, not time (the vmx backend's are Bochs' emulated TSC):"
			     " no TSC frequency is known to convert them)\n");
	else if (unit == XS_TIME_MIXED)
		fprintf(out, "\n(these runs mix ns and TSC-tick latencies: time%% and latency columns are empty; report"
			     " one run at a time)\n");
	if (rep->handler_time)
		fprintf(out, "\n(time is the launcher's handler time per exit: exit-to-entry latency was not recorded;"
			     " no histogram, so no min or p99)\n");
	else if (!rep->grouped.lat_count)
		fprintf(out, "\n(no exit-to-entry latencies were recorded: time%% and latency columns are empty)\n");
}

static void json_str(FILE *out, const char *s)
{
	xs_json_fputs(out, s);
}

void xs_report_print_json(FILE *out, const struct xs_report *rep)
{
	fprintf(out, "{\"run\":");
	if (rep->run_id > 0)
		fprintf(out, "%lld", (long long)rep->run_id);
	else
		fprintf(out, "\"all\"");
	fprintf(out, ",\"title\":");
	json_str(out, rep->title);
	if (rep->vm[0]) {
		fprintf(out, ",\"vm\":");
		json_str(out, rep->vm);
	}
	fprintf(out, ",\"time\":\"%s\",\"time_unit\":\"%s\"", rep->handler_time ? "handler" : "latency",
		xs_time_unit_name(rep->time_unit));
	fprintf(out, ",\"by\":\"%s\",\"exits\":%llu,\"dropped\":%llu,\"grouped\":%llu,\"scanned\":%s,\"rows\":[",
		xs_dim_name(rep->by), (unsigned long long)rep->exits, (unsigned long long)rep->dropped,
		(unsigned long long)rep->grouped.count, rep->scanned ? "true" : "false");
	for (size_t i = 0; i < rep->nrows; i++) {
		const struct xs_report_row *r = &rep->rows[i];
		const struct xs_stats *s = &r->stats;
		char label[96];
		xs_report_label(rep->by, r, label, sizeof(label));
		fprintf(out, "%s{\"label\":", i ? "," : "");
		json_str(out, label);
		if (rep->by == XS_DIM_REASON) {
			const char *name = xs_reason_name((unsigned int)r->k1, (uint32_t)r->k2);
			fprintf(out, ",\"isa\":\"%s\",\"reason\":%llu,\"name\":", xs_isa_name((unsigned int)r->k1),
				(unsigned long long)r->k2);
			if (name)
				json_str(out, name);
			else
				fputs("null", out);
		} else if (rep->by == XS_DIM_VCPU) {
			fprintf(out, ",\"pid\":%llu,\"vcpu\":%llu", (unsigned long long)r->k1,
				(unsigned long long)r->k2);
		} else {
			fprintf(out, ",\"key\":%llu", (unsigned long long)r->k1);
		}
		uint64_t part = rep->handler_time ? s->handler_sum : s->lat_sum;
		uint64_t whole = rep->handler_time ? rep->handler_sum_all : rep->lat_sum_all;
		if (rep->time_unit == XS_TIME_MIXED) /* ns and ticks summed make no share */
			whole = 0;
		fprintf(out, ",\"count\":%llu,\"share\":%.6f,\"time_share\":%.6f", (unsigned long long)s->count,
			rep->grouped.count ? (double)s->count / (double)rep->grouped.count : 0.0,
			whole ? (double)part / (double)whole : 0.0);
		if (s->handler_count)
			fprintf(out, ",\"handler_mean_ns\":%.1f,\"handler_max_ns\":%llu,\"handler_sum_ns\":%llu",
				xs_stats_handler_mean(s), (unsigned long long)s->handler_max,
				(unsigned long long)s->handler_sum);
		/* The keys name their unit: _ns, or _ticks for TSC-stamped runs; mixed rows have no common one. */
		enum xs_time_unit unit = xs_stats_time_unit(s);
		const char *u = unit == XS_TIME_TICKS ? "ticks" : "ns";
		if (s->lat_count && unit != XS_TIME_MIXED)
			fprintf(out,
				",\"latency_count\":%llu,\"latency_min_%s\":%llu,\"latency_mean_%s\":%.1f,"
				"\"latency_p99_%s\":%llu,\"latency_max_%s\":%llu,\"latency_sum_%s\":%llu}",
				(unsigned long long)s->lat_count, u, (unsigned long long)s->lat_min, u,
				xs_stats_lat_mean(s), u, (unsigned long long)xs_stats_lat_percentile(s, 99), u,
				(unsigned long long)s->lat_max, u, (unsigned long long)s->lat_sum);
		else if (s->lat_count)
			fprintf(out, ",\"latency_count\":%llu,\"latency_unit\":\"mixed\"}",
				(unsigned long long)s->lat_count);
		else
			fprintf(out, ",\"latency_count\":0}");
	}
	fprintf(out, "]}\n");
}
