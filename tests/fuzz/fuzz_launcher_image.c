// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a guest image (launcher/image.c), flat or ELF. The first 10 bytes
 * choose the placement (memory size, mode, entry, flat load address); the rest is the image. Parsing and the
 * layout check must never crash or read outside the input, and an accepted image must lie in guest memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	uint64_t mem = ((uint64_t)(data[0] % 64) + 1) << 20;
	unsigned int mode = data[1] % 3 == 0 ? 16 : data[1] % 3 == 1 ? 32 : 64;
	uint32_t entry, load;
	memcpy(&entry, data + 2, 4);
	memcpy(&load, data + 6, 4);
	const uint8_t *img_bytes = data + 10;
	size_t len = size - 10;
	struct xs_image img;
	char err[256];
	if (xs_image_parse(img_bytes, len, load, &img, err, sizeof(err)))
		return 0;
	for (unsigned int i = 0; i < img.n; i++) {
		const struct xs_image_segment *s = &img.seg[i];
		if (s->filesz > s->memsz || s->data < img_bytes || s->data + s->filesz > img_bytes + len)
			abort();
	}
	struct xs_layout_check lc = {mem, mode, img.has_entry ? img.entry : entry};
	if (xs_image_check_layout(&img, &lc, err, sizeof(err)))
		return 0;
	for (unsigned int i = 0; i < img.n; i++)
		if (img.seg[i].gpa + img.seg[i].memsz > mem)
			abort();
	return 0;
}
