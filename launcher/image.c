// SPDX-License-Identifier: MIT
#include "launcher/image.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "launcher/guest_abi.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

int xs_image_read_file(const char *path, uint64_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ERR("%s: %s", path, strerror(errno));
	size_t cap = 1u << 16, n = 0;
	uint8_t *data = xs_malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			data = xs_realloc(data, cap);
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			fclose(f);
			free(data);
			return ERR("%s: image larger than guest memory (%llu MiB)", path,
				   (unsigned long long)(max >> 20));
		}
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(data);
		return ERR("%s: read error", path);
	}
	if (!n) {
		free(data);
		return ERR("%s: empty image", path);
	}
	*buf = data;
	*len = n;
	return 0;
}

static int add_segment(struct xs_image *img, uint64_t gpa, const uint8_t *data, uint64_t filesz, uint64_t memsz,
		       char *err, size_t errlen)
{
	if (img->n == XS_IMAGE_MAX_SEGMENTS)
		return ERR("more than %d loadable segments", XS_IMAGE_MAX_SEGMENTS);
	if (gpa + memsz < gpa)
		return ERR("segment at 0x%llx wraps around the address space", (unsigned long long)gpa);
	img->seg[img->n++] = (struct xs_image_segment){gpa, data, filesz, memsz};
	return 0;
}

/* The ELF header fields we use, read from either class. */
struct elf_view {
	unsigned int cls;
	uint64_t entry, phoff;
	unsigned int phentsize, phnum, machine;
};

static int read_elf_header(const uint8_t *buf, size_t len, struct elf_view *v, char *err, size_t errlen)
{
	if (len < EI_NIDENT)
		return ERR("ELF header cut short");
	if (buf[EI_DATA] != ELFDATA2LSB)
		return ERR("not a little-endian ELF file");
	v->cls = buf[EI_CLASS];
	if (v->cls == ELFCLASS64) {
		Elf64_Ehdr h;
		if (len < sizeof(h))
			return ERR("ELF header cut short");
		memcpy(&h, buf, sizeof(h));
		*v = (struct elf_view){64, h.e_entry, h.e_phoff, h.e_phentsize, h.e_phnum, h.e_machine};
		if (h.e_phentsize != sizeof(Elf64_Phdr))
			return ERR("unexpected program header size %u", h.e_phentsize);
	} else if (v->cls == ELFCLASS32) {
		Elf32_Ehdr h;
		if (len < sizeof(h))
			return ERR("ELF header cut short");
		memcpy(&h, buf, sizeof(h));
		*v = (struct elf_view){32, h.e_entry, h.e_phoff, h.e_phentsize, h.e_phnum, h.e_machine};
		if (h.e_phentsize != sizeof(Elf32_Phdr))
			return ERR("unexpected program header size %u", h.e_phentsize);
	} else {
		return ERR("unknown ELF class %u", buf[EI_CLASS]);
	}
	if (v->machine != EM_X86_64 && v->machine != EM_386)
		return ERR("ELF machine %u is not x86", v->machine);
	if (!v->phnum)
		return ERR("ELF file has no program headers");
	if (v->phoff > len || (uint64_t)v->phnum * v->phentsize > len - v->phoff)
		return ERR("program headers lie outside the file");
	return 0;
}

static int parse_elf(const uint8_t *buf, size_t len, struct xs_image *img, char *err, size_t errlen)
{
	struct elf_view v;
	if (read_elf_header(buf, len, &v, err, errlen))
		return -1;
	img->elf = true;
	img->has_entry = true;
	img->entry = v.entry;
	for (unsigned int i = 0; i < v.phnum; i++) {
		const uint8_t *ph = buf + v.phoff + (uint64_t)i * v.phentsize;
		uint64_t type, offset, paddr, filesz, memsz;
		if (v.cls == 64) {
			Elf64_Phdr p;
			memcpy(&p, ph, sizeof(p));
			type = p.p_type, offset = p.p_offset, paddr = p.p_paddr, filesz = p.p_filesz, memsz = p.p_memsz;
		} else {
			Elf32_Phdr p;
			memcpy(&p, ph, sizeof(p));
			type = p.p_type, offset = p.p_offset, paddr = p.p_paddr, filesz = p.p_filesz, memsz = p.p_memsz;
		}
		if (type != PT_LOAD || !memsz)
			continue;
		if (filesz > memsz)
			return ERR("segment %u: file size 0x%llx exceeds memory size 0x%llx", i,
				   (unsigned long long)filesz, (unsigned long long)memsz);
		if (offset > len || filesz > len - offset)
			return ERR("segment %u: data at 0x%llx+0x%llx lies outside the file", i,
				   (unsigned long long)offset, (unsigned long long)filesz);
		if (add_segment(img, paddr, buf + offset, filesz, memsz, err, errlen))
			return -1;
	}
	if (!img->n)
		return ERR("ELF file has no loadable segment");
	return 0;
}

int xs_image_parse(const uint8_t *buf, size_t len, uint64_t flat_load, struct xs_image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (!len)
		return ERR("empty image");
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		char msg[200];
		if (parse_elf(buf, len, img, msg, sizeof(msg)))
			return ERR("bad ELF image: %s", msg);
		return 0;
	}
	return add_segment(img, flat_load, buf, len, len, err, errlen);
}

struct area {
	uint64_t lo, hi; /* [lo, hi) */
	const char *what;
	unsigned int modes; /* bit 0 real, 1 protected, 2 long: where the launcher uses it */
};

static unsigned int mode_bit(unsigned int mode)
{
	return mode == 16 ? 1u : mode == 32 ? 2u : 4u;
}

static const struct area reserved[] = {
	{XS_GPA_GDT, XS_GPA_PARAMS, "the launcher's GDT and TSS", 6},
	{XS_GPA_PARAMS, XS_GPA_PARAMS_END, "the vCPU parameter blocks", 7},
	{XS_GPA_STACKS, XS_GPA_STACKS_END, "the vCPU stacks", 7},
	{XS_GPA_PAGE_TABLES, XS_GPA_PAGE_TABLES_END, "the launcher's page tables", 4},
	{XS_GPA_HOLE, XS_GPA_HOLE_END, "the unmapped MMIO hole", 7},
};

int xs_image_check_layout(const struct xs_image *img, const struct xs_layout_check *lc, char *err, size_t errlen)
{
	bool entry_inside = false;
	for (unsigned int i = 0; i < img->n; i++) {
		const struct xs_image_segment *s = &img->seg[i];
		uint64_t end = s->gpa + s->memsz;
		if (s->gpa >= lc->mem_bytes || end > lc->mem_bytes)
			return ERR("image segment 0x%llx-0x%llx lies outside guest memory (%llu MiB)",
				   (unsigned long long)s->gpa, (unsigned long long)end - 1,
				   (unsigned long long)(lc->mem_bytes >> 20));
		for (size_t a = 0; a < XS_ARRAY_SIZE(reserved); a++) {
			const struct area *r = &reserved[a];
			if ((r->modes & mode_bit(lc->mode)) && s->gpa < r->hi && r->lo < end)
				return ERR("image segment 0x%llx-0x%llx overlaps %s at 0x%llx-0x%llx",
					   (unsigned long long)s->gpa, (unsigned long long)end - 1, r->what,
					   (unsigned long long)r->lo, (unsigned long long)r->hi - 1);
		}
		for (unsigned int j = 0; j < i; j++)
			if (s->gpa < img->seg[j].gpa + img->seg[j].memsz && img->seg[j].gpa < end)
				return ERR("image segments %u and %u overlap", j, i);
		if (lc->entry >= s->gpa && lc->entry < s->gpa + s->filesz)
			entry_inside = true;
	}
	if (lc->entry >= lc->mem_bytes)
		return ERR("entry point 0x%llx lies outside guest memory (%llu MiB)", (unsigned long long)lc->entry,
			   (unsigned long long)(lc->mem_bytes >> 20));
	if (!entry_inside)
		return ERR("entry point 0x%llx is not inside the image", (unsigned long long)lc->entry);
	if (lc->mode == 16 && lc->entry >= 0x100000)
		return ERR("entry point 0x%llx is above 1 MiB, out of reach in real mode",
			   (unsigned long long)lc->entry);
	return 0;
}
