/* SPDX-License-Identifier: MIT */
/*
 * The guest a run loads, for every backend: a built-in guest's image for the mode, or an --image file
 * parsed and checked against the guest-physical layout (guest_abi.h). One line naming the problem on error.
 */
#ifndef EXITSCOPE_LAUNCHER_GUEST_LOAD_H
#define EXITSCOPE_LAUNCHER_GUEST_LOAD_H

#include "launcher/guests.h"
#include "launcher/image.h"
#include "launcher/launcher.h"

struct xs_loaded_guest {
	const struct xs_guest *guest; /* NULL for images */
	const struct xs_guest_blob *blob;
	uint8_t *file; /* an image file's bytes (img points into them) */
	struct xs_image img;
	uint64_t entry;
	uint32_t own_exceptions; /* exception vectors the guest raises on purpose */
};

int xs_guest_load(const struct xs_launch_config *cfg, struct xs_loaded_guest *out, char *err, size_t errlen);
void xs_guest_loaded_free(struct xs_loaded_guest *g);

#endif
