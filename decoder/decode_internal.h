/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the qualification decoders (decode*.c). Freestanding: no libc.
 * Field names are string literals: they live as long as the program, so decoded structs never own memory.
 */
#ifndef EXITSCOPE_DECODE_INTERNAL_H
#define EXITSCOPE_DECODE_INTERNAL_H

#include "decoder/decoder.h"

static inline void xs_put(struct xs_decoded *d, const char *name, uint64_t value, const char *value_name,
			  unsigned int flags)
{
	if (d->nfields >= XS_DECODE_MAX_FIELDS) {
		d->dropped_fields++;
		return;
	}
	struct xs_field *f = &d->fields[d->nfields++];
	f->name = name;
	f->value = value;
	f->value_name = value_name;
	f->flags = flags;
}

static inline void xs_put_int(struct xs_decoded *d, const char *name, uint64_t value)
{
	xs_put(d, name, value, 0, 0);
}

static inline void xs_put_hex(struct xs_decoded *d, const char *name, uint64_t value)
{
	xs_put(d, name, value, 0, XS_FIELD_HEX);
}

static inline void xs_put_enum(struct xs_decoded *d, const char *name, uint64_t value, const char *value_name)
{
	xs_put(d, name, value, value_name, 0);
}

/* Bits hi..lo of v, shifted down. */
static inline uint64_t xs_bits(uint64_t v, unsigned int hi, unsigned int lo)
{
	unsigned int width = hi - lo + 1;
	return width >= 64 ? v >> lo : (v >> lo) & ((1ull << width) - 1);
}

static inline uint64_t xs_bit(uint64_t v, unsigned int n)
{
	return (v >> n) & 1;
}

/* Report the bits of v outside `defined` (reserved by the SDM/APM but set) as field `name`. */
static inline void xs_put_reserved(struct xs_decoded *d, const char *name, uint64_t v, uint64_t defined)
{
	if (v & ~defined)
		xs_put_hex(d, name, v & ~defined);
}

/* An enumerated value's name from a table, or "RESERVED" past its end or on a hole. */
static inline const char *xs_enum_name(const char *const *names, unsigned int count, uint64_t v)
{
	return v < count && names[v] ? names[v] : "RESERVED";
}

#define XS_ENUM_NAME(names, v) xs_enum_name(names, sizeof(names) / sizeof(names[0]), v)

/* The x86 #PF / SVM NPF error-code bits. */
void xs_put_pf_error_code(struct xs_decoded *d, uint64_t ec);

/* Interruption-information-format words (VMX and SVM EXITINTINFO), with field-name prefix "intr_" or "idt_". */
void xs_put_event_info(struct xs_decoded *d, int isa, int idt, uint32_t info, uint32_t error_code,
		       bool have_error_code);

void xs_decode_vmx(const struct xs_decode_input *in, struct xs_decoded *d);
void xs_decode_svm(const struct xs_decode_input *in, struct xs_decoded *d);

#endif
