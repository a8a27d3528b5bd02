// SPDX-License-Identifier: MIT
/* Replaying one run of an exitscope database: the reader behind `exitscope top --replay DB`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/reader.h"
#include "db/sqlutil.h"
#include "db/store.h"
#include "tui/replay.h"

struct db_replay {
	sqlite3 *db;
	struct xs_store_reader *reader;
	sqlite3_stmt *meta; /* the run's metadata rows, handed over before its exits */
	char key[128], value[512];
};

static enum tui_replay_item db_next_item(void *ctx, struct xs_exit_record *rec, const char **key, const char **value,
					 char *err, size_t errlen)
{
	struct db_replay *x = ctx;
	if (x->meta) {
		int rc = sqlite3_step(x->meta);
		if (rc == SQLITE_ROW) {
			const unsigned char *k = sqlite3_column_text(x->meta, 0), *v = sqlite3_column_text(x->meta, 1);
			snprintf(x->key, sizeof(x->key), "%s", k ? (const char *)k : "");
			snprintf(x->value, sizeof(x->value), "%s", v ? (const char *)v : "");
			*key = x->key;
			*value = x->value;
			return TUI_REPLAY_META;
		}
		sqlite3_finalize(x->meta);
		x->meta = NULL;
		if (rc != SQLITE_DONE) {
			snprintf(err, errlen, "reading the run's metadata: %s", xs_sql_errmsg(x->db, rc));
			return TUI_REPLAY_ERROR;
		}
	}
	int rc = xs_store_reader_next(x->reader, rec, NULL);
	if (rc < 0) {
		snprintf(err, errlen, "%s", xs_store_reader_error(x->reader));
		return TUI_REPLAY_ERROR;
	}
	return rc ? TUI_REPLAY_RECORD : TUI_REPLAY_END;
}

static void db_close_reader(void *ctx)
{
	struct db_replay *x = ctx;
	sqlite3_finalize(x->meta);
	xs_store_reader_close(x->reader);
	xs_store_close(x->db);
	free(x);
}

bool tui_replay_db_reader(const char *path, int64_t *run_id, struct tui_replay_reader *out, char *err, size_t errlen)
{
	char why[512];
	struct db_replay *x = xs_calloc(1, sizeof(*x));
	x->db = xs_store_open(path, XS_STORE_READ, err, errlen);
	if (!x->db)
		goto fail;
	int64_t id = *run_id, found = 0;
	if (!id && xs_sql_int(x->db, "SELECT coalesce(max(run_id), 0) FROM runs", &id, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE run_id = %lld", (long long)id);
	if (xs_sql_int(x->db, sql, &found, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	if (!found) {
		if (*run_id)
			snprintf(err, errlen, "%s has no run %lld (exitscope runs %s lists them)", path,
				 (long long)*run_id, path);
		else
			snprintf(err, errlen, "%s holds no runs yet", path);
		goto fail;
	}
	if (xs_sql_prepare(x->db, "SELECT key, value FROM run_meta WHERE run_id = ?1 ORDER BY key", &x->meta, why,
			   sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	sqlite3_bind_int64(x->meta, 1, id);
	x->reader = xs_store_reader_open(x->db, id, true, why, sizeof(why));
	if (!x->reader) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	*run_id = id;
	out->next = db_next_item;
	out->close = db_close_reader;
	out->ctx = x;
	return true;
fail:
	sqlite3_finalize(x->meta);
	if (x->db)
		xs_store_close(x->db);
	free(x);
	return false;
}
