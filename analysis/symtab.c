// SPDX-License-Identifier: MIT
#include "analysis/symtab.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define SYMFILE_MAX (1ull << 30) /* a vmlinux with full debug info is a few hundred MiB */

/* A symbol while the table is built: sizeless ones (end 0) end at the next symbol, at most at `limit`. */
struct entry {
	struct xs_symbol sym;
	uint64_t limit; /* UINT64_MAX: none (the last sizeless symbol then covers only its address) */
};

struct xs_symtab {
	struct entry *syms;
	size_t n, cap;
	char *names; /* every name, NUL-separated: one allocation */
	size_t names_len, names_cap;
	char origin[160];
};

static void fail(char *err, size_t errlen, const char *fmt, ...) XS_PRINTF(3, 4);
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct xs_symtab *table_new(void)
{
	return xs_calloc(1, sizeof(struct xs_symtab));
}

/* Names are kept as offsets into t->names until the table is finished (the buffer moves as it grows). */
static void table_add(struct xs_symtab *t, const char *name, size_t name_len, uint64_t addr, uint64_t end,
		      uint64_t limit)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->syms = xs_realloc(t->syms, t->cap * sizeof(*t->syms));
	}
	if (t->names_len + name_len + 1 > t->names_cap) {
		t->names_cap = (t->names_len + name_len + 1) * 2;
		t->names = xs_realloc(t->names, t->names_cap);
	}
	memcpy(t->names + t->names_len, name, name_len);
	t->names[t->names_len + name_len] = 0;
	t->syms[t->n++] = (struct entry){
		.sym = {.addr = addr, .end = end, .name = (const char *)(uintptr_t)t->names_len},
		.limit = limit,
	};
	t->names_len += name_len + 1;
}

static int by_addr(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->sym.addr != b->sym.addr)
		return a->sym.addr < b->sym.addr ? -1 : 1;
	/* aliases: the one with a known extent first, then the first added, for a stable choice */
	if (a->sym.end != b->sym.end)
		return a->sym.end > b->sym.end ? -1 : 1;
	return (uintptr_t)a->sym.name < (uintptr_t)b->sym.name ? -1 : (uintptr_t)a->sym.name > (uintptr_t)b->sym.name;
}

/* Sort, keep one name per address, give sizeless symbols their extent, turn name offsets into pointers. */
static void table_finish(struct xs_symtab *t)
{
	qsort(t->syms, t->n, sizeof(*t->syms), by_addr);
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (w && t->syms[w - 1].sym.addr == t->syms[i].sym.addr)
			continue;
		t->syms[w++] = t->syms[i];
	}
	t->n = w;
	for (size_t i = 0; i < t->n; i++) {
		struct xs_symbol *s = &t->syms[i].sym;
		s->name = t->names + (uintptr_t)s->name;
		if (s->end > s->addr)
			continue;
		uint64_t limit = t->syms[i].limit;
		uint64_t next = i + 1 < t->n ? t->syms[i + 1].sym.addr : limit == UINT64_MAX ? s->addr + 1 : limit;
		s->end = next < limit ? next : limit;
		if (s->end <= s->addr)
			s->end = s->addr + 1; /* at least its own address (also for a wrapped size) */
	}
}

/* ---- text maps: System.map, kallsyms ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_text_type(char c)
{
	return c == 't' || c == 'T' || c == 'w' || c == 'W';
}

/* One line of a text map, as offsets into the line. */
struct text_line {
	uint64_t addr;
	char type;
	size_t name_start, name_len;
	size_t mod_start, mod_len; /* kallsyms' "[module]" after a tab, or 0 */
};

/* Returns 1 for a symbol line (filled into *out), 0 for a blank line, -1 for a line of another shape. */
static int parse_text_line(const char *line, size_t ll, struct text_line *out)
{
	size_t i = 0;
	while (i < ll && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == ll)
		return 0;
	uint64_t addr = 0;
	size_t digits = 0;
	for (int v; i < ll && (v = hexval(line[i])) >= 0; i++, digits++)
		addr = addr << 4 | (uint64_t)v;
	bool ok = digits >= 1 && digits <= 16 && i + 2 < ll && line[i] == ' ' && line[i + 2] == ' ' &&
		  ((line[i + 1] | 0x20) >= 'a' && (line[i + 1] | 0x20) <= 'z');
	if (!ok)
		return -1;
	out->addr = addr;
	out->type = line[i + 1];
	i += 3;
	out->name_start = i;
	for (; i < ll; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\t' || c < 0x20 || c == 0x7f)
			break;
	}
	out->name_len = i - out->name_start;
	/* kallsyms: "name\t[module]" */
	out->mod_start = out->mod_len = 0;
	if (i < ll && line[i] == '\t') {
		out->mod_start = i + 1;
		out->mod_len = ll - out->mod_start;
		if (out->mod_len < 3 || line[out->mod_start] != '[' || line[ll - 1] != ']')
			return -1;
		for (size_t k = out->mod_start; k < ll; k++)
			if ((unsigned char)line[k] <= 0x20 || line[k] == 0x7f)
				return -1;
	} else if (i < ll) {
		return -1;
	}
	if (!out->name_len || out->name_len + out->mod_len + 1 >= XS_SYM_NAME_MAX ||
	    memchr(line + out->name_start, ' ', out->name_len))
		return -1;
	return 1;
}

static struct xs_symtab *parse_text(const char *buf, size_t len, const char *what, uint64_t offset, char *err,
				    size_t errlen)
{
	struct xs_symtab *t = table_new();
	size_t lineno = 0, lines = 0;
	bool nonzero = false;
	for (size_t pos = 0; pos < len;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + 1;
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		struct text_line tl;
		int kind = parse_text_line(line, ll, &tl);
		if (kind < 0) {
			fail(err, errlen, "%s:%zu: not a System.map or kallsyms line (want 'ADDRESS TYPE NAME')", what,
			     lineno);
			xs_symtab_free(t);
			return NULL;
		}
		if (kind == 0)
			continue;
		lines++;
		if (tl.addr)
			nonzero = true;
		if (!is_text_type(tl.type))
			continue;
		char name[XS_SYM_NAME_MAX];
		memcpy(name, line + tl.name_start, tl.name_len);
		size_t nl2 = tl.name_len;
		if (tl.mod_len) {
			name[nl2++] = ' ';
			memcpy(name + nl2, line + tl.mod_start, tl.mod_len);
			nl2 += tl.mod_len;
		}
		table_add(t, name, nl2, tl.addr + offset, 0, UINT64_MAX);
	}
	if (!lines) {
		fail(err, errlen, "%s: empty: no symbols", what);
	} else if (!nonzero) {
		fail(err, errlen,
		     "%s: every address is 0 (a kallsyms dump read without privilege: read /proc/kallsyms as root)",
		     what);
	} else if (!t->n) {
		fail(err, errlen, "%s: no text symbols (types t, T, w, W) among %zu lines", what, lines);
	} else {
		table_finish(t);
		snprintf(t->origin, sizeof(t->origin), "%s (text map, %zu text symbols)", what, t->n);
		return t;
	}
	xs_symtab_free(t);
	return NULL;
}

/* ---- ELF ---- */

/* The symbol table to read (.symtab, else .dynsym) of a checked section table; NULL after fail(). */
static Elf_Scn *find_symtab(Elf *e, size_t len, const char *what, GElf_Shdr *sym_sh, size_t *shnum, const char **kind,
			    char *err, size_t errlen)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh)) {
		fail(err, errlen, "%s: damaged ELF header: %s", what, elf_errmsg(-1));
		return NULL;
	}
	if (eh.e_shoff > len || (uint64_t)eh.e_shnum * eh.e_shentsize > len - eh.e_shoff) {
		fail(err, errlen, "%s: truncated ELF file: its section table lies past the end", what);
		return NULL;
	}
	if (elf_getshdrnum(e, shnum)) {
		fail(err, errlen, "%s: damaged ELF section table: %s", what, elf_errmsg(-1));
		return NULL;
	}
	Elf_Scn *symscn = NULL, *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !symscn)) {
			symscn = scn;
			*sym_sh = sh;
			*kind = sh.sh_type == SHT_SYMTAB ? ".symtab" : ".dynsym";
		}
	}
	if (!symscn) {
		fail(err, errlen,
		     "%s: ELF file without a symbol table (stripped?): use an unstripped image or its "
		     "System.map",
		     what);
		return NULL;
	}
	if (!sym_sh->sh_entsize || sym_sh->sh_link >= *shnum) {
		fail(err, errlen, "%s: damaged ELF symbol table", what);
		return NULL;
	}
	return symscn;
}

/* The code symbols (functions and untyped symbols in executable sections) of one symbol table. */
static struct xs_symtab *read_code_symbols(Elf *e, Elf_Scn *symscn, const GElf_Shdr *sym_sh, size_t shnum,
					   const char *kind, const char *what, uint64_t offset, char *err,
					   size_t errlen)
{
	Elf_Data *data = elf_getdata(symscn, NULL);
	if (!data || !data->d_buf) {
		fail(err, errlen, "%s: unreadable ELF symbol table: %s", what, elf_errmsg(-1));
		return NULL;
	}
	size_t nsyms = data->d_size / sym_sh->sh_entsize;
	struct xs_symtab *t = table_new();
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			break;
		int type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_NOTYPE) || sym.st_shndx == SHN_UNDEF || sym.st_shndx >= shnum)
			continue;
		Elf_Scn *sec = elf_getscn(e, sym.st_shndx);
		GElf_Shdr sh;
		if (!sec || !gelf_getshdr(sec, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		const char *name = elf_strptr(e, sym_sh->sh_link, sym.st_name);
		if (!name || !*name || !strncmp(name, ".L", 2))
			continue;
		size_t nlen = strnlen(name, XS_SYM_NAME_MAX);
		if (nlen >= XS_SYM_NAME_MAX) {
			fail(err, errlen, "%s: symbol %zu has a name longer than %d bytes", what, i,
			     XS_SYM_NAME_MAX - 1);
			xs_symtab_free(t);
			return NULL;
		}
		uint64_t addr = sym.st_value + offset;
		uint64_t end = sym.st_size ? addr + sym.st_size : 0;
		table_add(t, name, nlen, addr, end, sh.sh_addr + sh.sh_size + offset);
	}
	if (!t->n) {
		fail(err, errlen, "%s: ELF %s has no code symbols (stripped?)", what, kind);
		xs_symtab_free(t);
		return NULL;
	}
	table_finish(t);
	snprintf(t->origin, sizeof(t->origin), "%s (ELF %s, %zu code symbols)", what, kind, t->n);
	return t;
}

static struct xs_symtab *parse_elf(const void *buf, size_t len, const char *what, uint64_t offset, char *err,
				   size_t errlen)
{
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fail(err, errlen, "%s: libelf: %s", what, elf_errmsg(-1));
		return NULL;
	}
	/*
	 * libelf reads a file of the other byte order by converting it in place: give it a private copy then, so the
	 * caller's buffer stays as it was (x86 guests are little-endian: the copy is the rare case).
	 */
	void *copy = NULL;
	if (len > EI_DATA && ((const unsigned char *)buf)[EI_DATA] != ELFDATA2LSB) {
		copy = xs_malloc(len);
		memcpy(copy, buf, len);
		buf = copy;
	}
	Elf *e = elf_memory((char *)buf, len);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		fail(err, errlen, "%s: not a readable ELF file: %s", what, elf_errmsg(-1));
		if (e)
			elf_end(e);
		free(copy);
		return NULL;
	}
	struct xs_symtab *t = NULL;
	GElf_Shdr sym_sh;
	size_t shnum;
	const char *kind = NULL;
	Elf_Scn *symscn = find_symtab(e, len, what, &sym_sh, &shnum, &kind, err, errlen);
	if (symscn)
		t = read_code_symbols(e, symscn, &sym_sh, shnum, kind, what, offset, err, errlen);
	elf_end(e);
	free(copy);
	return t;
}

/* ---- the interface ---- */

struct xs_symtab *xs_symtab_parse(const void *buf, size_t len, const char *what, uint64_t offset, char *err,
				  size_t errlen)
{
	if (len >= 4 && !memcmp(buf, "\177ELF", 4))
		return parse_elf(buf, len, what, offset, err, errlen);
	/* A text map is printable; anything else is the wrong kind of file. */
	const unsigned char *p = buf;
	for (size_t i = 0; i < len && i < 4096; i++) {
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') || p[i] == 0x7f) {
			fail(err, errlen, "%s: neither an ELF file nor a System.map or kallsyms dump", what);
			return NULL;
		}
	}
	return parse_text(buf, len, what, offset, err, errlen);
}

struct xs_symtab *xs_symtab_load(const char *path, uint64_t offset, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fail(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > SYMFILE_MAX) {
		fail(err, errlen, "%s: larger than 1 GiB: not a symbol file", path);
		close(fd);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	char *buf = xs_malloc(len + 1);
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(err, errlen, "%s: read: %s", path, n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	struct xs_symtab *t = xs_symtab_parse(buf, len, path, offset, err, errlen);
	free(buf);
	return t;
}

struct xs_symtab *xs_symtab_from_list(const char *const *names, const uint64_t *addrs, size_t n, uint64_t limit)
{
	struct xs_symtab *t = table_new();
	for (size_t i = 0; i < n; i++)
		table_add(t, names[i], strnlen(names[i], XS_SYM_NAME_MAX - 1), addrs[i], 0, limit ? limit : UINT64_MAX);
	table_finish(t);
	snprintf(t->origin, sizeof(t->origin), "%zu symbols", t->n);
	return t;
}

void xs_symtab_free(struct xs_symtab *t)
{
	if (!t)
		return;
	free(t->syms);
	free(t->names);
	free(t);
}

size_t xs_symtab_count(const struct xs_symtab *t)
{
	return t ? t->n : 0;
}

const struct xs_symbol *xs_symtab_at(const struct xs_symtab *t, uint32_t index)
{
	return t && index < t->n ? &t->syms[index].sym : NULL;
}

const char *xs_symtab_origin(const struct xs_symtab *t)
{
	return t->origin;
}

void xs_symtab_set_origin(struct xs_symtab *t, const char *origin)
{
	snprintf(t->origin, sizeof(t->origin), "%s", origin);
}

uint32_t xs_symtab_find(const struct xs_symtab *t, uint64_t addr)
{
	if (!t || !t->n || addr < t->syms[0].sym.addr)
		return XS_SYM_NONE;
	size_t lo = 0, hi = t->n; /* the last symbol with addr <= the address lies in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->syms[mid].sym.addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return addr < t->syms[lo].sym.end ? (uint32_t)lo : XS_SYM_NONE;
}

const char *xs_symtab_format(const struct xs_symtab *t, bool has_addr, uint64_t addr, char *buf, size_t len)
{
	if (!has_addr) {
		snprintf(buf, len, "(no RIP)");
		return buf;
	}
	uint32_t i = xs_symtab_find(t, addr);
	if (i == XS_SYM_NONE)
		snprintf(buf, len, "0x%llx (no symbol)", (unsigned long long)addr);
	else if (addr == t->syms[i].sym.addr)
		snprintf(buf, len, "%s", t->syms[i].sym.name);
	else
		snprintf(buf, len, "%s+0x%llx", t->syms[i].sym.name, (unsigned long long)(addr - t->syms[i].sym.addr));
	return buf;
}
