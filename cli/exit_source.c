// SPDX-License-Identifier: MIT
#include "cli/exit_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/xsr.h"
#include "db/reader.h"
#include "db/sqlutil.h"
#include "db/store.h"
#include "decoder/decoder.h"

#define META_MAX 64

struct xs_exit_source {
	struct xs_exit_filter f;
	bool reason_isa; /* the reason filter named an ISA */
	uint8_t isa;
	const char *reason_name;
	/* one of */
	sqlite3 *db;
	struct xs_store_reader *rd;
	struct xsr_reader *xsr;
	/* record files: metadata seen so far */
	char *meta_key[META_MAX], *meta_val[META_MAX];
	size_t nmeta;
	/* store: the last looked-up value */
	char meta_buf[256];
	/* the time window is relative to each run's first exit */
	int64_t cur_run;
	uint64_t run_first_ts;
	uint64_t read;
	char title[300];
	char error[256];
};

const char *xs_exit_filter_check_reason(const char *text)
{
	const char *sep = strpbrk(text, ": ");
	if (sep) {
		char isa[16];
		size_t n = (size_t)(sep - text);
		if (n >= sizeof(isa))
			return "unknown ISA before the reason (want vmx, svm, kvm or host)";
		memcpy(isa, text, n);
		isa[n] = 0;
		uint8_t v;
		if (!xs_isa_from_name(isa, &v))
			return "unknown ISA before the reason (want vmx, svm, kvm or host)";
		text = sep + 1;
	}
	if (!*text)
		return "empty reason name";
	return NULL;
}

static void set_reason(struct xs_exit_source *s)
{
	const char *text = s->f.reason;
	if (!text)
		return;
	const char *sep = strpbrk(text, ": ");
	if (sep) {
		char isa[16];
		size_t n = (size_t)(sep - text);
		memcpy(isa, text, n);
		isa[n] = 0;
		s->reason_isa = xs_isa_from_name(isa, &s->isa);
		text = sep + 1;
	}
	s->reason_name = text;
}

static bool reason_matches(const struct xs_exit_source *s, const struct xs_exit_record *r)
{
	if (!s->reason_name)
		return true;
	if (s->reason_isa && r->isa != s->isa)
		return false;
	const char *name = xs_reason_name(r->isa, r->reason);
	if (name)
		return !strcasecmp(name, s->reason_name);
	uint64_t v;
	return xs_parse_u64(s->reason_name, &v) && v == r->reason;
}

static bool is_record_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char magic[8];
	bool yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) && !memcmp(magic, XSR_MAGIC, 8);
	fclose(f);
	return yes;
}

static void remember_meta(struct xs_exit_source *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->nmeta; i++) {
		if (!strcmp(s->meta_key[i], key)) {
			free(s->meta_val[i]);
			s->meta_val[i] = xs_strdup(value);
			return;
		}
	}
	if (s->nmeta < META_MAX && (!strncmp(key, "run.", 4))) {
		s->meta_key[s->nmeta] = xs_strdup(key);
		s->meta_val[s->nmeta++] = xs_strdup(value);
	}
}

/* Record files carry their metadata before the records: read it first, so symbols are known up front. */
static int preload_meta(struct xs_exit_source *s, const char *path, char *err, size_t errlen)
{
	struct xsr_reader *r = xsr_open(path, err, errlen);
	if (!r)
		return -1;
	struct xsr_item it;
	int rc;
	while ((rc = xsr_next(r, &it)) > 0 && it.kind == XSR_ITEM_META)
		remember_meta(s, it.key, it.value);
	xsr_close(r);
	return 0;
}

struct xs_exit_source *xs_exit_source_open(const char *path, const struct xs_exit_filter *f, bool with_state, char *err,
					   size_t errlen)
{
	struct xs_exit_source *s = xs_calloc(1, sizeof(*s));
	s->f = *f;
	s->cur_run = -1;
	set_reason(s);
	if (is_record_file(path)) {
		if (f->run_id > 0) {
			snprintf(err, errlen, "%s: a record file holds one run: --run does not apply", path);
			free(s);
			return NULL;
		}
		if (preload_meta(s, path, err, errlen) || !(s->xsr = xsr_open(path, err, errlen))) {
			xs_exit_source_close(s);
			return NULL;
		}
		snprintf(s->title, sizeof(s->title), "%s", path);
		return s;
	}
	s->db = xs_store_open(path, XS_STORE_READ, err, errlen);
	if (!s->db) {
		free(s);
		return NULL;
	}
	int64_t run = f->run_id;
	if (run == XS_SRC_RUN_LATEST) {
		if (xs_sql_int(s->db, "SELECT coalesce(max(run_id), 0) FROM runs", &run, err, errlen))
			goto fail;
		if (!run) {
			snprintf(err, errlen, "%s: no runs in this store yet", path);
			goto fail;
		}
	} else if (run > 0) {
		int64_t n;
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE run_id = %lld", (long long)run);
		if (xs_sql_int(s->db, sql, &n, err, errlen))
			goto fail;
		if (!n) {
			snprintf(err, errlen, "%s: no run %lld in this store (see exitscope runs)", path,
				 (long long)run);
			goto fail;
		}
	}
	s->f.run_id = run;
	s->rd = xs_store_reader_open(s->db, run > 0 ? run : 0, with_state, err, errlen);
	if (!s->rd)
		goto fail;
	if (run > 0)
		snprintf(s->title, sizeof(s->title), "run %lld of %s", (long long)run, path);
	else
		snprintf(s->title, sizeof(s->title), "all runs of %s", path);
	return s;
fail:
	xs_exit_source_close(s);
	return NULL;
}

static int next_raw(struct xs_exit_source *s, struct xs_exit_record *r, int64_t *run_id)
{
	if (s->rd) {
		int rc = xs_store_reader_next(s->rd, r, run_id);
		if (rc < 0)
			snprintf(s->error, sizeof(s->error), "%s", xs_store_reader_error(s->rd));
		return rc;
	}
	struct xsr_item it;
	int rc;
	while ((rc = xsr_next(s->xsr, &it)) > 0) {
		if (it.kind == XSR_ITEM_META) {
			remember_meta(s, it.key, it.value);
		} else if (it.kind == XSR_ITEM_RECORD) {
			*r = it.rec;
			*run_id = 1;
			return 1;
		}
	}
	if (rc < 0)
		snprintf(s->error, sizeof(s->error), "%s", xsr_error(s->xsr));
	return rc;
}

int xs_exit_source_next(struct xs_exit_source *s, struct xs_exit_record *r, int64_t *run_id)
{
	int rc;
	while ((rc = next_raw(s, r, run_id)) > 0) {
		s->read++;
		if (*run_id != s->cur_run) {
			s->cur_run = *run_id;
			s->run_first_ts = r->ts;
		}
		if (s->f.by_vcpu && r->vcpu != s->f.vcpu)
			continue;
		if (!reason_matches(s, r))
			continue;
		if (s->f.from_s > 0 || s->f.to_s >= 0) {
			double t = r->ts >= s->run_first_ts ? (double)(r->ts - s->run_first_ts) / 1e9 : 0;
			if (t < s->f.from_s || (s->f.to_s >= 0 && t > s->f.to_s))
				continue;
		}
		return 1;
	}
	return rc;
}

const char *xs_exit_source_error(const struct xs_exit_source *s)
{
	return s->error[0] ? s->error : "unknown error";
}

const char *xs_exit_source_meta(struct xs_exit_source *s, int64_t run_id, const char *key)
{
	if (!s->db) {
		for (size_t i = 0; i < s->nmeta; i++)
			if (!strcmp(s->meta_key[i], key))
				return s->meta_val[i];
		return NULL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM run_meta WHERE run_id = ? AND key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	const char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(s->meta_buf, sizeof(s->meta_buf), "%s", (const char *)sqlite3_column_text(st, 0));
		out = s->meta_buf;
	}
	sqlite3_finalize(st);
	return out;
}

const char *xs_exit_source_title(const struct xs_exit_source *s)
{
	return s->title;
}

uint64_t xs_exit_source_read(const struct xs_exit_source *s)
{
	return s->read;
}

void xs_exit_source_close(struct xs_exit_source *s)
{
	if (!s)
		return;
	if (s->rd)
		xs_store_reader_close(s->rd);
	if (s->db)
		xs_store_close(s->db);
	if (s->xsr)
		xsr_close(s->xsr);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta_key[i]);
		free(s->meta_val[i]);
	}
	free(s);
}
