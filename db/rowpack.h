/* SPDX-License-Identifier: MIT */
/*
 * How one exit record becomes stored values, and back. A record splits into
 *   a shape  (struct xs_shape): the slowly varying part many exits share (isa, reason, source, flags,
 *            qualification, interruption info, detail kind/key/attributes); stored once in `shapes`
 *   a row    (struct xs_row): the per-exit values (time, RIP, latency, addresses, the detail value)
 *   extras   (struct xs_row_extra): what neither holds (guest-linear address, detail unions the
 *            key/attr/value/address form cannot carry exactly); stored in `exit_extra`, rare
 * plus the segment (vCPU, pid, tid, time and id bases) the encoder keeps. Packing is exact: unpacking gives
 * back the same record, which the packer itself checks for the detail union (falling back to the blob).
 * Pure functions, no SQLite: the unit tests and the fuzzer drive them directly.
 */
#ifndef EXITSCOPE_DB_ROWPACK_H
#define EXITSCOPE_DB_ROWPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

/* Record flags a row implies by which of its columns are set: not kept in the shape. */
#define XS_ROW_IMPLIED_FLAGS (XS_F_LATENCY | XS_F_RUN_TIMES | XS_F_RIP | XS_F_GUEST_PHYS)

/* xs_row.has: which nullable columns hold a value. */
enum {
	XS_ROW_RIP = 1u << 0,
	XS_ROW_LAT = 1u << 1,
	XS_ROW_QUAL = 1u << 2,
	XS_ROW_INFO2 = 1u << 3,
	XS_ROW_GPA = 1u << 4,
	XS_ROW_VAL = 1u << 5,
	XS_ROW_ADDR = 1u << 6,
	XS_ROW_RUN = 1u << 7, /* run_ns and handler_ns */
};

struct xs_row {
	uint32_t has;
	uint32_t cpu;
	uint64_t rip, lat, qual, info2, gpa, val, addr, run_ns, handler_ns;
};

/* xs_shape.has: which nullable shape columns hold a value. */
enum {
	XS_SHAPE_QUAL = 1u << 0, /* qual and info2 are in the shape (else in the row) */
	XS_SHAPE_KEY = 1u << 1,
	XS_SHAPE_ATTR = 1u << 2,
};

/* Compared and hashed as bytes: always zero a shape before filling it. */
struct xs_shape {
	uint8_t isa, source, detail_kind, has;
	uint16_t flags; /* record flags without XS_ROW_IMPLIED_FLAGS */
	uint16_t pad;
	uint32_t reason, intr_info, error_code, insn_len, insn_info, idt_info, idt_error;
	uint32_t pad2;
	uint64_t qual, info2, detail_key, detail_attr;
};
_Static_assert(sizeof(struct xs_shape) == 72, "struct xs_shape has no hidden padding");

struct xs_row_extra {
	bool has_gla;
	uint64_t guest_linear;
	size_t blob_len; /* 0: no detail blob; else the detail union, trailing zero bytes dropped */
	uint8_t blob[sizeof(union xs_detail)];
};

/*
 * Split a record. inline_qual puts the qualification and info2 into the row instead of the shape (for
 * reasons whose qualifications vary too much to share shapes, such as page-fault addresses).
 */
void xs_row_pack(const struct xs_exit_record *r, bool inline_qual, struct xs_shape *shape, struct xs_row *row,
		 struct xs_row_extra *extra);

/*
 * Put a record back together from its parts. Fills every field but vcpu, pid, tid, ts and seq (the
 * segment's) and the guest-state block; sets version and size.
 */
void xs_row_unpack(const struct xs_shape *shape, const struct xs_row *row, const struct xs_row_extra *extra,
		   struct xs_exit_record *r);

/* The detail union's key / attributes / value / address form, for one kind. */
struct xs_detail_parts {
	bool has_key, has_attr, has_val, has_addr;
	uint64_t key, attr, val, addr;
};
void xs_detail_split(unsigned int kind, const union xs_detail *d, struct xs_detail_parts *p);
void xs_detail_join(unsigned int kind, const struct xs_detail_parts *p, union xs_detail *d);

uint64_t xs_shape_hash(const struct xs_shape *s);

#endif
