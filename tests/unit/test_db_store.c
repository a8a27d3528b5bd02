// SPDX-License-Identifier: MIT
/*
 * Unit tests for the store: records written through the sink come back exactly (reader and views), the
 * aggregates match the rows, every view and SQL function answers, the schema migrates from version 1, and bad
 * files are refused with a clear message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/aggstore.h"
#include "db/reader.h"
#include "db/report.h"
#include "db/schema.h"
#include "db/store.h"
#include "db/store_sink.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xs-db-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Exit i of a test run: a mix of reasons and details, four vCPUs of two VMs, a guest-state block every 7th
 * exit, a gap in seq (loss) after 500, one jump in time past the 2 s segment window, two exits out of order.
 */
static void make_record(uint64_t i, struct xs_exit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->version = XS_RECORD_VERSION;
	r->isa = XS_ISA_VMX;
	r->source = XS_SRC_SYNTHETIC;
	r->seq = i < 500 ? i : i + 40;
	if (i == 800)
		r->seq = 841 + 1; /* 800 and 801 swapped */
	if (i == 801)
		r->seq = 840 + 1;
	r->ts = 5000000000ull + i * 1000 + (i >= 1500 ? 3000000000ull : 0);
	r->vcpu = (uint32_t)(i % 4);
	r->pid = 100 + (uint32_t)(i % 2);
	r->tid = 1000 + (uint32_t)(i % 4);
	r->cpu = (uint32_t)(i % 3);
	r->flags = XS_F_LATENCY | XS_F_RIP;
	r->latency_ns = 500 + (i * 7919) % 20000;
	r->guest_rip = 0xffffffff81000000ull + i * 3;
	switch (i % 6) {
	case 0:
		r->reason = 30;
		r->qualification = i % 12 == 0 ? (0x71u << 16 | 8) : 0x3f80000;
		r->detail_kind = XS_D_IO;
		r->detail.io.port = i % 12 == 0 ? 0x71 : 0x3f8;
		r->detail.io.size = 1;
		r->detail.io.direction = i % 12 == 0 ? XS_IO_IN : XS_IO_OUT;
		r->detail.io.count = 1;
		r->detail.io.value = i & 0xff;
		break;
	case 1:
		r->reason = 32;
		r->detail_kind = XS_D_MSR;
		r->detail.msr.index = i % 5 ? 0x6e0 : 0xc0000080u;
		r->detail.msr.is_write = 1;
		r->detail.msr.value = i * 1000;
		break;
	case 2:
		r->reason = 48;
		r->qualification = 0x182;
		r->flags |= XS_F_GUEST_PHYS;
		r->guest_phys = 0xfee00000ull + (i % 8) * 0x10;
		break;
	case 3:
		r->reason = 1;
		r->flags |= XS_F_INTR_INFO;
		r->intr_info = 0x800000ecu;
		break;
	case 4:
		/* #PF exits: a different qualification each time, so they end up inline in the rows. */
		r->reason = 0;
		r->flags |= XS_F_INTR_INFO | XS_F_GUEST_LINEAR;
		r->intr_info = 0x80000b0eu;
		r->error_code = 2;
		r->qualification = 0x7f0000001000ull + i * 0x1000;
		r->guest_linear = r->qualification;
		break;
	default:
		r->reason = 18;
		r->flags &= (uint16_t)~XS_F_LATENCY;
		r->latency_ns = 0;
		r->flags |= XS_F_RUN_TIMES;
		r->run_ns = i * 11;
		r->handler_ns = i * 13;
		r->detail_kind = XS_D_HYPERCALL;
		r->detail.hypercall.nr = 5;
		r->detail.hypercall.args[0] = i;
		break;
	}
	if (i % 7 == 0) {
		r->flags |= XS_F_GUEST_STATE;
		r->gs.valid = XS_GS_GPRS | XS_GS_RIP | XS_GS_CR3 | XS_GS_SEG_SEL;
		for (int g = 0; g < XS_GPR_COUNT; g++)
			r->gs.gpr[g] = i * 100 + (uint64_t)g;
		r->gs.rip = r->guest_rip;
		r->gs.cr3 = 0x1000 * i;
		r->gs.seg_sel[XS_SEG_CS] = 0x10;
	}
	r->size = (uint16_t)xs_record_wire_size(r);
}

#define N_RECORDS 3000

/* Write the test run through the real sink, in small writes; returns the run id. */
static int64_t write_run(const char *db_path, uint64_t n)
{
	char err[256];
	struct xs_store_sink_opts opts = {.max_wait_ms = -1, .queue_records = 256, .batch_records = 700};
	struct xs_sink *s = xs_store_sink_open(db_path, &opts, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(xs_sink_meta(s, "run.source", "synthetic"), 0);
	assert_int_equal(xs_sink_meta(s, "run.host", "testhost"), 0);
	assert_int_equal(xs_sink_meta(s, "control.exit.hlt", "off"), 0);
	assert_int_equal(xs_sink_meta(s, "unsupported.exit.mwait", "EINVAL"), 0);
	assert_int_equal(xs_sink_meta(s, "counter.dropped.ring", "7"), 0);
	struct xs_exit_record batch[13];
	for (uint64_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < 13 && i < n; k++, i++)
			make_record(i, &batch[k]);
		assert_int_equal(xs_sink_write(s, batch, k), 0);
		if (i % 1000 < 13)
			assert_int_equal(xs_sink_flush(s), 0);
	}
	assert_int_equal(xs_sink_meta(s, "run.host", "testhost2"), 0); /* a later value replaces */
	struct xs_store_sink_info info;
	assert_int_equal(xs_store_sink_close_info(s, &info), 0);
	assert_int_equal(info.committed, n);
	assert_int_equal(info.dropped, 0);
	return info.run_id;
}

static sqlite3 *open_db(void)
{
	char err[256];
	sqlite3 *db = xs_store_open(path, XS_STORE_READ, err, sizeof(err));
	if (!db)
		fail_msg("%s", err);
	return db;
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *s = strdup(t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	return s;
}

static void test_round_trip(void **state)
{
	(void)state;
	int64_t run = write_run(path, N_RECORDS);
	assert_int_equal(run, 1);
	sqlite3 *db = open_db();
	struct xs_store_reader *rd = xs_store_reader_open(db, run, true, NULL, 0);
	assert_non_null(rd);
	struct xs_exit_record want, got;
	int64_t got_run;
	for (uint64_t i = 0; i < N_RECORDS; i++) {
		assert_int_equal(xs_store_reader_next(rd, &got, &got_run), 1);
		make_record(i, &want);
		assert_int_equal(got_run, run);
		if (!(want.flags & XS_F_GUEST_STATE))
			memset(&want.gs, 0, sizeof(want.gs));
		if (memcmp(&got, &want, sizeof(want)))
			fail_msg("exit %llu differs after the round trip (seq %llu/%llu ts %llu/%llu)",
				 (unsigned long long)i, (unsigned long long)got.seq, (unsigned long long)want.seq,
				 (unsigned long long)got.ts, (unsigned long long)want.ts);
	}
	assert_int_equal(xs_store_reader_next(rd, &got, NULL), 0);
	xs_store_reader_close(rd);

	/* The view shows the same values the records hold. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM exits"), N_RECORDS);
	assert_int_equal(q_int(db, "SELECT count(*) FROM exits WHERE seq BETWEEN 500 AND 539"), 0);
	assert_int_equal(q_int(db, "SELECT seq FROM exits WHERE id = 801"), 842);
	assert_int_equal(q_int(db, "SELECT ts_ns FROM exits WHERE id = 2000"), 5000000000 + 1999 * 1000 + 3000000000);
	assert_int_equal(q_int(db, "SELECT count(*) FROM exits WHERE reason = 30 AND io_port = 1016"),
			 N_RECORDS / 6 - N_RECORDS / 12);
	assert_int_equal(q_int(db, "SELECT qualification FROM exits WHERE id = 5"), 0x7f0000001000ll + 4 * 0x1000);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT qualification) FROM exits WHERE reason = 0"), N_RECORDS / 6);
	assert_int_equal(q_int(db, "SELECT flags FROM exits WHERE id = 4"), XS_F_LATENCY | XS_F_RIP | XS_F_INTR_INFO);
	assert_int_equal(q_int(db, "SELECT intr_info FROM exits WHERE id = 4"), 0x800000ec);
	assert_int_equal(q_int(db, "SELECT guest_phys FROM exits WHERE id = 3"), 0xfee00020);
	assert_int_equal(q_int(db, "SELECT rip FROM exits WHERE id = 3"), (int64_t)(0xffffffff81000000ull + 6));
	assert_int_equal(q_int(db, "SELECT handler_ns FROM exits WHERE id = 6"), 5 * 13);
	assert_int_equal(q_int(db, "SELECT latency_ns IS NULL FROM exits WHERE id = 6"), 1);
	assert_int_equal(q_int(db, "SELECT msr FROM exits WHERE id = 26"), 0xc0000080);
	assert_int_equal(q_int(db, "SELECT guest_linear FROM exits_full WHERE id = 5"), 0x7f0000001000ll + 4 * 0x1000);
	assert_int_equal(q_int(db, "SELECT count(*) FROM guest_state"), (N_RECORDS + 6) / 7);
	assert_int_equal(q_int(db, "SELECT cr3 FROM guest_state WHERE id = 15"), 0x1000 * 14);
	assert_int_equal(q_int(db, "SELECT rdx FROM guest_state WHERE id = 8"), 702);
	assert_int_equal(q_int(db, "SELECT count(*) FROM guest_state WHERE cr0 IS NOT NULL"), 0);
	/* Rows stay small: the repeated part lives in shapes, the thread and time bases in segments. */
	assert_true(q_int(db, "SELECT count(*) FROM shapes") < 120);
	assert_true(q_int(db, "SELECT count(*) FROM segments") <= 8 * 3);
	xs_store_close(db);
}

static void test_runs_and_metadata(void **state)
{
	(void)state;
	write_run(path, 100);
	write_run(path, 50);
	sqlite3 *db = open_db();
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(q_int(db, "SELECT exits FROM runs WHERE run_id = 2"), 50);
	assert_int_equal(q_int(db, "SELECT count(*) FROM exits WHERE run_id = 2"), 50);
	char *s = q_text(db, "SELECT host || ' ' || source || ' ' || state FROM runs WHERE run_id = 1");
	assert_string_equal(s, "testhost2 synthetic complete");
	free(s);
	/* dropped sums the producer's counters and the store's own (0 here). */
	assert_int_equal(q_int(db, "SELECT dropped FROM runs WHERE run_id = 1"), 7);
	assert_int_equal(q_int(db, "SELECT unsupported FROM runs WHERE run_id = 1"), 1);
	s = q_text(db, "SELECT control || '=' || value FROM run_controls WHERE run_id = 2");
	assert_string_equal(s, "exit.hlt=off");
	free(s);
	s = q_text(db, "SELECT control || '=' || value FROM run_unsupported WHERE run_id = 2");
	assert_string_equal(s, "exit.mwait=EINVAL");
	free(s);
	assert_int_equal(q_int(db, "SELECT value FROM run_counters WHERE run_id = 1 AND counter = 'dropped.store'"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM vcpus WHERE run_id = 1"), 4);
	xs_store_close(db);
}

/* The aggregates kept at ingest agree with the rows, view by view. */
static void test_views_match_rows(void **state)
{
	(void)state;
	write_run(path, N_RECORDS);
	sqlite3 *db = open_db();
	assert_int_equal(q_int(db, "SELECT count(*) FROM (SELECT isa, reason, count(*) n FROM exits GROUP BY 1, 2)"
				   " x JOIN agg a ON a.dim = 'reason' AND a.k1 = x.isa AND a.k2 = x.reason AND"
				   " a.count = x.n"),
			 6);
	assert_int_equal(q_int(db, "SELECT sum(count) FROM reason_stats"), N_RECORDS);
	assert_int_equal(q_int(db, "SELECT count FROM reason_stats WHERE name = 'IO_INSTRUCTION'"), N_RECORDS / 6);
	assert_int_equal(q_int(db, "SELECT lat_max FROM reason_stats WHERE reason = 32"),
			 q_int(db, "SELECT max(latency_ns) FROM exits WHERE reason = 32"));
	assert_int_equal(q_int(db, "SELECT lat_min FROM reason_stats WHERE reason = 48"),
			 q_int(db, "SELECT min(latency_ns) FROM exits WHERE reason = 48"));
	assert_int_equal(q_int(db, "SELECT round(lat_mean) FROM reason_stats WHERE reason = 1"),
			 q_int(db, "SELECT round(avg(latency_ns)) FROM exits WHERE reason = 1"));
	assert_true(q_int(db, "SELECT abs(sum(time_share) - 1.0) < 1e-5 FROM reason_stats"));
	assert_int_equal(q_int(db, "SELECT count(*) FROM vcpu_stats"), 4);
	assert_int_equal(q_int(db, "SELECT count FROM vcpu_stats WHERE vcpu = 1 AND pid = 101"), N_RECORDS / 4);
	assert_int_equal(q_int(db, "SELECT sum(count) FROM exits_per_second"), N_RECORDS);
	assert_int_equal(q_int(db, "SELECT max(second) FROM exits_per_second"), 3);
	assert_int_equal(q_int(db, "SELECT count FROM top_io_ports WHERE port = 1016"), N_RECORDS / 6 - N_RECORDS / 12);
	assert_int_equal(q_int(db, "SELECT count FROM top_io_ports WHERE port = 113"), N_RECORDS / 12);
	assert_int_equal(q_int(db, "SELECT msr FROM top_msrs LIMIT 1"), 0x6e0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM top_gpas"), 4); /* i = 2 mod 6 is even: 4 of 8 */
	assert_int_equal(q_int(db, "SELECT sum(count) FROM top_gpas"), N_RECORDS / 6);
	assert_int_equal(q_int(db, "SELECT latency_ns FROM slowest_exits LIMIT 1"),
			 q_int(db, "SELECT max(latency_ns) FROM exits"));
	assert_int_equal(q_int(db, "SELECT count(*) FROM slowest_exits"), 100);
	/* Names come from the decoder, not from a second table typed by hand. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM reason_names WHERE name IS NOT NULL AND"
				   " name != exit_name(isa, reason)"),
			 0);
	assert_true(q_int(db, "SELECT count(*) FROM reason_names WHERE isa = 2") > 100);
	xs_store_close(db);
}

static void test_report(void **state)
{
	(void)state;
	write_run(path, N_RECORDS);
	sqlite3 *db = open_db();
	char err[256];
	struct xs_report rep;
	struct xs_report_opts o = {.run_id = XS_REPORT_LATEST, .by = XS_DIM_REASON, .sort = XS_SORT_COUNT};
	assert_int_equal(xs_report_build(db, &o, &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.exits, N_RECORDS);
	assert_int_equal(rep.nrows, 6);
	assert_int_equal(rep.grouped.count, N_RECORDS);
	assert_false(rep.scanned);
	xs_report_free(&rep);
	o.by = XS_DIM_PORT;
	o.sort = XS_SORT_MAX;
	assert_int_equal(xs_report_build(db, &o, &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.nrows, 2);
	assert_true(rep.rows[0].stats.lat_max >= rep.rows[1].stats.lat_max);
	assert_int_equal(rep.grouped.count, N_RECORDS / 6);
	xs_report_free(&rep);
	o.run_id = 9;
	assert_int_not_equal(xs_report_build(db, &o, &rep, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no run 9"));
	xs_store_close(db);
}

/* More distinct GPAs than the aggregate keeps: the view and the report scan, and agree. */
static void test_gpa_overflow(void **state)
{
	(void)state;
	char err[256];
	struct xs_store_sink_opts opts = {.max_wait_ms = -1};
	struct xs_sink *s = xs_store_sink_open(path, &opts, err, sizeof(err));
	assert_non_null(s);
	uint64_t n = XS_AGG_DETAIL_CAP + 500;
	for (uint64_t i = 0; i < n; i++) {
		struct xs_exit_record r;
		make_record(2, &r);
		r.seq = i;
		r.guest_phys = 0x100000 + i * 0x1000;
		r.flags &= (uint16_t)~XS_F_GUEST_STATE;
		assert_int_equal(xs_sink_write(s, &r, 1), 0);
	}
	assert_int_equal(xs_sink_close(s), 0);
	sqlite3 *db = open_db();
	char *inc = q_text(db, "SELECT agg_incomplete FROM runs");
	assert_string_equal(inc, "gpa");
	free(inc);
	assert_int_equal(q_int(db, "SELECT count(*) FROM agg WHERE dim = 'gpa'"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM top_gpas"), (int64_t)n);
	struct xs_report rep;
	struct xs_report_opts o = {.run_id = 1, .by = XS_DIM_GPA};
	assert_int_equal(xs_report_build(db, &o, &rep, err, sizeof(err)), 0);
	assert_true(rep.scanned);
	assert_int_equal(rep.nrows, n);
	assert_int_equal(rep.grouped.count, n);
	xs_report_free(&rep);
	xs_store_close(db);
}

static void test_sql_functions(void **state)
{
	(void)state;
	write_run(path, 12);
	sqlite3 *db = open_db();
	char *s =
		q_text(db, "SELECT exit_name(1, 30) || ' ' || exit_name('svm', 0x7b) || ' ' || exit_name('kvm', 2)"
			   " || ' ' || exit_name('vmx', 0x80000021) || ' ' || exit_isa(2) || ' ' || exit_isa('host')");
	assert_string_equal(s, "IO_INSTRUCTION IOIO IO INVALID_STATE svm host");
	free(s);
	assert_int_equal(q_int(db, "SELECT exit_field('vmx', 30, 0x3f80008, 'port')"), 0x3f8);
	assert_int_equal(q_int(db, "SELECT exit_field(1, 30, 0x3f80008, 'direction')"), 1);
	s = q_text(db, "SELECT exit_field('vmx', 30, 0x3f80008, 'direction_name')");
	assert_string_equal(s, "IN");
	free(s);
	s = q_text(db, "SELECT exit_field('vmx', 28, 3, 'access_type_name')");
	assert_string_equal(s, "MOV_TO_CR");
	free(s);
	assert_int_equal(q_int(db, "SELECT exit_field('vmx', 30, 0, 'no_such_field') IS NULL"), 1);
	assert_int_equal(q_int(db, "SELECT exit_name('arm', 1) IS NULL AND exit_name(NULL, 1) IS NULL AND"
				   " exit_name(1, 35) IS NULL AND exit_name(9, 1) IS NULL"),
			 1);
	s = q_text(db, "SELECT exit_decode('vmx', 30, 0x3f80008)");
	assert_non_null(strstr(s, "\"port\":1016"));
	free(s);
	assert_int_equal(q_int(db, "SELECT json_extract(exit_decode('vmx', 28, 3), '$.cr')"), 3);
	assert_int_equal(q_int(db, "SELECT json_valid(exit_decode(isa, reason, qualification, info2, intr_info))"
				   " FROM exits WHERE id = 4"),
			 1);
	/* On stored exits: the port decoded from the qualification matches the I/O detail. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM exits WHERE reason = 30 AND"
				   " exit_field(isa, reason, qualification, 'port') != io_port"),
			 0);
	xs_store_close(db);
}

/* A version-1 database (exits, no aggregates) migrates: the aggregates are computed from its rows. */
static void test_migration_from_v1(void **state)
{
	(void)state;
	write_run(path, N_RECORDS);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *before = NULL;
	{
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db,
						    "SELECT group_concat(dim || k1 || ':' || k2 || '=' || count ||"
						    "'/' || lat_sum || '/' || lat_max || '/' || hex(hist), ';')"
						    " FROM (SELECT * FROM agg ORDER BY dim, k1, k2)",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		before = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	/* Take the file back to what version 1 wrote. */
	char err[256];
	assert_int_equal(
		sqlite3_exec(db,
			     "DROP VIEW exits_full; DROP VIEW reason_stats; DROP VIEW vcpu_stats;"
			     "DROP VIEW exits_per_second; DROP VIEW top_io_ports; DROP VIEW top_msrs;"
			     "DROP VIEW top_gpas; DROP VIEW io_port_stats; DROP VIEW msr_stats; DROP VIEW gpa_stats;"
			     "DROP VIEW slowest_exits; DROP VIEW exits; DROP VIEW vcpus; DROP VIEW run_controls;"
			     "DROP VIEW run_unsupported; DROP VIEW run_counters;"
			     "DROP TABLE agg; DROP TABLE agg_seconds; ALTER TABLE runs DROP COLUMN agg_incomplete;"
			     "ALTER TABLE runs DROP COLUMN time_unit;"
			     "PRAGMA user_version = 1;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	db = xs_store_open(path, XS_STORE_WRITE, err, sizeof(err));
	if (!db)
		fail_msg("%s", err);
	assert_int_equal(xs_schema_version(db, err, sizeof(err)), XS_DB_SCHEMA_VERSION);
	char *after =
		q_text(db, "SELECT group_concat(dim || k1 || ':' || k2 || '=' || count || '/' || lat_sum || '/' ||"
			   " lat_max || '/' || hex(hist), ';') FROM (SELECT * FROM agg ORDER BY dim, k1, k2)");
	assert_string_equal(after, before);
	assert_int_equal(q_int(db, "SELECT sum(count) FROM reason_stats"), N_RECORDS);
	free(before);
	free(after);
	xs_store_close(db);
}

static void expect_open_error(enum xs_store_mode mode, const char *want)
{
	char err[512] = "";
	sqlite3 *db = xs_store_open(path, mode, err, sizeof(err));
	if (db) {
		xs_store_close(db);
		fail_msg("opening %s succeeded; expected \"%s\"", path, want);
	}
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	assert_non_null(strstr(err, path));
}

static void write_file(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_open_error(XS_STORE_READ, "No such file");

	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 31 + 7);
	write_file(path, junk, sizeof(junk));
	expect_open_error(XS_STORE_READ, "not an SQLite database");
	expect_open_error(XS_STORE_CREATE, "not an SQLite database");

	/* A valid SQLite file of somebody else's. */
	unlink(path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_error(XS_STORE_CREATE, "not an exitscope store");

	/* Ours, but from a newer exitscope. */
	unlink(path);
	write_run(path, 3);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_error(XS_STORE_READ, "schema version 99 is newer");
	char err[256];
	assert_null(xs_store_sink_open(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));

	/* An empty file is not a store to read, but may become one. */
	unlink(path);
	write_file(path, "", 0);
	expect_open_error(XS_STORE_READ, "empty file");
	db = xs_store_open(path, XS_STORE_WRITE, err, sizeof(err));
	assert_non_null(db);
	xs_store_close(db);

	/* A directory. */
	char saved[128];
	snprintf(saved, sizeof(saved), "%s", path);
	snprintf(path, sizeof(path), "%s", dir);
	expect_open_error(XS_STORE_READ, "not a regular file");
	snprintf(path, sizeof(path), "%s", saved);
}

static void test_sink_after_close_of_db_error(void **state)
{
	(void)state;
	/* A store that cannot be written at all refuses at open, naming the file. */
	char err[256];
	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", dir);
	assert_null(xs_store_sink_open(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/no/such/dir/x.db"));
	snprintf(path, sizeof(path), "%s/t.db", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_and_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views_match_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpa_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_after_close_of_db_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
