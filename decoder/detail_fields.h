/* SPDX-License-Identifier: MIT */
/*
 * The detail union (include/exitscope/record.h) described once: for every detail kind, its fields in order,
 * each with its name, place in union xs_detail, width and how it is printed. The JSON rendering, the
 * one-line text rendering (`--print`) and the dashboard's detail summary walk it; the store's row packing
 * (db/rowpack.c) is tested against it, so a field added to the union and to this table cannot be forgotten
 * there. Freestanding, like the rest of the decoder core.
 */
#ifndef EXITSCOPE_DECODER_DETAIL_FIELDS_H
#define EXITSCOPE_DECODER_DETAIL_FIELDS_H

#include <stdint.h>

#include "exitscope/record.h"

enum xs_detail_fmt {
	XS_DF_NUM,	 /* a decimal number */
	XS_DF_HEX,	 /* "0x..." (a string in JSON: 64-bit values lose precision as JSON numbers) */
	XS_DF_IO_DIR,	 /* XS_IO_IN / XS_IO_OUT as "IN" / "OUT" */
	XS_DF_HEX_ARRAY, /* count elements as "0x..." strings, or fewer when count_at names a length */
	XS_DF_BYTES,	 /* count bytes as one string of hex digits, or fewer when count_at names a length */
};

#define XS_DF_NO_COUNT 0xff /* count_at: the array always holds count elements */

/* How a field reads as text. The text renderings put a field's items in text_rank order (1 first; 0: never
 * shown), each after one space. */
enum xs_detail_text {
	XS_DT_HIDE,   /* not shown as text */
	XS_DT_DEC,    /* label then the value in decimal: "size=1", "cr3" */
	XS_DT_HEX,    /* label then "0x..." */
	XS_DT_WORD,   /* label when the value is match (any non-zero value when match is 0), else alt */
	XS_DT_FLAG,   /* label when the value is non-zero, else nothing */
	XS_DT_VECTOR, /* as DEC; the full view adds the exception's mnemonic: "vector=14 #PF" */
	XS_DT_LIST,   /* label then the valid elements as "0x.." joined by ','; nothing when there are none */
	XS_DT_BYTES,  /* label then the valid bytes as hex digits */
};

/* text_flags */
#define XS_DT_BRIEF 0x01 /* part of the one-line record text (xs_record_text); the full view shows every field */
#define XS_DT_LEAD 0x02	 /* this word stands in the one-line text where the kind's name would ("wrmsr") */

#define XS_DT_ALWAYS 0xff /* text_when: shown whatever other fields hold */

struct xs_detail_field {
	uint8_t kind;	     /* enum xs_detail_kind */
	uint8_t fmt;	     /* enum xs_detail_fmt */
	uint8_t offset;	     /* in union xs_detail */
	uint8_t width;	     /* bytes of one element (1, 2, 4 or 8), little-endian */
	uint8_t count;	     /* elements: 1 for a scalar */
	uint8_t count_at;    /* offset of the field holding how many elements are valid, or XS_DF_NO_COUNT */
	uint8_t count_width; /* its width */
	const char *name;    /* the JSON member */
	/* as text (enum xs_detail_text) */
	uint8_t text;
	uint8_t text_rank;  /* order among the kind's items; 0 with XS_DT_HIDE */
	uint8_t text_flags; /* XS_DT_BRIEF, XS_DT_LEAD */
	uint8_t text_match; /* XS_DT_WORD: the value that reads as label */
	uint8_t text_when;  /* offset of a byte that must be non-zero for the field to show, or XS_DT_ALWAYS */
	const char *label;
	const char *alt; /* XS_DT_WORD: the word for other values */
};

/* All fields of all kinds, grouped by kind in XS_D_* order; one kind has at most XS_DETAIL_MAX_KIND_FIELDS rows
 * (the text renderings index a kind's rows by rank in an array of that size; tests/unit/test_decoder_tables.c
 * checks the bound). */
#define XS_DETAIL_MAX_KIND_FIELDS 8
extern const struct xs_detail_field xs_detail_fields[];
extern const unsigned int xs_detail_nfields;

/* Element i of field f in d (zero-extended to 64 bits). */
uint64_t xs_detail_get(const union xs_detail *d, const struct xs_detail_field *f, unsigned int i);

/* Store the low f->width bytes of v as element i of field f in d. */
void xs_detail_set(union xs_detail *d, const struct xs_detail_field *f, unsigned int i, uint64_t v);

/* How many elements of an array field are valid: its length field clamped to count (count for scalars). */
unsigned int xs_detail_len(const union xs_detail *d, const struct xs_detail_field *f);

#endif
