// SPDX-License-Identifier: MIT
/* Shipping a store's exits to ClickHouse, resumable and exactly once (fleet/ship.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "db/sqlutil.h"
#include "db/store.h"
#include "decoder/decoder.h"
#include "exitscope/record.h"
#include "fleet/clickhouse.h"
#include "fleet/clickhouse_reply.h"
#include "fleet/ship.h"

/* The table, in column order: the INSERTs send every column in this order, and a table found with other
 * columns is refused. */
static const struct column {
	const char *name, *type;
} columns[] = {
	{"day", "Date"},		    /* partition: the exit's UTC day */
	{"time", "DateTime('UTC')"},	    /* the exit's wall time (the run's start + its offset in the run) */
	{"ts_ns", "UInt64"},		    /* the exit's time on the recording host's clock (ns) */
	{"host", "String"},		    /* the recording host */
	{"run_id", "UInt64"},		    /* the run in that host's store ... */
	{"run_created", "String"},	    /* ... and when it was created there: together, one run */
	{"exit_id", "UInt64"},		    /* the exit's id in the store: the order of shipping */
	{"seq", "UInt64"},		    /* the producer's sequence number (gaps: loss) */
	{"kernel", "String"},		    /* the recording host's kernel release */
	{"vm", "String"},		    /* the VM's name where known (run.guest) */
	{"pid", "UInt32"},		    /* the VM process */
	{"tid", "UInt32"},		    /* its vCPU thread */
	{"vcpu", "UInt32"},		    /* vCPU id */
	{"cpu", "UInt32"},		    /* host CPU */
	{"isa", "String"},		    /* vmx, svm, kvm, host */
	{"reason", "UInt32"},		    /* the raw exit reason */
	{"reason_name", "String"},	    /* its name (the decoder's) */
	{"source", "String"},		    /* launcher, bpf, perf, ... */
	{"flags", "UInt16"},		    /* XS_F_* (docs/record-format.md) */
	{"qualification", "UInt64"},	    /* exit qualification / EXITINFO1 */
	{"info2", "UInt64"},		    /* EXITINFO2 / IDT-vectoring info */
	{"rip", "Nullable(UInt64)"},	    /* guest RIP */
	{"guest_phys", "Nullable(UInt64)"}, /* guest-physical address (EPT/NPF) */
	{"latency_ns", "Nullable(UInt64)"}, /* exit to the next entry */
	{"run_ns", "Nullable(UInt64)"},	    /* launcher: time in KVM_RUN */
	{"handler_ns", "Nullable(UInt64)"}, /* launcher: time in our handler */
	{"complete", "UInt8"},		    /* always 1: a row cut short in transit fails to parse (see below) */
};
#define NCOLS XS_ARRAY_SIZE(columns)

void xs_ship_create_sql(char *buf, size_t len, const char *table)
{
	size_t o = (size_t)snprintf(buf, len, "CREATE TABLE IF NOT EXISTS %s (", table);
	for (size_t i = 0; i < NCOLS && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s %s", i ? ", " : "", columns[i].name, columns[i].type);
	if (o < len)
		snprintf(buf + o, len - o,
			 ") ENGINE = MergeTree PARTITION BY day ORDER BY (host, isa, reason, time, exit_id)");
}

/* ---- a growable text buffer for the batch ---- */

struct tbuf {
	char *p;
	size_t len, cap;
};

static void tb_reserve(struct tbuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	while (b->len + more > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1 << 20;
	b->p = xs_realloc(b->p, b->cap);
}

static void tb_u64(struct tbuf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	tb_reserve(b, (size_t)n + 1);
	while (n)
		b->p[b->len++] = tmp[--n];
}

static void tb_ch(struct tbuf *b, char c)
{
	tb_reserve(b, 1);
	b->p[b->len++] = c;
}

/* A TabSeparated string field. */
static void tb_str(struct tbuf *b, const char *s)
{
	tb_reserve(b, 2 * strlen(s) + 1);
	for (; *s; s++) {
		switch (*s) {
		case '\t':
			b->p[b->len++] = '\\', b->p[b->len++] = 't';
			break;
		case '\n':
			b->p[b->len++] = '\\', b->p[b->len++] = 'n';
			break;
		case '\\':
			b->p[b->len++] = '\\', b->p[b->len++] = '\\';
			break;
		default:
			b->p[b->len++] = *s;
		}
	}
}

/* A nullable integer column of SQLite as a TabSeparated field (\N for NULL; SQLite's signed 64 bits read
 * back as the unsigned value they stored). */
static void tb_nullable(struct tbuf *b, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		tb_reserve(b, 2);
		b->p[b->len++] = '\\', b->p[b->len++] = 'N';
	} else {
		tb_u64(b, (uint64_t)sqlite3_column_int64(st, col));
	}
}

/* ---- runs ---- */

struct run {
	int64_t id;
	char created[40], host[256], kernel[128], vm[128];
	time_t wall0;	   /* the run's start, wall clock */
	uint64_t first_ts; /* its first exit's ts */
};

static time_t parse_utc(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = s && *s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	return end ? timegm(&tm) : 0;
}

static void text_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static int load_runs(sqlite3 *db, const char *host, struct run **out, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (xs_sql_prepare(db,
			   "SELECT r.run_id, r.created_at, coalesce(r.started_at, ''), coalesce(r.host, ''),"
			   " coalesce(r.kernel, ''), coalesce(r.guest, (SELECT value FROM run_meta m WHERE m.run_id ="
			   " r.run_id AND m.key = 'run.guest'), ''), coalesce(r.first_ts, 0) FROM runs r"
			   " ORDER BY r.run_id",
			   &st, err, errlen))
		return -1;
	size_t cap = 8;
	struct run *runs = xs_calloc(cap, sizeof(*runs));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			runs = xs_realloc(runs, (cap *= 2) * sizeof(*runs));
		struct run *r = &runs[(*n)++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		text_col(st, 1, r->created, sizeof(r->created));
		char started[40];
		text_col(st, 2, started, sizeof(started));
		r->wall0 = parse_utc(started[0] ? started : r->created);
		text_col(st, 3, r->host, sizeof(r->host));
		if (host)
			snprintf(r->host, sizeof(r->host), "%s", host);
		else if (!r->host[0] && gethostname(r->host, sizeof(r->host) - 1))
			snprintf(r->host, sizeof(r->host), "unknown");
		text_col(st, 4, r->kernel, sizeof(r->kernel));
		text_col(st, 5, r->vm, sizeof(r->vm));
		r->first_ts = (uint64_t)sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading the store's runs: %s", xs_sql_errmsg(db, rc));
		free(runs);
		return -1;
	}
	*out = runs;
	return 0;
}

/* ---- the sidecar: what ClickHouse acknowledged, per destination and run ---- */

struct sidecar {
	char *path;
	int fd; /* held with an exclusive flock while shipping */
	char *text;
};

static int sidecar_open(struct sidecar *s, const char *store, char *err, size_t errlen)
{
	s->path = xs_asprintf("%s.shipped", store);
	/* The lock lives in its own file: the sidecar itself is replaced by rename after every batch. */
	char *lock = xs_asprintf("%s.lock", s->path);
	s->fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	free(lock);
	if (flock(s->fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "%s: another ship of this store is running", store);
		return -1;
	}
	s->text = xs_strdup("");
	FILE *f = fopen(s->path, "r");
	if (f) {
		char line[1024];
		size_t len = 0;
		while (fgets(line, sizeof(line), f)) {
			s->text = xs_realloc(s->text, len + strlen(line) + 1);
			memcpy(s->text + len, line, strlen(line) + 1);
			len += strlen(line);
		}
		fclose(f);
	}
	return 0;
}

/* Replace the line of (dest, run) and write the file anew (a temporary file renamed over it). */
static int sidecar_record(struct sidecar *s, const char *dest, const struct run *r, uint64_t last_id, uint64_t rows,
			  char *err, size_t errlen)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s\t%lld\t%s\t", dest, (long long)r->id, r->created);
	size_t cap = strlen(s->text) + sizeof(key) + 64, o = 0;
	char *out = xs_malloc(cap);
	for (const char *p = s->text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, key, strlen(key))) {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	o += (size_t)snprintf(out + o, cap - o, "%s%llu\t%llu\n", key, (unsigned long long)last_id,
			      (unsigned long long)rows);
	free(s->text);
	s->text = out;
	char *tmp = xs_asprintf("%s.tmp", s->path);
	FILE *f = fopen(tmp, "w");
	int ok =
		f &&
		fputs("# exitscope ship: URL table\trun_id\trun_created\tlast_exit_id\texits_acknowledged\n", f) >= 0 &&
		fputs(s->text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f && fclose(f))
		ok = 0;
	if (ok && rename(tmp, s->path))
		ok = 0;
	if (!ok)
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
	free(tmp);
	return ok ? 0 : -1;
}

static void sidecar_close(struct sidecar *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->text);
}

/* ---- ClickHouse side ---- */

static int check_table(struct xs_ch *ch, const char *table, long timeout, char *err, size_t errlen)
{
	struct xs_ch_reply rep;
	const char *dot = strchr(table, '.');
	char sql[4096], dbname[128];
	snprintf(dbname, sizeof(dbname), "%.*s", (int)(dot - table), table);
	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", dbname);
	if (xs_ch_query(ch, sql, NULL, NULL, 0, 0, timeout, &rep, err, errlen))
		return -1;
	xs_ship_create_sql(sql, sizeof(sql), table);
	if (xs_ch_query(ch, sql, NULL, NULL, 0, 0, timeout, &rep, err, errlen))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT name, type FROM system.columns WHERE database = ");
	xs_ch_quote(sql, sizeof(sql), dbname);
	strcat(sql, " AND table = ");
	xs_ch_quote(sql, sizeof(sql), dot + 1);
	strcat(sql, " FORMAT TabSeparated");
	if (xs_ch_query(ch, sql, NULL, NULL, 0, 0, timeout, &rep, err, errlen))
		return -1;
	size_t rows = xs_ch_tsv_rows(rep.body, rep.len);
	for (size_t i = 0; i < NCOLS || i < rows; i++) {
		char name[128] = "", type[128] = "";
		bool have = i < rows && xs_ch_tsv_field(rep.body, rep.len, i, 0, name, sizeof(name)) &&
			    xs_ch_tsv_field(rep.body, rep.len, i, 1, type, sizeof(type));
		if (i < NCOLS && have && !strcmp(name, columns[i].name) && !strcmp(type, columns[i].type))
			continue;
		if (i >= NCOLS)
			snprintf(err, errlen, "table %s has another schema: an extra column %s %s (docs/fleet.md)",
				 table, name, type);
		else if (!have)
			snprintf(err, errlen,
				 "table %s has another schema: column %zu should be %s %s, it has %zu columns", table,
				 i + 1, columns[i].name, columns[i].type, rows);
		else
			snprintf(err, errlen, "table %s has another schema: column %zu is %s %s, expected %s %s", table,
				 i + 1, name, type, columns[i].name, columns[i].type);
		return -1;
	}
	return 0;
}

/* The query-id prefix of this host's inserts. */
static void id_prefix(char *buf, size_t len, const char *host)
{
	snprintf(buf, len, "exitscope-ship-%s-", host);
}

/* Wait until no insert of an earlier ship of this host still runs on the server (a killed ship's last batch
 * is committed or refused when the server has read to its end). */
static int wait_quiet(struct xs_ch *ch, const char *host, long timeout, char *err, size_t errlen)
{
	char prefix[400], sql[1024];
	id_prefix(prefix, sizeof(prefix), host);
	snprintf(sql, sizeof(sql),
		 "SELECT count() FROM system.processes WHERE substring(query_id, 1, %zu) = ", strlen(prefix));
	xs_ch_quote(sql, sizeof(sql), prefix);
	strcat(sql, " FORMAT TabSeparated");
	for (int i = 0; i < 600; i++) {
		struct xs_ch_reply rep;
		uint64_t n;
		if (xs_ch_query(ch, sql, NULL, NULL, 0, 0, timeout, &rep, err, errlen))
			return -1;
		if (!xs_ch_tsv_u64(rep.body, rep.len, 0, 0, &n)) {
			snprintf(err, errlen, "ClickHouse's answer to a count is not a number: '%.40s'", rep.body);
			return -1;
		}
		if (!n)
			return 0;
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "an earlier insert of host %s still runs on the server after 60 s; try again later",
		 host);
	return -1;
}

static void run_filter(char *sql, size_t len, const struct run *r)
{
	strcat(sql, " WHERE host = ");
	xs_ch_quote(sql, len, r->host);
	snprintf(sql + strlen(sql), len - strlen(sql), " AND run_id = %lld AND run_created = ", (long long)r->id);
	xs_ch_quote(sql, len, r->created);
}

/* What ClickHouse holds of run r: its count and greatest exit id. */
static int remote_state(struct xs_ch *ch, const char *table, const struct run *r, long timeout, uint64_t *count,
			uint64_t *max_id, char *err, size_t errlen)
{
	char sql[2048];
	snprintf(sql, sizeof(sql), "SELECT count(), max(exit_id) FROM %s", table);
	run_filter(sql, sizeof(sql), r);
	strcat(sql, " FORMAT TabSeparated");
	struct xs_ch_reply rep;
	if (xs_ch_query(ch, sql, NULL, NULL, 0, 0, timeout, &rep, err, errlen))
		return -1;
	if (!xs_ch_tsv_u64(rep.body, rep.len, 0, 0, count) || !xs_ch_tsv_u64(rep.body, rep.len, 0, 1, max_id)) {
		snprintf(err, errlen, "ClickHouse's answer to a count is not two numbers: '%.60s'", rep.body);
		return -1;
	}
	if (!*count)
		*max_id = 0;
	return 0;
}

/* ---- shipping ---- */

struct shipper {
	const struct xs_ship_opts *o;
	sqlite3 *db;
	struct xs_ch *ch;
	struct sidecar side;
	sqlite3_stmt *rows, *count_upto;
	struct tbuf buf;
	char dest[1024];
	struct xs_ship_result *res;
	/* Runs reconciled with the server in this call, and what it holds of each since: exact, because this
	 * process is the only one shipping the store (the lock) and stops at its first failed batch. With
	 * --follow, a later look at a run asks the store only, not the server. */
	struct known_run {
		int64_t id;
		char created[40];
		uint64_t shipped, after;
	} * known;
	size_t nknown;
};

static struct known_run *known_run(struct shipper *s, const struct run *r)
{
	for (size_t i = 0; i < s->nknown; i++)
		if (s->known[i].id == r->id && !strcmp(s->known[i].created, r->created))
			return &s->known[i];
	return NULL;
}

static int local_count_upto(struct shipper *s, const struct run *r, uint64_t max_id, uint64_t *n, char *err,
			    size_t errlen)
{
	sqlite3_reset(s->count_upto);
	sqlite3_bind_int64(s->count_upto, 1, r->id);
	sqlite3_bind_int64(s->count_upto, 2, (int64_t)max_id);
	int rc = sqlite3_step(s->count_upto);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "counting run %lld's exits: %s", (long long)r->id, xs_sql_errmsg(s->db, rc));
		return -1;
	}
	*n = (uint64_t)sqlite3_column_int64(s->count_upto, 0);
	return 0;
}

/* Format the next batch of run r after exit `after`; returns its rows (0 at the end), -1 on error. */
static int64_t format_batch(struct shipper *s, const struct run *r, uint64_t after, uint64_t limit, uint64_t *last_id,
			    char *err, size_t errlen)
{
	sqlite3_stmt *st = s->rows;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, (int64_t)after);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	s->buf.len = 0;
	int64_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tbuf *b = &s->buf;
		uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
		uint64_t ts = (uint64_t)sqlite3_column_int64(st, 2);
		unsigned int isa = (unsigned int)sqlite3_column_int(st, 7);
		uint32_t reason = (uint32_t)sqlite3_column_int64(st, 8);
		unsigned int flags = (unsigned int)sqlite3_column_int(st, 10);
		time_t wall = r->wall0;
		if (!(flags & XS_F_TS_TSC) && ts >= r->first_ts)
			wall += (time_t)((ts - r->first_ts) / 1000000000ull);
		struct tm tm;
		gmtime_r(&wall, &tm);
		char when[64];
		int wn = snprintf(when, sizeof(when), "%04d-%02d-%02d\t%04d-%02d-%02d %02d:%02d:%02d\t",
				  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900, tm.tm_mon + 1,
				  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		tb_reserve(b, (size_t)wn);
		memcpy(b->p + b->len, when, (size_t)wn);
		b->len += (size_t)wn;
		tb_u64(b, ts), tb_ch(b, '\t');
		tb_str(b, r->host), tb_ch(b, '\t');
		tb_u64(b, (uint64_t)r->id), tb_ch(b, '\t');
		tb_str(b, r->created), tb_ch(b, '\t');
		tb_u64(b, id), tb_ch(b, '\t');
		tb_u64(b, (uint64_t)sqlite3_column_int64(st, 1)), tb_ch(b, '\t'); /* seq */
		tb_str(b, r->kernel), tb_ch(b, '\t');
		tb_str(b, r->vm), tb_ch(b, '\t');
		for (int c = 3; c <= 6; c++) /* pid, tid, vcpu, cpu */
			tb_u64(b, (uint32_t)sqlite3_column_int64(st, c)), tb_ch(b, '\t');
		tb_str(b, xs_isa_name(isa)), tb_ch(b, '\t');
		tb_u64(b, reason), tb_ch(b, '\t');
		const char *name = xs_reason_name(isa, reason);
		if (name)
			tb_str(b, name);
		else
			tb_u64(b, reason);
		tb_ch(b, '\t');
		tb_str(b, xs_source_name((unsigned int)sqlite3_column_int(st, 9))), tb_ch(b, '\t');
		tb_u64(b, flags & 0xffffu), tb_ch(b, '\t');
		tb_u64(b, (uint64_t)sqlite3_column_int64(st, 11)), tb_ch(b, '\t'); /* qualification (NULL: 0) */
		tb_u64(b, (uint64_t)sqlite3_column_int64(st, 12)), tb_ch(b, '\t'); /* info2 */
		for (int c = 13; c <= 17; c++) { /* rip, guest_phys, latency_ns, run_ns, handler_ns */
			tb_nullable(b, st, c);
			tb_ch(b, '\t');
		}
		/* ClickHouse takes a body's last row without its newline: a plain body cut inside the last value
		 * ("12" of "1234") would land as a row with a wrong value. A one-digit last column makes any cut
		 * inside a row a parse error, which refuses the whole INSERT. (A gzip body cut short is refused too.)
		 */
		tb_ch(b, '1');
		tb_ch(b, '\n');
		*last_id = id;
		n++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading run %lld's exits: %s", (long long)r->id, xs_sql_errmsg(s->db, rc));
		return -1;
	}
	return n;
}

static void progress(const struct shipper *s, const char *fmt, ...) XS_PRINTF(2, 3);
static void progress(const struct shipper *s, const char *fmt, ...)
{
	if (s->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ship: ", xs_progname());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Ship what run r has beyond what ClickHouse holds. */
/*
 * A run seen the first time in this session: what ClickHouse already holds of it (the count must equal the
 * store's own count up to the same exit, or someone else wrote there), remembered as a known run.
 */
static struct known_run *first_look(struct shipper *s, const struct run *r, char *err, size_t errlen)
{
	const struct xs_ship_opts *o = s->o;
	uint64_t count, max_id, local;
	if (remote_state(s->ch, o->table, r, o->timeout_s, &count, &max_id, err, errlen))
		return NULL;
	if (count && local_count_upto(s, r, max_id, &local, err, errlen))
		return NULL;
	if (count && local != count) {
		snprintf(
			err, errlen,
			"%s holds %llu exits of run %lld (host %s) up to exit %llu, the store %llu: rows were added or "
			"removed by someone else; refusing to ship into it",
			o->table, (unsigned long long)count, (long long)r->id, r->host, (unsigned long long)max_id,
			(unsigned long long)local);
		return NULL;
	}
	s->known = xs_realloc(s->known, (s->nknown + 1) * sizeof(*s->known));
	struct known_run *k = &s->known[s->nknown++];
	k->id = r->id;
	snprintf(k->created, sizeof(k->created), "%s", r->created);
	k->shipped = count;
	k->after = max_id;
	s->res->rows_present += count;
	if (count)
		progress(s, "run %lld: ClickHouse already holds %llu exits (up to exit %llu); sending the rest",
			 (long long)r->id, (unsigned long long)count, (unsigned long long)max_id);
	return k;
}

static int ship_run(struct shipper *s, const struct run *r, char *err, size_t errlen)
{
	const struct xs_ship_opts *o = s->o;
	struct known_run *k = known_run(s, r);
	bool first = !k;
	if (first && !(k = first_look(s, r, err, errlen)))
		return -1;
	uint64_t count = k->shipped, max_id = k->after;
	uint64_t shipped = count, after = max_id;
	for (;;) {
		if (o->stop && atomic_load(o->stop))
			return 0;
		uint64_t limit = o->batch_rows;
		if (o->max_rows) {
			if (s->res->rows_sent >= o->max_rows)
				return 0;
			if (limit > o->max_rows - s->res->rows_sent)
				limit = o->max_rows - s->res->rows_sent;
		}
		uint64_t last = after;
		int64_t n = format_batch(s, r, after, limit, &last, err, errlen);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		char sql[512], qid[600], prefix[400];
		snprintf(sql, sizeof(sql), "INSERT INTO %s FORMAT TabSeparated", o->table);
		id_prefix(prefix, sizeof(prefix), r->host);
		snprintf(qid, sizeof(qid), "%s%lld-%llu", prefix, (long long)r->id, (unsigned long long)after + 1);
		struct xs_ch_reply rep;
		char why[512];
		if (xs_ch_query(s->ch, sql, qid, s->buf.p, s->buf.len, !o->no_gzip, o->timeout_s, &rep, why,
				sizeof(why))) {
			snprintf(err, errlen,
				 "%s; run %lld: %llu exits acknowledged before this batch, the local store is "
				 "unchanged: "
				 "re-run to send the rest",
				 why, (long long)r->id, (unsigned long long)shipped);
			return -1;
		}
		shipped += (uint64_t)n;
		s->res->rows_sent += (uint64_t)n;
		after = last;
		k->shipped = shipped;
		k->after = after;
		if (sidecar_record(&s->side, s->dest, r, after, shipped, err, errlen))
			return -1;
	}
	if (shipped > count || first)
		progress(s, "run %lld: %llu exits in ClickHouse (%llu sent now)", (long long)r->id,
			 (unsigned long long)shipped, (unsigned long long)(shipped - count));
	if (shipped != count && sidecar_record(&s->side, s->dest, r, after, shipped, err, errlen))
		return -1;
	return 0;
}

static bool table_name_ok(const char *t)
{
	const char *dot = strchr(t, '.');
	if (!dot || dot == t || !dot[1] || strchr(dot + 1, '.'))
		return false;
	for (const char *p = t; *p; p++)
		if (p != dot &&
		    !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* The server is ClickHouse and the table fits; the sidecar and the store's statements are ready. */
static int prepare_shipping(struct shipper *s, char *err, size_t errlen)
{
	const struct xs_ship_opts *o = s->o;
	struct xs_ch_reply rep;
	if (xs_ch_query(s->ch, "SELECT version() FORMAT TabSeparated", NULL, NULL, 0, 0, o->timeout_s, &rep, err,
			errlen))
		return -1;
	if (rep.len < 2 || rep.body[0] < '0' || rep.body[0] > '9' || !strchr(rep.body, '.')) {
		char line[200];
		xs_ch_error_line(rep.body, rep.len, line, sizeof(line));
		snprintf(err, errlen, "%s does not answer like ClickHouse's HTTP interface (version() gave '%s')",
			 o->url, line);
		return -1;
	}
	if (check_table(s->ch, o->table, o->timeout_s, err, errlen) || sidecar_open(&s->side, o->store, err, errlen))
		return -1;
	if (xs_sql_prepare(s->db,
			   "SELECT id, seq, ts_ns, pid, tid, vcpu, cpu, isa, reason, source, flags, qualification,"
			   " info2, rip, guest_phys, latency_ns, run_ns, handler_ns FROM exits"
			   " WHERE run_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
			   &s->rows, err, errlen) ||
	    xs_sql_prepare(s->db, "SELECT count(*) FROM exits WHERE run_id = ?1 AND id <= ?2", &s->count_upto, err,
			   errlen))
		return -1;
	return 0;
}

int xs_ship(const struct xs_ship_opts *o, struct xs_ship_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	uint64_t t0 = xs_now_ns();
	struct shipper s = {.o = o, .res = res, .side = {.fd = -1}};
	int rc = -1;
	struct run *runs = NULL;
	size_t nruns = 0;
	if (!table_name_ok(o->table)) {
		snprintf(err, errlen, "--table '%s': give DATABASE.TABLE (letters, digits, _)", o->table);
		return -1;
	}
	s.ch = xs_ch_open(o->url, err, errlen);
	if (!s.ch)
		return -1;
	s.db = xs_store_open(o->store, XS_STORE_READ, err, errlen);
	if (!s.db)
		goto out;
	snprintf(s.dest, sizeof(s.dest), "%s %s", o->url, o->table);
	if (prepare_shipping(&s, err, errlen))
		goto out;
	bool first_pass = true;
	for (;;) {
		free(runs);
		runs = NULL;
		if (load_runs(s.db, o->host, &runs, &nruns, err, errlen))
			goto out;
		for (size_t i = 0; i < nruns; i++) {
			if (o->stop && atomic_load(o->stop))
				break;
			if (first_pass && (!i || strcmp(runs[i].host, runs[i - 1].host)) &&
			    wait_quiet(s.ch, runs[i].host, o->timeout_s, err, errlen))
				goto out;
			if (ship_run(&s, &runs[i], err, errlen))
				goto out;
		}
		if (first_pass)
			res->runs = nruns;
		first_pass = false;
		if (!o->follow || (o->stop && atomic_load(o->stop)) || (o->max_rows && res->rows_sent >= o->max_rows))
			break;
		for (double t = 0; t < o->poll_s && !(o->stop && atomic_load(o->stop)); t += 0.1) {
			struct timespec ts = {0, 100000000};
			nanosleep(&ts, NULL);
		}
		if (o->stop && atomic_load(o->stop))
			break;
	}
	rc = 0;
out:
	if (s.ch) {
		struct xs_ch_wire w;
		xs_ch_wire(s.ch, &w);
		res->requests = w.requests;
		res->bytes_sent = w.sent;
		res->bytes_received = w.received;
	}
	res->seconds = (double)(xs_now_ns() - t0) / 1e9;
	free(runs);
	free(s.known);
	free(s.buf.p);
	sqlite3_finalize(s.rows);
	sqlite3_finalize(s.count_upto);
	sidecar_close(&s.side);
	if (s.db)
		xs_store_close(s.db);
	xs_ch_close(s.ch);
	return rc;
}
