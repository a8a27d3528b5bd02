/* SPDX-License-Identifier: MIT */
/*
 * Record files (.xsr): exit records and run metadata on disk, for producers that run without the store and
 * for moving histories between machines. Layout (all little-endian; docs/record-format.md has the details):
 *
 *   header  32 bytes: "XSRECORD", format version, header size, record version, core size, full size
 *   chunk   u32 type, u32 payload length, payload; repeated:
 *             XSR_CHUNK_RECORDS  records back to back, each as long as its own `size` field says
 *             XSR_CHUNK_META     key NUL value NUL
 *             XSR_CHUNK_END      u64 records written, u64 records dropped by the producer; last chunk
 *
 * A file cut short (a crash, a full disk) keeps every complete chunk; the reader says where it stopped.
 */
#ifndef EXITSCOPE_XSR_H
#define EXITSCOPE_XSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"
#include "common/sink.h"

#define XSR_MAGIC "XSRECORD"
#define XSR_FORMAT_VERSION 1
#define XSR_HEADER_SIZE 32
#define XSR_CHUNK_RECORDS 1
#define XSR_CHUNK_META 2
#define XSR_CHUNK_END 3
#define XSR_MAX_CHUNK (16u << 20)

/* A sink that writes a record file at `path` (created or truncated). NULL with a message in err on failure. */
struct xs_sink *xsr_sink_open(const char *path, char *err, size_t errlen);

/*
 * Check one record as read from outside (a file, a ring, a socket): version, size, enums in range.
 * `avail` is how many bytes are there. Returns NULL if it is good, else what is wrong.
 */
const char *xs_record_check(const void *buf, size_t avail);

enum xsr_item_kind { XSR_ITEM_RECORD = 1, XSR_ITEM_META, XSR_ITEM_END };

struct xsr_item {
	enum xsr_item_kind kind;
	struct xs_exit_record rec;	   /* XSR_ITEM_RECORD: gs zeroed when the record has none */
	const char *key, *value;	   /* XSR_ITEM_META: valid until the next call */
	uint64_t end_records, end_dropped; /* XSR_ITEM_END */
};

struct xsr_reader;

/*
 * Open a file (read with pread, never mapped: a file that shrinks while read is an error, not a SIGBUS), or a
 * buffer in memory (not copied: keep it alive). NULL with a message in err on failure.
 */
struct xsr_reader *xsr_open(const char *path, char *err, size_t errlen);
struct xsr_reader *xsr_open_mem(const void *buf, size_t len, char *err, size_t errlen);

/*
 * The next item: 1 and *item filled; 0 at the end of the data; -1 on damage that stops reading (the message is
 * in xsr_error()). A bad record inside a chunk is counted and skipped, not fatal.
 */
int xsr_next(struct xsr_reader *r, struct xsr_item *item);

const char *xsr_error(const struct xsr_reader *r);    /* last problem seen, or NULL */
uint64_t xsr_bad_records(const struct xsr_reader *r); /* places where a bad record made the reader skip */
bool xsr_complete(const struct xsr_reader *r);	      /* an END chunk was seen */

/*
 * What a reader of the whole file concludes (after xsr_next returned 0 or -1): every reader of record files
 * (import, top --replay) gives this one verdict for the same file. Records lost are counted exactly when the
 * END chunk says how many were written; otherwise lost_known is false and the message says it is unknown
 * (bytes skipped after a bad record hold records of varying sizes: their number is never guessed).
 */
struct xsr_verdict {
	bool damaged;
	bool lost_known;
	uint64_t lost; /* records written but not read; valid when lost_known */
	char message[512];
};
/* True (and *v filled) when the file was damaged or cut short. */
bool xsr_verdict(const struct xsr_reader *r, struct xsr_verdict *v);
void xsr_close(struct xsr_reader *r);

#endif
