/* SPDX-License-Identifier: MIT */
/* The built-in guests' images as the build embeds them (launcher/guests/embed.sh generates the table). */
#ifndef EXITSCOPE_LAUNCHER_GUEST_BLOBS_H
#define EXITSCOPE_LAUNCHER_GUEST_BLOBS_H

#include <stddef.h>
#include <stdint.h>

struct xs_guest_symbol {
	const char *name;
	uint64_t addr; /* guest-physical (images are linked at their load address) */
};

struct xs_guest_blob {
	const char *name;  /* guest name ("io"), NULL ends the table */
	unsigned int mode; /* 16, 32 or 64 */
	const unsigned char *image;
	size_t size;
	const struct xs_guest_symbol *symbols; /* ends with a NULL name */
};

extern const struct xs_guest_blob xs_guest_blobs[];

#endif
