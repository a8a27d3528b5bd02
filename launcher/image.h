/* SPDX-License-Identifier: MIT */
/*
 * Guest images for `exitscope run --image FILE`: a flat binary placed at --load (default: the entry point),
 * or an ELF32/ELF64 x86 executable whose PT_LOAD segments go to their physical addresses and whose entry
 * point is the default --entry. Everything here is outside input: sizes, offsets and addresses are checked
 * before anything is copied, and placement is checked against guest memory and the launcher's own areas
 * (launcher/guest_abi.h).
 */
#ifndef EXITSCOPE_LAUNCHER_IMAGE_H
#define EXITSCOPE_LAUNCHER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_IMAGE_MAX_SEGMENTS 16

struct xs_image_segment {
	uint64_t gpa;
	const uint8_t *data; /* filesz bytes, inside the buffer the image was parsed from */
	uint64_t filesz;
	uint64_t memsz; /* >= filesz; the rest is zero */
};

struct xs_image {
	bool elf;
	bool has_entry; /* ELF: e_entry */
	uint64_t entry;
	unsigned int n;
	struct xs_image_segment seg[XS_IMAGE_MAX_SEGMENTS];
};

/* Read a whole file of at most max bytes into a malloc'd buffer. -1 and a message when it cannot. */
int xs_image_read_file(const char *path, uint64_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

/*
 * Describe buf (not copied: keep it alive) as an image: ELF when it starts with the ELF magic, else a flat
 * binary placed at flat_load. -1 and a message when it is empty or malformed.
 */
int xs_image_parse(const uint8_t *buf, size_t len, uint64_t flat_load, struct xs_image *img, char *err, size_t errlen);

/* mode: 16, 32 or 64. */
struct xs_layout_check {
	uint64_t mem_bytes;
	unsigned int mode;
	uint64_t entry;
};

/*
 * Check that every segment lies in guest RAM and clear of the MMIO hole and the launcher's areas, and that
 * the entry point lies inside the image (and below 1 MiB in real mode).
 */
int xs_image_check_layout(const struct xs_image *img, const struct xs_layout_check *lc, char *err, size_t errlen);

#endif
