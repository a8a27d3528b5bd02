// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a database file handed to exitscope (`report`, `runs`, `query`):
 * the store's checks, the migration, the report over every dimension, the reader and the views must fail
 * cleanly or answer, never crash, whatever the file holds (damaged pages, odd values in any column, broken
 * histogram blobs, a schema that is almost ours).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/reader.h"
#include "db/report.h"
#include "db/resultfmt.h"
#include "db/store.h"
#include "tests/fuzz/fuzz_db_files.h"

static char db_path[64];

static void remove_files(void)
{
	fuzz_db_remove(db_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db_path[0]) {
		snprintf(db_path, sizeof(db_path), "/dev/shm/fuzz_db_open.%d.db", (int)getpid());
		atexit(remove_files);
	}
	remove_files();
	FILE *f = fopen(db_path, "wb");
	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	char err[512];
	sqlite3 *db = xs_store_open(db_path, XS_STORE_READ, err, sizeof(err));
	if (!db)
		return 0;
	FILE *devnull = fopen("/dev/null", "w");
	for (int by = 0; by < XS_DIM_COUNT; by++) {
		struct xs_report rep;
		struct xs_report_opts o = {.run_id = by % 2 ? XS_REPORT_ALL : XS_REPORT_LATEST,
					   .by = (enum xs_agg_dim)by,
					   .sort = (enum xs_report_sort)(by % 3)};
		if (xs_report_build(db, &o, &rep, err, sizeof(err)) == 0) {
			xs_report_print_text(devnull, &rep);
			xs_report_print_json(devnull, &rep);
		}
		xs_report_free(&rep);
	}
	struct xs_store_reader *rd = xs_store_reader_open(db, 0, true, err, sizeof(err));
	if (rd) {
		struct xs_exit_record r;
		for (int i = 0; i < 10000 && xs_store_reader_next(rd, &r, NULL) == 1; i++)
			;
		xs_store_reader_close(rd);
	}
	static const char *const sql[] = {
		"SELECT * FROM runs",
		"SELECT * FROM exits LIMIT 200",
		"SELECT * FROM reason_stats",
		"SELECT * FROM top_gpas LIMIT 50",
		"SELECT exit_name(isa, reason), exit_decode(isa, reason, qualification) FROM exits LIMIT 50",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		xs_result_run_sql(devnull, db, sql[i], (enum xs_result_format)(i % 3), err, sizeof(err));
	fclose(devnull);
	xs_store_close(db);
	return 0;
}
