/* SPDX-License-Identifier: MIT */
/*
 * The catalogue of built-in guests: what each one does, the exits it makes per iteration, its parameters
 * and default controls, and its images (one per CPU mode, assembled from launcher/guests/<name>.S).
 */
#ifndef EXITSCOPE_LAUNCHER_GUESTS_H
#define EXITSCOPE_LAUNCHER_GUESTS_H

#include <stdint.h>

#include "launcher/guest_abi.h"
#include "launcher/guest_blobs.h"

struct xs_guest_param {
	const char *name; /* NULL: unused slot */
	uint32_t def;
	const char *help;
};

struct xs_guest {
	const char *name;
	const char *summary;
	unsigned int default_mode;
	const char *exits;		     /* the exits of one iteration, as documented in its source */
	const char *const *default_controls; /* "key = value" lines, NULL-terminated */
	struct xs_guest_param params[XS_GUEST_ARGS];
	/* Exception vectors (< 32) the guest raises itself on purpose, given its parameters. */
	uint32_t (*own_exceptions)(const uint32_t args[XS_GUEST_ARGS]);
};

/* NULL-terminated list of the built-in guests, in display order. */
extern const struct xs_guest *const xs_guests[];

const struct xs_guest *xs_guest_find(const char *name);
/* The guest's image for mode (16, 32, 64), or NULL when it is not built for that mode. */
const struct xs_guest_blob *xs_guest_image(const char *name, unsigned int mode);
/* A symbol's address in an image; 0 when absent (no guest symbol lies at 0). */
uint64_t xs_guest_symbol(const struct xs_guest_blob *b, const char *name);

/* "real", "protected", "long" <-> 16, 32, 64; 0 for an unknown name. */
const char *xs_mode_name(unsigned int mode);
unsigned int xs_mode_parse(const char *name);

#endif
