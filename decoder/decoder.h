/* SPDX-License-Identifier: MIT */
/*
 * The decoder: the single source of meaning for exit records. Pure functions, no allocation, no I/O, no
 * global state beyond constant tables. Depends only on include/exitscope/record.h.
 *
 * Names follow the Linux uapi macros without their prefix: EXIT_REASON_CR_ACCESS -> "CR_ACCESS",
 * SVM_EXIT_IOIO -> "IOIO", SVM_VMGEXIT_PSC -> "VMGEXIT_PSC" (prefix SVM_), KVM_EXIT_MMIO -> "MMIO". Host-event reasons
 * are the tracepoint names without "kvm_", upper case ("PIO").
 *
 * Field convention: every decoded field is an integer; an enumerated field also carries a name
 * (value_name) that the JSON form prints as "<field>_name". Reserved bits that are set are reported in a
 * field "reserved_bits".
 */
#ifndef EXITSCOPE_DECODER_H
#define EXITSCOPE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

/* ---- names of the small enums ---- */

const char *xs_isa_name(unsigned int isa);	       /* "vmx", "svm", "kvm", "host", "unknown" */
bool xs_isa_from_name(const char *name, uint8_t *isa); /* also accepts the numbers 1..4 */
const char *xs_source_name(unsigned int source);       /* "launcher", "bpf", "perf", "kmod-vmx", "bare-vmx", ... */
const char *xs_detail_kind_name(unsigned int kind);

/* ---- reason tables ---- */

struct xs_reason_info {
	uint32_t code;
	const char *name;	 /* uapi macro name without its prefix; NULL for reserved codes */
	const char *description; /* one short phrase from the SDM / APM ("Control-register accesses") */
};

/*
 * The whole table of an isa, in code order, reserved VMX codes included (name NULL).
 * Returns the entry count; 0 for an isa without a table.
 */
size_t xs_reason_table(unsigned int isa, const struct xs_reason_info **table);

/* Name of a reason; for VMX only bits 15:0 count. NULL when the code is unknown or reserved. */
const char *xs_reason_name(unsigned int isa, uint32_t reason);

/*
 * A reason from its name (case-insensitive; the uapi prefix may be included) or from a number (decimal or
 * 0x). Returns false for an unknown name.
 */
bool xs_reason_parse(unsigned int isa, const char *text, uint32_t *reason);

/* ---- decoding ---- */

#define XS_DECODE_MAX_FIELDS 48

/* xs_field.flags: how renderers print the value (the value itself is always the integer). */
#define XS_FIELD_HEX 0x1    /* an address or bit mask: text form prints 0x... */
#define XS_FIELD_SIGNED 0x2 /* two's complement (displacements): printed as a signed number */

struct xs_field {
	const char *name;
	uint64_t value;
	const char *value_name; /* enumerated fields only (e.g. "MOV_TO_CR"), else NULL */
	unsigned int flags;	/* XS_FIELD_* */
};

struct xs_decoded {
	uint8_t isa;
	uint32_t reason;       /* as given, flag bits included */
	uint32_t basic_reason; /* VMX: bits 15:0; others: the reason */
	const char *name;      /* reason name, or NULL if unknown */
	const char *format;    /* the qualification format applied ("cr_access", "io", "ept_violation", ...) or NULL */
	unsigned int nfields;
	unsigned int dropped_fields; /* fields that did not fit in fields[] (never expected; rendered if not 0) */
	struct xs_field fields[XS_DECODE_MAX_FIELDS];
};

/*
 * Everything the decoder can use about one exit. `have` says which optional values are present; the
 * qualification and info2 are always taken (0 when unknown).
 */
#define XS_IN_INTR_INFO 0x1  /* intr_info (+ error_code when its bit 11 says so) */
#define XS_IN_ERROR_CODE 0x2 /* error_code is known */
#define XS_IN_IDT 0x4	     /* idt_vectoring_info / idt_vectoring_error (VMX) */
#define XS_IN_GPA 0x8	     /* guest-physical address of the exit (VMX EPT exits) */
#define XS_IN_GLA 0x10	     /* guest-linear address of the exit */

struct xs_decode_input {
	uint8_t isa;
	uint32_t reason;
	uint64_t qualification; /* VMX exit qualification; SVM EXITINFO1 */
	uint64_t info2;		/* SVM EXITINFO2; VMX: the IDT-vectoring information KVM's kvm_exit reports */
	uint32_t intr_info;	/* VMX VM-exit interruption information; SVM EXITINTINFO bits 31:0 */
	uint32_t error_code;	/* VMX interruption error code; SVM EXITINTINFO bits 63:32 */
	uint32_t idt_vectoring_info;
	uint32_t idt_vectoring_error;
	uint64_t gpa, gla;
	int vector;	   /* VMX EXCEPTION_NMI: the exception vector; < 0: take it from a valid intr_info */
	unsigned int have; /* XS_IN_* */
};

void xs_decode_input(const struct xs_decode_input *in, struct xs_decoded *out);

/*
 * Decode a record: the reason's flag bits, its qualification / EXITINFO1 in the format the reason implies,
 * interruption information (VMX EXCEPTION_NMI: the vector selects #DB/#PF formats) and IDT-vectoring
 * information when flagged. Fields only; never fails: unknown reasons decode to no fields.
 */
void xs_decode(const struct xs_exit_record *r, struct xs_decoded *out);

/*
 * The same from bare values (what `exitscope decode` and the SQL functions have): qualification, and for
 * VMX exceptions the vector (vector < 0: take it from intr_info if that is valid).
 */
void xs_decode_values(unsigned int isa, uint32_t reason, uint64_t qualification, uint64_t info2, uint32_t intr_info,
		      int vector, struct xs_decoded *out);

/* Names used in decoded fields: "RAX".."R15", "DE".."CP" (NULL for vectors without a mnemonic), "ES".."GS". */
const char *xs_gpr_name(unsigned int n);
const char *xs_exception_name(unsigned int vector);
const char *xs_segment_name(unsigned int n);

/* One-phrase description of a reason (the tables' third column), or NULL. */
const char *xs_reason_description(unsigned int isa, uint32_t reason);

/* The field called name, or NULL. */
const struct xs_field *xs_decoded_field(const struct xs_decoded *d, const char *name);

/*
 * Render. Both write at most len bytes including the NUL and return the length they needed (like snprintf).
 * JSON: {"cr":3,"access_type":0,"access_type_name":"MOV_TO_CR",...}
 * Text: "cr=3 access_type=MOV_TO_CR gpr=RAX"
 */
size_t xs_decoded_fields_json(const struct xs_decoded *d, char *buf, size_t len);
size_t xs_decoded_fields_text(const struct xs_decoded *d, char *buf, size_t len);

/*
 * One exit record as one line: text for people, JSON for scripts. These are what `record --print` and
 * `run --print` write; the JSON object carries every raw field of the record plus "name" and "fields".
 */
size_t xs_record_text(const struct xs_exit_record *r, char *buf, size_t len);
size_t xs_record_json(const struct xs_exit_record *r, char *buf, size_t len);

/*
 * Every field of the record's detail union as text, in the order and words of the detail table
 * (decoder/detail_fields.c): "port=0x3f8 OUT size=1 count=1 value=0x41 rep". The dashboard's detail view.
 * Returns the length needed (0: the kind has no fields), like snprintf.
 */
size_t xs_detail_summary(const struct xs_exit_record *r, char *buf, size_t len);

#endif
