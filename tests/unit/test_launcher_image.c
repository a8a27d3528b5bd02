// SPDX-License-Identifier: MIT
/* Unit tests for guest images (launcher/image.c): flat and ELF parsing, placement checks, file reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/guest_abi.h"
#include "launcher/image.h"

static char err[256];
#define MIB (1ull << 20)

static void expect_layout_error(const struct xs_image *img, uint64_t mem, unsigned int mode, uint64_t entry,
				const char *what)
{
	struct xs_layout_check lc = {mem, mode, entry};
	err[0] = 0;
	assert_int_equal(xs_image_check_layout(img, &lc, err, sizeof(err)), -1);
	if (!strstr(err, what))
		fail_msg("layout error '%s' lacks '%s'", err, what);
}

static void test_flat(void **state)
{
	(void)state;
	uint8_t code[64] = {0xf4};
	struct xs_image img;
	assert_int_equal(xs_image_parse(code, sizeof(code), 0x8000, &img, err, sizeof(err)), 0);
	assert_false(img.elf);
	assert_int_equal(img.n, 1);
	assert_int_equal(img.seg[0].gpa, 0x8000);
	assert_int_equal(img.seg[0].filesz, 64);
	struct xs_layout_check lc = {16 * MIB, 64, 0x8000};
	assert_int_equal(xs_image_check_layout(&img, &lc, err, sizeof(err)), 0);
	assert_int_equal(xs_image_parse(code, 0, 0x8000, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty image"));
}

static void test_layout(void **state)
{
	(void)state;
	uint8_t code[0x1000] = {0};
	struct xs_image img;
	xs_image_parse(code, sizeof(code), 0x8000, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 64, 0x9000, "not inside the image");
	expect_layout_error(&img, 16 * MIB, 64, 32 * MIB, "outside guest memory");
	xs_image_parse(code, sizeof(code), 0x1000, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 64, 0x1000, "GDT");
	struct xs_layout_check real = {16 * MIB, 16, 0x1800};
	xs_image_parse(code, sizeof(code), 0x1800, &img, err, sizeof(err));
	assert_int_equal(xs_image_check_layout(&img, &real, err, sizeof(err)), -1); /* params at 0x2000 */
	assert_non_null(strstr(err, "parameter blocks"));
	real.entry = 0x1000;
	xs_image_parse(code, 0x800, 0x1000, &img, err, sizeof(err));
	assert_int_equal(xs_image_check_layout(&img, &real, err, sizeof(err)), 0); /* real mode: no GDT */
	xs_image_parse(code, sizeof(code), 0x90000, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 64, 0x90000, "page tables");
	struct xs_layout_check prot = {16 * MIB, 32, 0x90000};
	assert_int_equal(xs_image_check_layout(&img, &prot, err, sizeof(err)), 0); /* no paging in protected mode */
	xs_image_parse(code, sizeof(code), 0x9f800, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 32, 0x9f800, "MMIO hole");
	xs_image_parse(code, sizeof(code), 0x70000, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 32, 0x70000, "stacks");
	xs_image_parse(code, sizeof(code), MIB - 0x800, &img, err, sizeof(err));
	expect_layout_error(&img, MIB, 32, MIB - 0x800, "outside guest memory");
	xs_image_parse(code, sizeof(code), 0x200000, &img, err, sizeof(err));
	expect_layout_error(&img, 16 * MIB, 16, 0x200000, "above 1 MiB");
	struct xs_layout_check lm = {16 * MIB, 64, 0x200000};
	assert_int_equal(xs_image_check_layout(&img, &lm, err, sizeof(err)), 0);
}

/* A minimal ELF64 with two PT_LOAD segments and a PT_NOTE, built in memory. */
static size_t make_elf64(uint8_t *buf, size_t cap, uint64_t entry, uint64_t paddr0, uint64_t bss)
{
	memset(buf, 0, cap);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	memcpy(buf, &eh, sizeof(eh));
	Elf64_Phdr ph[3] = {
		{.p_type = PT_LOAD, .p_offset = 0x200, .p_paddr = paddr0, .p_filesz = 0x100, .p_memsz = 0x100},
		{.p_type = PT_NOTE, .p_offset = 0x300, .p_paddr = 0, .p_filesz = 4, .p_memsz = 4},
		{.p_type = PT_LOAD, .p_offset = 0x300, .p_paddr = paddr0 + 0x1000, .p_filesz = 0x10, .p_memsz = bss},
	};
	memcpy(buf + sizeof(eh), ph, sizeof(ph));
	buf[0x200] = 0xf4;
	return 0x400;
}

static void test_elf64(void **state)
{
	(void)state;
	uint8_t buf[0x400];
	size_t n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x2000);
	struct xs_image img;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), 0);
	assert_true(img.elf);
	assert_true(img.has_entry);
	assert_int_equal(img.entry, 0x200000);
	assert_int_equal(img.n, 2);
	assert_int_equal(img.seg[0].data[0], 0xf4);
	assert_int_equal(img.seg[1].memsz, 0x2000);
	struct xs_layout_check lc = {16 * MIB, 64, img.entry};
	assert_int_equal(xs_image_check_layout(&img, &lc, err, sizeof(err)), 0);

	/* broken variants */
	n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x8); /* filesz > memsz */
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds memory size"));
	n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x2000);
	assert_int_equal(xs_image_parse(buf, 0x250, 0, &img, err, sizeof(err)), -1); /* segment 0 cut off */
	assert_non_null(strstr(err, "outside the file"));
	assert_int_equal(xs_image_parse(buf, 40, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cut short"));
	buf[EI_CLASS] = 7;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "class"));
	n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x2000);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	eh->e_machine = EM_AARCH64;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not x86"));
	eh->e_machine = EM_X86_64;
	eh->e_phoff = 0x3f0;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "program headers lie outside"));
	n = make_elf64(buf, sizeof(buf), 0x200000, 0xffffffffffffff80ull, 0x2000);
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wraps"));
	n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x2000);
	eh->e_phnum = 0;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no program headers"));
}

static void test_elf32(void **state)
{
	(void)state;
	uint8_t buf[0x200] = {0};
	Elf32_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_machine = EM_386;
	eh.e_entry = 0x100000;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = 1;
	memcpy(buf, &eh, sizeof(eh));
	Elf32_Phdr ph = {.p_type = PT_LOAD, .p_offset = 0x100, .p_paddr = 0x100000, .p_filesz = 0x10, .p_memsz = 0x10};
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	struct xs_image img;
	assert_int_equal(xs_image_parse(buf, sizeof(buf), 0, &img, err, sizeof(err)), 0);
	assert_int_equal(img.entry, 0x100000);
	assert_int_equal(img.n, 1);
	ph.p_type = PT_NOTE;
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(xs_image_parse(buf, sizeof(buf), 0, &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no loadable segment"));
}

static void test_overlapping_segments(void **state)
{
	(void)state;
	uint8_t buf[0x400];
	size_t n = make_elf64(buf, sizeof(buf), 0x200000, 0x200000, 0x2000);
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr));
	ph[2].p_paddr = 0x200080;
	struct xs_image img;
	assert_int_equal(xs_image_parse(buf, n, 0, &img, err, sizeof(err)), 0);
	expect_layout_error(&img, 16 * MIB, 64, 0x200000, "overlap");
}

static void test_read_file(void **state)
{
	(void)state;
	char path[] = "/tmp/xs_img_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	uint8_t *data;
	size_t len;
	assert_int_equal(xs_image_read_file(path, MIB, &data, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty image"));
	static uint8_t big[200000];
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	assert_int_equal(xs_image_read_file(path, MIB, &data, &len, err, sizeof(err)), 0);
	assert_int_equal(len, sizeof(big));
	free(data);
	assert_int_equal(xs_image_read_file(path, 100000, &data, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than guest memory"));
	unlink(path);
	assert_int_equal(xs_image_read_file(path, MIB, &data, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_elf64),
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_overlapping_segments),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
