// SPDX-License-Identifier: MIT
#include "common/xsr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* The on-disk integers are little-endian; so is every host exitscope runs on. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "record files are little-endian");

struct file_header {
	char magic[8];
	uint32_t format_version;
	uint32_t header_size;
	uint16_t record_version;
	uint16_t core_size;
	uint16_t full_size;
	uint16_t reserved;
	uint64_t reserved2;
};
_Static_assert(sizeof(struct file_header) == XSR_HEADER_SIZE, "record file header is 32 bytes");

struct chunk_header {
	uint32_t type;
	uint32_t length;
};

/* ---- checking one record ---- */

const char *xs_record_check(const void *buf, size_t avail)
{
	struct xs_exit_record r;
	if (avail < XS_RECORD_CORE_SIZE)
		return "record shorter than the 192-byte core";
	memcpy(&r, buf, XS_RECORD_CORE_SIZE);
	if (r.version != XS_RECORD_VERSION)
		return "unknown record version";
	if (r.size != xs_record_wire_size(&r))
		return "record size does not match its guest-state flag";
	if (r.size > avail)
		return "record cut short";
	if (r.isa >= XS_ISA_COUNT)
		return "unknown isa";
	if (r.source >= XS_SRC_COUNT)
		return "unknown source";
	if (r.detail_kind >= XS_D_COUNT)
		return "unknown detail kind";
	return NULL;
}

/* ---- writer ---- */

#define WRITE_BUFFER (256u << 10)

struct xsr_writer {
	struct xs_sink base;
	int fd;
	char *path;
	unsigned char *buf; /* chunk header + records */
	size_t used;	    /* bytes of records in buf after the chunk header */
	int error;	    /* first errno */
	bool failed;	    /* the producer said XS_META_RUN_FAILED: no END chunk */
};

static int write_all(struct xsr_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		ssize_t k = write(w->fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!w->error)
				w->error = k < 0 ? errno : EIO;
			return -w->error;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_chunk(struct xsr_writer *w, uint32_t type, const void *payload, size_t len)
{
	struct chunk_header h = {type, (uint32_t)len};
	int rc = write_all(w, &h, sizeof(h));
	return rc ? rc : write_all(w, payload, len);
}

static int writer_flush_records(struct xsr_writer *w)
{
	if (!w->used)
		return 0;
	struct chunk_header h = {XSR_CHUNK_RECORDS, (uint32_t)w->used};
	memcpy(w->buf, &h, sizeof(h));
	size_t n = sizeof(h) + w->used;
	w->used = 0;
	return write_all(w, w->buf, n);
}

static int writer_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct xsr_writer *w = (struct xsr_writer *)s;
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = xs_record_wire_size(&recs[i]);
		if (sizeof(struct chunk_header) + w->used + len > WRITE_BUFFER) {
			int rc = writer_flush_records(w);
			if (rc && !first)
				first = rc;
		}
		memcpy(w->buf + sizeof(struct chunk_header) + w->used, &recs[i], len);
		/* The wire size is derived from the flags; keep `size` consistent even if a producer forgot it. */
		uint16_t size16 = (uint16_t)len;
		memcpy(w->buf + sizeof(struct chunk_header) + w->used + 2, &size16, 2);
		w->used += len;
	}
	s->written += n;
	if (w->error)
		s->dropped += n; /* the disk refused earlier data: say so rather than pretend */
	return first ? first : (w->error ? -w->error : 0);
}

static int writer_meta(struct xs_sink *s, const char *key, const char *value)
{
	struct xsr_writer *w = (struct xsr_writer *)s;
	size_t kl = strlen(key), vl = strlen(value);
	if (kl + vl + 2 > XSR_MAX_CHUNK)
		return -E2BIG;
	if (!strcmp(key, XS_META_RUN_FAILED))
		w->failed = true;
	/* Keep order: records written before this metadata land before it in the file. */
	int rc = writer_flush_records(w);
	if (rc)
		return rc;
	char *p = xs_malloc(kl + vl + 2);
	memcpy(p, key, kl + 1);
	memcpy(p + kl + 1, value, vl + 1);
	rc = write_chunk(w, XSR_CHUNK_META, p, kl + vl + 2);
	free(p);
	return rc;
}

static int writer_flush(struct xs_sink *s)
{
	return writer_flush_records((struct xsr_writer *)s);
}

static int writer_close(struct xs_sink *s)
{
	struct xsr_writer *w = (struct xsr_writer *)s;
	writer_flush_records(w);
	uint64_t end[2] = {s->written, s->dropped};
	if (!w->failed) /* a failed run's file must not read as a whole recording */
		write_chunk(w, XSR_CHUNK_END, end, sizeof(end));
	if (fsync(w->fd) && !w->error && errno != EINVAL)
		w->error = errno;
	if (close(w->fd) && !w->error)
		w->error = errno;
	int rc = w->error ? -w->error : 0;
	free(w->buf);
	free(w->path);
	free(w);
	return rc;
}

static const struct xs_sink_ops writer_ops = {writer_write, writer_meta, writer_flush, writer_close};

struct xs_sink *xsr_sink_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create record file %s: %s", path, strerror(errno));
		return NULL;
	}
	struct xsr_writer *w = xs_calloc(1, sizeof(*w));
	w->base.ops = &writer_ops;
	w->fd = fd;
	w->path = xs_strdup(path);
	w->base.name = w->path;
	w->buf = xs_malloc(WRITE_BUFFER);
	struct file_header h = {.format_version = XSR_FORMAT_VERSION,
				.header_size = XSR_HEADER_SIZE,
				.record_version = XS_RECORD_VERSION,
				.core_size = XS_RECORD_CORE_SIZE,
				.full_size = XS_RECORD_FULL_SIZE};
	memcpy(h.magic, XSR_MAGIC, 8);
	if (write_all(w, &h, sizeof(h))) {
		snprintf(err, errlen, "cannot write record file %s: %s", path, strerror(w->error));
		close(fd);
		free(w->buf);
		free(w->path);
		free(w);
		return NULL;
	}
	return &w->base;
}

/* ---- reader ---- */

/*
 * The reader copies each chunk out of the file with pread() rather than mapping it: a mapped file that shrinks
 * under us (another process truncates it) would kill the process with SIGBUS, and outside input must not be
 * able to do that. A short read is reported as the file shrinking.
 */
struct xsr_reader {
	int fd;			  /* -1: reading from `mem` */
	const unsigned char *mem; /* xsr_open_mem's buffer */
	char *name;
	size_t len;	    /* the file's size when opened: later growth is not read */
	size_t pos;	    /* next chunk header */
	unsigned char *buf; /* the current chunk's payload */
	size_t buf_cap;
	size_t chunk_start; /* file offset of buf[0] */
	size_t chunk_pos;   /* next record inside the current RECORDS chunk (index into buf) */
	size_t chunk_end;   /* 0 when not inside a RECORDS chunk */
	bool complete;
	bool failed;
	uint64_t records;	/* records returned */
	uint64_t bad;		/* places where a bad record made us skip the rest of its chunk */
	uint64_t skipped_bytes; /* bytes skipped there */
	uint64_t end_records, end_dropped;
	char failed_why[160]; /* the producer's XS_META_RUN_FAILED, if any */
	char error[256];
};

static const char *header_problem(const struct file_header *h, char *buf, size_t len)
{
	if (h->format_version != XSR_FORMAT_VERSION) {
		snprintf(buf, len, "record file format version %u, this exitscope reads version %u", h->format_version,
			 XSR_FORMAT_VERSION);
		return buf;
	}
	/* One field at a time, so a damaged field is named rather than blamed on the record version. */
	if (h->header_size != XSR_HEADER_SIZE)
		snprintf(buf, len, "corrupt header: header size %u, not %u", h->header_size, XSR_HEADER_SIZE);
	else if (h->record_version != XS_RECORD_VERSION)
		snprintf(buf, len, "record version %u, this exitscope reads version %u", h->record_version,
			 XS_RECORD_VERSION);
	else if (h->core_size != XS_RECORD_CORE_SIZE)
		snprintf(buf, len, "corrupt header: record core size %u, not %u for record version %u", h->core_size,
			 XS_RECORD_CORE_SIZE, XS_RECORD_VERSION);
	else if (h->full_size != XS_RECORD_FULL_SIZE)
		snprintf(buf, len, "corrupt header: full record size %u, not %u for record version %u", h->full_size,
			 XS_RECORD_FULL_SIZE, XS_RECORD_VERSION);
	else
		return NULL;
	return buf;
}

static void reader_free(struct xsr_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->name);
	free(r);
}

/* n bytes at `off` into dst; -1 with the reason in r->error when the file no longer holds them. */
static int read_at(struct xsr_reader *r, size_t off, void *dst, size_t n)
{
	if (r->fd < 0) {
		memcpy(dst, r->mem + off, n);
		return 0;
	}
	unsigned char *d = dst;
	while (n) {
		ssize_t k = pread(r->fd, d, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			struct stat st;
			if (k == 0 && !fstat(r->fd, &st))
				snprintf(r->error, sizeof(r->error),
					 "the file shrank while it was read (%lld bytes now, %zu when opened): another "
					 "program truncated or rewrote it",
					 (long long)st.st_size, r->len);
			else
				snprintf(r->error, sizeof(r->error), "read error at byte %zu: %s", off,
					 k < 0 ? strerror(errno) : "end of file");
			r->failed = true;
			return -1;
		}
		d += k;
		off += (size_t)k;
		n -= (size_t)k;
	}
	return 0;
}

static struct xsr_reader *reader_new(int fd, const void *mem, size_t len, const char *name, char *err, size_t errlen)
{
	struct xsr_reader *r = xs_calloc(1, sizeof(*r));
	r->fd = fd;
	r->mem = mem;
	r->len = len;
	r->name = xs_strdup(name);
	struct file_header h;
	char why[160];
	if (len < sizeof(h)) {
		snprintf(err, errlen, "%s: not an exitscope record file (%zu bytes, shorter than the header)", name,
			 len);
	} else if (read_at(r, 0, &h, sizeof(h))) {
		snprintf(err, errlen, "%s: %s", name, r->error);
	} else if (memcmp(h.magic, XSR_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not an exitscope record file (bad magic)", name);
	} else if (header_problem(&h, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", name, why);
	} else {
		r->pos = sizeof(h);
		return r;
	}
	r->fd = -1; /* the caller closes it */
	reader_free(r);
	return NULL;
}

struct xsr_reader *xsr_open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
	return reader_new(-1, buf, len, "buffer", err, errlen);
}

struct xsr_reader *xsr_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	struct xsr_reader *r = reader_new(fd, NULL, (size_t)st.st_size, path, err, errlen);
	if (!r)
		close(fd);
	return r;
}

static int fail(struct xsr_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct xsr_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->failed = true;
	return -1;
}

static int next_record(struct xsr_reader *r, struct xsr_item *item)
{
	while (r->chunk_pos < r->chunk_end) {
		size_t avail = r->chunk_end - r->chunk_pos;
		const unsigned char *p = r->buf + r->chunk_pos;
		const char *why = xs_record_check(p, avail);
		if (why) {
			/*
			 * Without a trustworthy size we cannot find the next record: skip the chunk's rest. How many
			 * records those bytes held is not known here (their sizes vary); the END chunk's count tells.
			 */
			r->bad++;
			r->skipped_bytes += avail;
			snprintf(r->error, sizeof(r->error),
				 "bad record at byte %zu (%s): skipped the %zu bytes after it",
				 r->chunk_start + r->chunk_pos, why, avail);
			r->chunk_pos = r->chunk_end;
			break;
		}
		uint16_t size;
		memcpy(&size, p + 2, 2);
		memcpy(&item->rec, p, size);
		if (size < sizeof(item->rec)) /* no guest state on the wire: clear only what the copy left */
			memset((char *)&item->rec + size, 0, sizeof(item->rec) - size);
		item->kind = XSR_ITEM_RECORD;
		r->chunk_pos += size;
		r->records++;
		return 1;
	}
	r->chunk_end = 0;
	return 0;
}

int xsr_next(struct xsr_reader *r, struct xsr_item *item)
{
	if (r->failed)
		return -1;
	for (;;) {
		if (r->chunk_end && next_record(r, item))
			return 1;
		if (r->pos == r->len)
			return 0;
		struct chunk_header h;
		if (r->len - r->pos < sizeof(h))
			return fail(r, "truncated at byte %zu: %zu stray bytes after the last chunk", r->pos,
				    r->len - r->pos);
		if (read_at(r, r->pos, &h, sizeof(h)))
			return -1;
		size_t start = r->pos + sizeof(h);
		if (!memcmp(&h, XSR_MAGIC, sizeof(h)))
			return fail(r,
				    "a second record file header at byte %zu: files were concatenated (import each "
				    "on its own)",
				    r->pos);
		if (h.length > XSR_MAX_CHUNK)
			return fail(r, "corrupt chunk at byte %zu: length %u exceeds %u", r->pos, h.length,
				    XSR_MAX_CHUNK);
		if (h.length > r->len - start)
			return fail(r, "truncated at byte %zu: chunk of %u bytes ends past the end of the file", r->pos,
				    h.length);
		if (h.length > r->buf_cap) {
			r->buf = xs_realloc(r->buf, h.length);
			r->buf_cap = h.length;
		}
		if (h.length && read_at(r, start, r->buf, h.length))
			return -1;
		const unsigned char *payload = r->buf;
		r->chunk_start = start;
		r->pos = start + h.length;
		switch (h.type) {
		case XSR_CHUNK_RECORDS:
			r->chunk_pos = 0;
			r->chunk_end = h.length;
			continue;
		case XSR_CHUNK_META: {
			const char *key = (const char *)payload;
			/* An empty chunk has no buffer behind it (memchr must not see NULL). */
			const char *key_end = h.length ? memchr(key, 0, h.length) : NULL;
			if (!key_end || !*key)
				return fail(r, "corrupt metadata chunk at byte %zu: no key", start - sizeof(h));
			const char *value = key_end + 1;
			size_t rest = h.length - (size_t)(value - key);
			if (!rest || !memchr(value, 0, rest))
				return fail(r, "corrupt metadata chunk at byte %zu: value not terminated",
					    start - sizeof(h));
			item->kind = XSR_ITEM_META;
			item->key = key;
			item->value = value;
			if (!strcmp(key, XS_META_RUN_FAILED))
				snprintf(r->failed_why, sizeof(r->failed_why), "%s",
					 *value ? value : "no reason given");
			return 1;
		}
		case XSR_CHUNK_END:
			if (h.length != 16)
				return fail(r, "corrupt end chunk at byte %zu", start - sizeof(h));
			item->kind = XSR_ITEM_END;
			memcpy(&item->end_records, payload, 8);
			memcpy(&item->end_dropped, payload + 8, 8);
			r->end_records = item->end_records;
			r->end_dropped = item->end_dropped;
			r->complete = true;
			return 1;
		default:
			return fail(r, "corrupt chunk at byte %zu: unknown type %u", start - sizeof(h), h.type);
		}
	}
}

const char *xsr_error(const struct xsr_reader *r)
{
	return r->error[0] ? r->error : NULL;
}

uint64_t xsr_bad_records(const struct xsr_reader *r)
{
	return r->bad;
}

bool xsr_complete(const struct xsr_reader *r)
{
	return r->complete;
}

bool xsr_verdict(const struct xsr_reader *r, struct xsr_verdict *v)
{
	memset(v, 0, sizeof(*v));
	unsigned long long kept = r->records;
	if (r->complete && !r->failed && r->end_records >= r->records) {
		v->lost_known = true;
		v->lost = r->end_records - r->records;
	}
	if (r->failed) {
		snprintf(v->message, sizeof(v->message), "%s (kept the %llu records before it)", r->error, kept);
	} else if (!r->complete && r->failed_why[0]) {
		snprintf(v->message, sizeof(v->message), "the run that wrote it failed (%s); it holds %llu records",
			 r->failed_why, kept);
	} else if (!r->complete) {
		snprintf(v->message, sizeof(v->message),
			 "no END chunk: the recording was cut short after %llu records (how many more were written is "
			 "unknown)",
			 kept);
	} else if (r->end_records < r->records) {
		snprintf(v->message, sizeof(v->message), "the END chunk counts %llu records, the file holds %llu",
			 (unsigned long long)r->end_records, kept);
	} else if (r->bad) {
		snprintf(v->message, sizeof(v->message),
			 "%s%s: %llu records lost (the END chunk counts %llu, %llu read)", r->error,
			 r->bad > 1 ? " and elsewhere" : "", (unsigned long long)v->lost,
			 (unsigned long long)r->end_records, kept);
	} else if (v->lost) {
		snprintf(v->message, sizeof(v->message), "the END chunk counts %llu records, the file holds %llu",
			 (unsigned long long)r->end_records, kept);
	} else {
		return false;
	}
	if (r->bad && !v->lost_known) {
		size_t n = strlen(v->message);
		snprintf(v->message + n, sizeof(v->message) - n,
			 "; %llu bytes were skipped after bad records, holding an unknown number of records",
			 (unsigned long long)r->skipped_bytes);
	}
	v->damaged = true;
	return true;
}

void xsr_close(struct xsr_reader *r)
{
	if (r)
		reader_free(r);
}
