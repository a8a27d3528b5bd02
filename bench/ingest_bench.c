// SPDX-License-Identifier: MIT
/*
 * ingest-bench: how fast the store takes exits and how much disk they cost.
 *
 *   ingest-bench --template FILE.xsr --count N --db OUT.db [--naive] [--flush-every K]
 *
 * The records of the template (top-synth's realistic mix) are replayed, renumbered and re-timed, until N
 * exits went through the real store sink (queue + writer thread + SQLite), importing-style: write() waits
 * rather than drops, so the figure is the writer's own speed. Prints RESULT lines: rows/s over wall time,
 * rows/s per second of writer-thread CPU (one core), and bytes on disk per exit.
 *
 * --naive writes the same records the obvious way instead, for comparison: one INSERT per exit into a
 * table with a column per record field, in transactions of 65536 rows, WAL, on the producer thread.
 *
 * --flush-every K flushes the sink after every K exits and prints "flushed N" once the flush returned (the
 * kill -9 test uses it: every exit printed as flushed must survive the kill).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "common/util.h"
#include "common/xsr.h"
#include "db/store_sink.h"

#define BATCH 1024

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct xs_exit_record *load_template(const char *path, size_t *n)
{
	char err[256];
	struct xsr_reader *rd = xsr_open(path, err, sizeof(err));
	if (!rd)
		xs_die("%s", err);
	size_t cap = 1024;
	struct xs_exit_record *recs = xs_malloc(cap * sizeof(*recs));
	struct xsr_item item;
	*n = 0;
	int rc;
	while ((rc = xsr_next(rd, &item)) > 0) {
		if (item.kind != XSR_ITEM_RECORD)
			continue;
		if (*n == cap) {
			cap *= 2;
			recs = xs_realloc(recs, cap * sizeof(*recs));
		}
		recs[(*n)++] = item.rec;
	}
	if (rc < 0 || !*n)
		xs_die("%s: %s", path, rc < 0 ? xsr_error(rd) : "no records");
	xsr_close(rd);
	return recs;
}

/* Record i of the replay: the template's record i % n, numbered and timed as the i-th exit at 1M exits/s. */
static void replay(const struct xs_exit_record *tmpl, size_t n, uint64_t i, struct xs_exit_record *out)
{
	memcpy(out, &tmpl[i % n], xs_record_wire_size(&tmpl[i % n]));
	out->seq = i;
	out->ts = 1000000000000ull + i * 1000;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? 0 : (long)sb.st_size;
}

static void run_store(const struct xs_exit_record *tmpl, size_t n, uint64_t count, const char *db, const char *name,
		      uint64_t flush_every)
{
	char err[512];
	struct xs_store_sink_opts opts = {.max_wait_ms = -1};
	struct xs_sink *sink = xs_store_sink_open(db, &opts, err, sizeof(err));
	if (!sink)
		xs_die("%s", err);
	xs_sink_meta(sink, "run.source", "synthetic");
	struct xs_exit_record *batch = xs_calloc(BATCH, sizeof(*batch));
	double t0 = now_s();
	for (uint64_t i = 0; i < count;) {
		size_t k = 0;
		for (; k < BATCH && i < count; k++, i++)
			replay(tmpl, n, i, &batch[k]);
		if (xs_sink_write(sink, batch, k))
			xs_die("store write failed");
		if (flush_every && i % flush_every < k) {
			if (xs_sink_flush(sink))
				xs_die("store flush failed");
			printf("flushed %llu\n", (unsigned long long)i);
			fflush(stdout);
		}
	}
	double t_written = now_s();
	if (xs_sink_flush(sink))
		xs_die("store flush failed");
	double t_flushed = now_s();
	struct xs_store_sink_info info;
	if (xs_store_sink_close_info(sink, &info))
		xs_die("store close failed: %s", info.error);
	double wall = now_s() - t0;
	fprintf(stderr, "phases: producing %.2f s, flushing %.2f s, closing %.2f s\n", t_written - t0,
		t_flushed - t_written, now_s() - t_flushed);
	free(batch);
	if (info.committed != count || info.dropped)
		xs_die("stored %llu of %llu exits (%llu dropped)", (unsigned long long)info.committed,
		       (unsigned long long)count, (unsigned long long)info.dropped);
	long size = file_size(db);
	printf("%s: %llu exits in %.2f s wall (%.0f/s); writer thread %.2f s CPU (%.0f/s on one core), %.2f s in "
	       "transactions; %llu transactions, %llu stalls; %ld bytes = %.1f bytes/exit\n",
	       name, (unsigned long long)count, wall, (double)count / wall, info.writer_cpu_s,
	       (double)count / info.writer_cpu_s, info.writer_busy_s, (unsigned long long)info.batches,
	       (unsigned long long)info.stalls, size, (double)size / (double)count);
	printf("RESULT\t%s\trows_per_s_wall\t%.0f\trows/s\n", name, (double)count / wall);
	printf("RESULT\t%s\trows_per_s_writer_core\t%.0f\trows/s\n", name, (double)count / info.writer_cpu_s);
	printf("RESULT\t%s\tbytes_per_exit\t%.1f\tbytes\n", name, (double)size / (double)count);
}

/* The obvious schema and loop, for comparison. */
static void run_naive(const struct xs_exit_record *tmpl, size_t n, uint64_t count, const char *db, const char *name)
{
	static const char *const cols[] = {"isa",	 "source",	  "flags",	 "reason",     "vcpu",
					   "ts",	 "seq",		  "pid",	 "tid",	       "cpu",
					   "intr_info",	 "qualification", "info2",	 "error_code", "guest_rip",
					   "guest_phys", "latency_ns",	  "detail_kind", "detail"};
	sqlite3 *d;
	remove(db);
	if (sqlite3_open(db, &d) != SQLITE_OK)
		xs_die("%s: %s", db, sqlite3_errmsg(d));
	char sql[2048] = "CREATE TABLE exits(id INTEGER PRIMARY KEY";
	for (size_t c = 0; c < XS_ARRAY_SIZE(cols); c++)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ", %s", cols[c]);
	strcat(sql, ")");
	if (sqlite3_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL, NULL) ||
	    sqlite3_exec(d, sql, NULL, NULL, NULL))
		xs_die("%s: %s", db, sqlite3_errmsg(d));
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d, "INSERT INTO exits VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st,
			       NULL))
		xs_die("%s", sqlite3_errmsg(d));
	double t0 = now_s(), c0 = cpu_s();
	struct xs_exit_record r;
	sqlite3_exec(d, "BEGIN", NULL, NULL, NULL);
	for (uint64_t i = 0; i < count; i++) {
		replay(tmpl, n, i, &r);
		int64_t v[] = {r.isa,
			       r.source,
			       r.flags,
			       r.reason,
			       r.vcpu,
			       (int64_t)r.ts,
			       (int64_t)r.seq,
			       r.pid,
			       r.tid,
			       r.cpu,
			       r.intr_info,
			       (int64_t)r.qualification,
			       (int64_t)r.info2,
			       r.error_code,
			       (int64_t)r.guest_rip,
			       (int64_t)r.guest_phys,
			       (int64_t)r.latency_ns,
			       r.detail_kind};
		for (int c = 0; c < (int)XS_ARRAY_SIZE(v); c++)
			sqlite3_bind_int64(st, c + 1, v[c]);
		sqlite3_bind_blob(st, 19, &r.detail, sizeof(r.detail), SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			xs_die("%s", sqlite3_errmsg(d));
		sqlite3_reset(st);
		if (i % 65536 == 65535)
			sqlite3_exec(d, "COMMIT; BEGIN", NULL, NULL, NULL);
	}
	sqlite3_exec(d, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlite3_wal_checkpoint_v2(d, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_close(d);
	double wall = now_s() - t0, cpu = cpu_s() - c0;
	long size = file_size(db);
	printf("%s: %llu exits in %.2f s wall (%.0f/s), %.2f s CPU (%.0f/s on one core); %.1f bytes/exit\n", name,
	       (unsigned long long)count, wall, (double)count / wall, cpu, (double)count / cpu,
	       (double)size / (double)count);
	printf("RESULT\t%s\trows_per_s_wall\t%.0f\trows/s\n", name, (double)count / wall);
	printf("RESULT\t%s\tbytes_per_exit\t%.1f\tbytes\n", name, (double)size / (double)count);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"template", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"name", required_argument, NULL, 'n'},
		{"naive", no_argument, NULL, 'N'},
		{"flush-every", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	xs_set_progname("ingest-bench");
	const char *tmpl_path = NULL, *db = NULL, *name = "ingest";
	uint64_t count = 10000000, flush_every = 0;
	int naive = 0, c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			tmpl_path = optarg;
			break;
		case 'c':
			if (!xs_parse_range(optarg, 1, 1ull << 40, &count))
				xs_die("--count wants a positive number");
			break;
		case 'd':
			db = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'N':
			naive = 1;
			break;
		case 'f':
			if (!xs_parse_range(optarg, 1, 1ull << 40, &flush_every))
				xs_die("--flush-every wants a positive number");
			break;
		default:
			xs_die("usage: ingest-bench --template FILE.xsr --count N --db OUT.db [--name NAME] [--naive]");
		}
	}
	if (!tmpl_path || !db)
		xs_die("usage: ingest-bench --template FILE.xsr --count N --db OUT.db [--name NAME] [--naive]");
	size_t n;
	struct xs_exit_record *tmpl = load_template(tmpl_path, &n);
	if (naive)
		run_naive(tmpl, n, count, db, name);
	else
		run_store(tmpl, n, count, db, name, flush_every);
	free(tmpl);
	return 0;
}
