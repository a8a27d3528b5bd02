// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a record file imported into the store, the way `exitscope import`
 * does it. Every record the reader accepts must come back from the database exactly as it went in (the
 * reader, the shapes, the segments, the detail blobs, the guest state), and nothing may crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xsr.h"
#include "db/guest_state.h"
#include "db/reader.h"
#include "db/store.h"
#include "db/store_sink.h"

#define MAX_RECORDS 4096

static char db_path[64];

static void cleanup(void)
{
	char p[80];
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_exit_record recs[MAX_RECORDS];
	if (!db_path[0]) {
		snprintf(db_path, sizeof(db_path), "/dev/shm/fuzz_db_import.%d.db", (int)getpid());
		atexit(cleanup);
	}
	char err[256];
	struct xsr_reader *rd = xsr_open_mem(data, size, err, sizeof(err));
	if (!rd)
		return 0;
	struct xs_store_sink_opts opts = {.max_wait_ms = -1, .queue_records = 64, .batch_records = 50};
	struct xs_sink *sink = xs_store_sink_open(db_path, &opts, err, sizeof(err));
	if (!sink) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	struct xs_store_sink_info info;
	xs_store_sink_info(sink, &info);
	size_t n = 0;
	struct xsr_item item;
	while (n < MAX_RECORDS && xsr_next(rd, &item) == 1) {
		if (item.kind == XSR_ITEM_RECORD) {
			recs[n] = item.rec;
			if (xs_sink_write(sink, &recs[n], 1))
				abort();
			n++;
		} else if (item.kind == XSR_ITEM_META) {
			xs_sink_meta(sink, item.key, item.value);
		}
	}
	xsr_close(rd);
	if (xs_sink_close(sink))
		abort();

	sqlite3 *db = xs_store_open(db_path, XS_STORE_READ, err, sizeof(err));
	if (!db)
		abort();
	struct xs_store_reader *sr = xs_store_reader_open(db, info.run_id, true, err, sizeof(err));
	if (!sr)
		abort();
	struct xs_exit_record back;
	for (size_t i = 0; i < n; i++) {
		if (xs_store_reader_next(sr, &back, NULL) != 1)
			abort();
		struct xs_exit_record want = recs[i];
		if (!(want.flags & XS_F_GUEST_STATE))
			memset(&want.gs, 0, sizeof(want.gs));
		/* A field whose flag is clear is "not known" and stored as nothing: it comes back zero. */
		if (!(want.flags & XS_F_RIP))
			want.guest_rip = 0;
		if (!(want.flags & XS_F_LATENCY))
			want.latency_ns = 0;
		if (!(want.flags & XS_F_GUEST_PHYS))
			want.guest_phys = 0;
		if (!(want.flags & XS_F_GUEST_LINEAR))
			want.guest_linear = 0;
		if (!(want.flags & XS_F_RUN_TIMES))
			want.run_ns = want.handler_ns = 0;
		memset(want.reserved0, 0, sizeof(want.reserved0)); /* reserved bytes are not kept */
		if (want.flags & XS_F_GUEST_STATE) {
			/* Registers whose valid bit is clear were not read: stored as NULL, back as zero. */
			const struct xs_gs_column *cols;
			size_t nc = xs_gs_columns(&cols);
			for (size_t c = 0; c < nc; c++)
				if (!(want.gs.valid & cols[c].valid_bit))
					xs_gs_set(&want.gs, &cols[c], 0);
			want.gs.reserved = 0;
		}
		if (memcmp(&back, &want, sizeof(want))) {
			fprintf(stderr, "record %zu differs after the round trip\n", i);
			abort();
		}
	}
	if (xs_store_reader_next(sr, &back, NULL) != 0)
		abort();
	xs_store_reader_close(sr);
	xs_store_close(db);
	/* A fresh database now and then keeps it small. */
	if (info.run_id > 200)
		cleanup();
	return 0;
}
