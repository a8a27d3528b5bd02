/* SPDX-License-Identifier: MIT */
/*
 * The few string routines the decoder needs, written here so the decoder builds freestanding: the same
 * objects link into the exitscope binary, the bare-metal VT-x test kernel and the kernel module.
 */
#ifndef EXITSCOPE_DECODER_STRINGS_H
#define EXITSCOPE_DECODER_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t xs_strlen(const char *s);
int xs_strcmp(const char *a, const char *b);
int xs_strcasecmp(const char *a, const char *b);
int xs_strncasecmp(const char *a, const char *b, size_t n);
/* A whole string as decimal or 0x hex; false on junk, emptiness or overflow. */
bool xs_str_to_u64(const char *s, uint64_t *out);

#endif
