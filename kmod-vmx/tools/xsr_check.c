// SPDX-License-Identifier: MIT
/*
 * xsr-check: verify a record file written by the bare VT-x test kernel over COM1, the way the tests see it.
 *
 *   xsr-check FILE [--min-records N] [--meta KEY]...
 *
 * Checks: the header and every chunk parse, no record is malformed, the END chunk is there and its count
 * matches the records read, every record is a VMX record from the bare-metal source with a guest-state
 * block, and sequence numbers rise, with gaps only as wide as the END chunk's dropped count allows. Prints
 * one summary line; exits 1 with "xsr-check: ..." on the first problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xsr.h"

/* Record number `records` of the bare kernel's file: VMX from bare-vmx, with guest state and TSC, in order. */
static void check_record(const char *path, const struct xs_exit_record *x, uint64_t records, uint64_t last_seq)
{
	if (x->isa != XS_ISA_VMX || x->source != XS_SRC_BARE_VMX)
		xs_die("%s: record %llu has isa %u source %u, want vmx / bare-vmx", path, (unsigned long long)records,
		       x->isa, x->source);
	if (!(x->flags & XS_F_GUEST_STATE) || !(x->flags & XS_F_TS_TSC))
		xs_die("%s: record %llu lacks the guest state or the TSC flag (flags 0x%x)", path,
		       (unsigned long long)records, x->flags);
	if (records && x->seq <= last_seq)
		xs_die("%s: record %llu: sequence %llu after %llu", path, (unsigned long long)records,
		       (unsigned long long)x->seq, (unsigned long long)last_seq);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	uint64_t min_records = 1;
	const char *need_meta[16];
	unsigned int n_need = 0;

	xs_set_progname("xsr-check");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--min-records") && i + 1 < argc) {
			if (!xs_parse_u64(argv[++i], &min_records))
				xs_die("--min-records: '%s' is not a number", argv[i]);
		} else if (!strcmp(argv[i], "--meta") && i + 1 < argc) {
			if (n_need == XS_ARRAY_SIZE(need_meta))
				xs_die("at most %zu --meta options", XS_ARRAY_SIZE(need_meta));
			need_meta[n_need++] = argv[++i];
		} else if (argv[i][0] == '-' || path) {
			xs_die("usage: xsr-check FILE [--min-records N] [--meta KEY]...");
		} else {
			path = argv[i];
		}
	}
	if (!path)
		xs_die("usage: xsr-check FILE [--min-records N] [--meta KEY]...");

	char err[256];
	struct xsr_reader *r = xsr_open(path, err, sizeof(err));
	if (!r)
		xs_die("%s", err);

	struct xsr_item it;
	uint64_t records = 0, metas = 0, end_records = 0, end_dropped = 0, gaps = 0;
	uint64_t last_seq = 0;
	bool seen_meta[16] = {false};
	int rc;
	while ((rc = xsr_next(r, &it)) == 1) {
		if (it.kind == XSR_ITEM_META) {
			metas++;
			for (unsigned int i = 0; i < n_need; i++)
				if (!strcmp(it.key, need_meta[i]))
					seen_meta[i] = true;
		} else if (it.kind == XSR_ITEM_END) {
			end_records = it.end_records;
			end_dropped = it.end_dropped;
		} else {
			check_record(path, &it.rec, records, last_seq);
			if (records)
				gaps += it.rec.seq - last_seq - 1;
			last_seq = it.rec.seq;
			records++;
		}
	}
	if (rc < 0)
		xs_die("%s: %s", path, xsr_error(r) ? xsr_error(r) : "unreadable");
	if (xsr_bad_records(r))
		xs_die("%s: %llu malformed records", path, (unsigned long long)xsr_bad_records(r));
	if (!xsr_complete(r))
		xs_die("%s: no END chunk: the run was cut short", path);
	xsr_close(r);
	if (end_records != records)
		xs_die("%s: END says %llu records, the file holds %llu", path, (unsigned long long)end_records,
		       (unsigned long long)records);
	if (gaps > end_dropped)
		xs_die("%s: sequence numbers skip %llu records but END admits only %llu dropped", path,
		       (unsigned long long)gaps, (unsigned long long)end_dropped);
	if (records < min_records)
		xs_die("%s: %llu records, want at least %llu", path, (unsigned long long)records,
		       (unsigned long long)min_records);
	for (unsigned int i = 0; i < n_need; i++)
		if (!seen_meta[i])
			xs_die("%s: no META %s", path, need_meta[i]);
	printf("%s: %llu records, %llu dropped, %llu meta entries\n", path, (unsigned long long)records,
	       (unsigned long long)end_dropped, (unsigned long long)metas);
	return 0;
}
