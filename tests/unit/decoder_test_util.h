/* SPDX-License-Identifier: MIT */
/* Assertions on decoded fields for the decoder's cmocka tests. */
#ifndef EXITSCOPE_TEST_DECODER_UTIL_H
#define EXITSCOPE_TEST_DECODER_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decoder/decoder.h"

/* The field must exist with this value (and, for enumerated fields, this name; NULL = no name). */
#define ASSERT_FIELD(d, fname, val)                                                                      \
	do {                                                                                             \
		const struct xs_field *f_ = xs_decoded_field((d), (fname));                              \
		if (!f_)                                                                                 \
			fail_msg("field %s missing (format %s)", (fname), (d)->format);                  \
		if (f_->value != (uint64_t)(val))                                                        \
			fail_msg("field %s = %#llx, want %#llx", (fname), (unsigned long long)f_->value, \
				 (unsigned long long)(val));                                             \
	} while (0)

#define ASSERT_ENUM(d, fname, val, vname)                                                 \
	do {                                                                              \
		ASSERT_FIELD(d, fname, val);                                              \
		assert_non_null(xs_decoded_field((d), (fname))->value_name);              \
		assert_string_equal(xs_decoded_field((d), (fname))->value_name, (vname)); \
	} while (0)

#define ASSERT_NO_FIELD(d, fname)                                                          \
	do {                                                                               \
		if (xs_decoded_field((d), (fname)))                                        \
			fail_msg("unexpected field %s (format %s)", (fname), (d)->format); \
	} while (0)

/* Every field name must be unique within one decode. */
static inline void assert_unique_fields(const struct xs_decoded *d)
{
	for (unsigned int i = 0; i < d->nfields; i++)
		for (unsigned int j = i + 1; j < d->nfields; j++)
			if (!strcmp(d->fields[i].name, d->fields[j].name))
				fail_msg("field %s appears twice", d->fields[i].name);
	assert_int_equal(d->dropped_fields, 0);
}

#endif
