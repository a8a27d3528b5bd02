// SPDX-License-Identifier: MIT
/*
 * exitscope import FILE.xsr... -o DB: load record files into the store, one run per file, with their
 * metadata. A damaged file keeps every record before the damage; the problem is reported and the status is
 * non-zero.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "common/util.h"
#include "common/xsr.h"
#include "db/writer.h"

#define IMPORT_BATCH 4096

static void usage(FILE *out)
{
	fprintf(out, "usage: exitscope import FILE.xsr [FILE.xsr...] -o DB\n\n"
		     "Load record files (written by `record -o x.xsr` or `run -o x.xsr`) into an exitscope store,\n"
		     "created when absent. Each file becomes one run with the file's metadata.\n\n"
		     "  -o, --output DB   the store to write\n");
}

struct import_result {
	int64_t run_id;
	uint64_t records;
	bool damaged;
};

/* Copy one file into a new run. Returns 0, or -1 when the store failed (the message is printed). */
static int import_file(const char *file, const char *db_path, struct import_result *res)
{
	char err[512];
	memset(res, 0, sizeof(*res));
	struct xsr_reader *rd = xsr_open(file, err, sizeof(err));
	if (!rd) {
		xs_err("%s", err);
		res->damaged = true;
		return 0;
	}
	char *abs = realpath(file, NULL);
	/* Import never drops: write() waits for the writer as long as it takes. */
	struct xs_store_sink_opts opts = {.max_wait_ms = -1, .imported_from = abs ? abs : file};
	struct xs_sink *sink = xs_store_sink_open(db_path, &opts, err, sizeof(err));
	free(abs);
	if (!sink) {
		xs_err("%s", err);
		xsr_close(rd);
		return -1;
	}
	struct xs_store_sink_info info;
	xs_store_sink_info(sink, &info);
	res->run_id = info.run_id;

	struct xs_exit_record *batch = xs_malloc(IMPORT_BATCH * sizeof(*batch));
	size_t n = 0;
	struct xsr_item item;
	int rc, sink_rc = 0;
	while ((rc = xsr_next(rd, &item)) > 0 && !sink_rc) {
		switch (item.kind) {
		case XSR_ITEM_RECORD:
			batch[n++] = item.rec;
			res->records++;
			if (n == IMPORT_BATCH) {
				sink_rc = xs_sink_write(sink, batch, n);
				n = 0;
			}
			break;
		case XSR_ITEM_META:
			sink_rc = xs_sink_meta(sink, item.key, item.value);
			break;
		case XSR_ITEM_END:
			sink_rc = xs_sink_metaf(sink, "counter.dropped.recorder", "%llu",
						(unsigned long long)item.end_dropped);
			break;
		}
	}
	if (n && !sink_rc)
		sink_rc = xs_sink_write(sink, batch, n);
	free(batch);

	struct xsr_verdict v;
	if (sink_rc) {
		/* The store failed, not the file: the rest of the file was simply not read. */
		xsr_close(rd);
		struct xs_store_sink_info info;
		xs_store_sink_close_info(sink, &info); /* prints the store's error */
		xs_err("%s: import stopped by the store: %llu records are stored in run %lld (marked failed); the "
		       "%llu read after them and the rest of the file were not imported",
		       file, (unsigned long long)info.committed, (long long)res->run_id,
		       (unsigned long long)(res->records - info.committed));
		return -1;
	}
	if (xsr_verdict(rd, &v)) {
		xs_err("%s: %s", file, v.message);
		res->damaged = true;
		if (v.lost_known && v.lost)
			sink_rc = xs_sink_metaf(sink, "counter.dropped.import", "%llu", (unsigned long long)v.lost);
		else if (!v.lost_known)
			sink_rc = xs_sink_meta(sink, "import.lost_records", "unknown");
		if (!sink_rc)
			sink_rc = xs_sink_meta(sink, "import.problem", v.message);
	}
	xsr_close(rd);
	int close_rc = xs_sink_close(sink); /* prints the store's error, if any */
	return sink_rc || close_rc ? -1 : 0;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *out = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		default:
			usage(stderr);
			return XS_EXIT_USAGE;
		}
	}
	if (!out || optind >= argc) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	int status = XS_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct import_result res;
		if (import_file(argv[i], out, &res))
			return XS_EXIT_FAILURE; /* the store itself failed: later files would fail too */
		if (res.damaged)
			status = XS_EXIT_FAILURE;
		if (res.run_id > 0)
			printf("%s: %llu exits imported as run %lld of %s\n", argv[i], (unsigned long long)res.records,
			       (long long)res.run_id, out);
	}
	return status;
}

XS_COMMAND(import, "load record files (.xsr) into an exitscope database", cmd_import);
