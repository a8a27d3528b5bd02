// SPDX-License-Identifier: MIT
/*
 * exitscope import FILE.xsr... -o DB [--again]: load record files into the store, one run per file, with
 * their metadata. A damaged file keeps every record before the damage; the problem is reported and the status
 * is non-zero. A file whose content is already in the store (same SHA-256) is refused unless --again.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli/command.h"
#include "cli/output.h"
#include "common/util.h"
#include "common/xsr.h"
#include "db/runs.h"
#include "db/store.h"
#include "db/store_sink.h"

#define IMPORT_BATCH 4096

static void usage(FILE *out)
{
	fprintf(out, "usage: exitscope import FILE.xsr [FILE.xsr...] -o DB [--again]\n\n"
		     "Load record files (written by `record -o x.xsr` or `run -o x.xsr`) into an exitscope store,\n"
		     "created when absent. Each file becomes one run with the file's metadata. A file whose\n"
		     "content the store already holds is refused: --again imports it once more.\n\n"
		     "  -o, --output DB   the store to write (an SQLite file, not a .xsr name)\n"
		     "      --again       import files the store already holds\n");
}

struct import_result {
	int64_t run_id;
	uint64_t records;
	bool damaged;
};

/* The file's SHA-256 in hex: the identity that tells a second import of the same recording. */
static int file_sha256(const char *path, char hex[65], char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(err, errlen, "%s: cannot start a SHA-256 digest", path);
		EVP_MD_CTX_free(ctx);
		close(fd);
		return -1;
	}
	static unsigned char buf[1 << 20];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
			EVP_MD_CTX_free(ctx);
			close(fd);
			return -1;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	close(fd);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The run of the store that already holds this content (not a failed one), or 0. */
static int64_t already_imported(const char *db_path, const char *sha)
{
	if (access(db_path, F_OK))
		return 0;
	char err[512];
	sqlite3 *db = xs_store_open(db_path, XS_STORE_READ, err, sizeof(err));
	if (!db)
		return 0; /* an empty or foreign file: the sink's open says what is wrong with it */
	int64_t run = xs_run_by_meta(db, "import.sha256", sha);
	xs_store_close(db);
	return run > 0 ? run : 0;
}

/* Copy one file into a new run. Returns 0, or -1 when the store failed (the message is printed). */
/*
 * Hand every item of the file to the sink; the first store error (sink_rc if there was one already). After a
 * store error the file is still read to its end and handed over: the failed sink counts every record it could
 * not store, so the run's `dropped` is exactly the file's records minus those stored.
 */
static int copy_items(struct xsr_reader *rd, struct xs_sink *sink, struct import_result *res, int sink_rc)
{
	struct xs_exit_record *batch = xs_malloc(IMPORT_BATCH * sizeof(*batch));
	size_t n = 0;
	struct xsr_item item;
	while (xsr_next(rd, &item) > 0) {
		int w = 0;
		switch (item.kind) {
		case XSR_ITEM_RECORD:
			batch[n++] = item.rec;
			res->records++;
			if (n == IMPORT_BATCH) {
				w = xs_sink_write(sink, batch, n);
				n = 0;
			}
			break;
		case XSR_ITEM_META:
			w = xs_sink_meta(sink, item.key, item.value);
			break;
		case XSR_ITEM_END:
			w = xs_sink_metaf(sink, "counter.dropped.recorder", "%llu",
					  (unsigned long long)item.end_dropped);
			break;
		}
		if (w && !sink_rc)
			sink_rc = w;
	}
	if (n) {
		int w = xs_sink_write(sink, batch, n);
		if (w && !sink_rc)
			sink_rc = w;
	}
	free(batch);
	return sink_rc;
}

/* A damaged file: say so and record what was lost in the run's metadata; the first store error, as above. */
static int note_damage(struct xsr_reader *rd, struct xs_sink *sink, const char *file, struct import_result *res,
		       int sink_rc)
{
	struct xsr_verdict v;
	if (!xsr_verdict(rd, &v))
		return sink_rc;
	xs_err("%s: %s", file, v.message);
	res->damaged = true;
	if (!sink_rc && v.lost_known && v.lost)
		sink_rc = xs_sink_metaf(sink, "counter.dropped.import", "%llu", (unsigned long long)v.lost);
	else if (!sink_rc && !v.lost_known)
		sink_rc = xs_sink_meta(sink, "import.lost_records", "unknown");
	if (!sink_rc)
		sink_rc = xs_sink_meta(sink, "import.problem", v.message);
	return sink_rc;
}

static int import_file(const char *file, const char *db_path, bool again, struct import_result *res)
{
	char err[512], sha[65] = "";
	memset(res, 0, sizeof(*res));
	struct xsr_reader *rd = xsr_open(file, err, sizeof(err));
	if (!rd || file_sha256(file, sha, err, sizeof(err))) {
		xs_err("%s", err);
		xsr_close(rd);
		res->damaged = true;
		return 0;
	}
	int64_t before = again ? 0 : already_imported(db_path, sha);
	if (before) {
		xs_err("%s: already imported as run %lld of %s (same content, SHA-256 %.16s...): --again imports it "
		       "once more",
		       file, (long long)before, db_path, sha);
		xsr_close(rd);
		res->damaged = true;
		return 0;
	}
	char *abs = realpath(file, NULL);
	/* Import never drops: write() waits for the writer as long as it takes. */
	struct xs_store_sink_opts opts = {.max_wait_ms = -1, .imported_from = abs ? abs : file};
	struct xs_sink *sink = xs_store_sink_open(db_path, &opts, err, sizeof(err));
	free(abs);
	if (!sink) {
		xs_err("%s: not imported: %s", file, err);
		xsr_close(rd);
		return -1;
	}
	struct xs_store_sink_info info;
	xs_store_sink_info(sink, &info);
	res->run_id = info.run_id;
	int sink_rc = xs_sink_meta(sink, "import.sha256", sha);

	sink_rc = copy_items(rd, sink, res, sink_rc);
	sink_rc = note_damage(rd, sink, file, res, sink_rc);
	xsr_close(rd);
	int close_rc = xs_store_sink_close_info(sink, &info);
	if (sink_rc || close_rc) {
		/* The store failed, not the file: say what was stored and what was not. */
		xs_err("%s: the store %s failed: %s; %llu of the file's %llu records are stored in run %lld, %s", file,
		       db_path, info.error[0] ? info.error : "write error", (unsigned long long)info.committed,
		       (unsigned long long)res->records, (long long)res->run_id,
		       info.state_written ? "marked failed (the others are counted as dropped)"
					  : "which shows as incomplete (no room left to mark it failed)");
		return -1;
	}
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	enum { OPT_AGAIN = 256 };
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"again", no_argument, NULL, OPT_AGAIN},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *out = NULL;
	bool again = false;
	int c;
	optind = 1; /* argv[0] is the command, as in every subcommand */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_AGAIN:
			again = true;
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
	if (!*out) {
		xs_err("import: -o wants the path of a store, not an empty string");
		return XS_EXIT_USAGE;
	}
	if (xs_output_is_record_file(out)) {
		xs_err("import: -o %s: import writes an SQLite store, and a .xsr name is for record files (give a "
		       ".db name)",
		       out);
		return XS_EXIT_USAGE;
	}
	int status = XS_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct import_result res;
		if (import_file(argv[i], out, again, &res))
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
