// SPDX-License-Identifier: MIT
#include "collector/tp_format.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The value after "key:" in a line, up to ';' or the end: copied into buf. */
static bool field_value(const char *line, size_t len, const char *key, char *buf, size_t buflen)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen < len; i++) {
		if (memcmp(line + i, key, klen) || line[i + klen] != ':')
			continue;
		if (i && !isspace((unsigned char)line[i - 1]) && line[i - 1] != ';')
			continue;
		size_t s = i + klen + 1, e = s;
		while (e < len && line[e] != ';')
			e++;
		if (e - s >= buflen)
			return false;
		memcpy(buf, line + s, e - s);
		buf[e - s] = 0;
		return true;
	}
	return false;
}

/* "unsigned long guest_rip" -> "guest_rip"; "__u8 insn[15]" -> "insn", array. */
static bool decl_name(const char *decl, char *name, size_t len, bool *is_array)
{
	size_t n = strlen(decl);
	while (n && isspace((unsigned char)decl[n - 1]))
		n--;
	*is_array = false;
	if (n && decl[n - 1] == ']') {
		while (n && decl[n - 1] != '[')
			n--;
		if (!n)
			return false;
		n--;
		*is_array = true;
	}
	size_t e = n;
	while (n && (isalnum((unsigned char)decl[n - 1]) || decl[n - 1] == '_'))
		n--;
	if (e == n || e - n >= len)
		return false;
	/* a declaration is a type and a name: something must come before the name ("int *p", "int*p") */
	size_t t = n;
	while (t && isspace((unsigned char)decl[t - 1]))
		t--;
	if (!t)
		return false;
	memcpy(name, decl + n, e - n);
	name[e - n] = 0;
	return true;
}

static bool number(const char *s, uint64_t max, uint64_t *out)
{
	while (isspace((unsigned char)*s))
		s++;
	return xs_parse_range(s, 0, max, out);
}

static int parse_field(const char *line, size_t len, struct xs_tp_format *f, char *err, size_t errlen)
{
	char decl[128], off[24], size[24], sign[8];
	if (!field_value(line, len, "field", decl, sizeof(decl)) ||
	    !field_value(line, len, "offset", off, sizeof(off)) ||
	    !field_value(line, len, "size", size, sizeof(size))) {
		snprintf(err, errlen, "malformed field line");
		return -1;
	}
	struct xs_tp_field fl = {0};
	uint64_t o, sz;
	if (!decl_name(decl, fl.name, sizeof(fl.name), &fl.is_array) || !number(off, 0xffff, &o) ||
	    !number(size, 0xffff, &sz) || (sz == 0 && !fl.is_array) || o + sz > 0xffff) {
		snprintf(err, errlen, "bad field '%.60s'", decl);
		return -1;
	}
	fl.offset = (uint16_t)o;
	fl.size = (uint16_t)sz;
	fl.is_signed = field_value(line, len, "signed", sign, sizeof(sign)) && atoi(sign) == 1;
	if (f->nfields == XS_TP_MAX_FIELDS) {
		snprintf(err, errlen, "more than %d fields", XS_TP_MAX_FIELDS);
		return -1;
	}
	f->fields[f->nfields++] = fl;
	return 0;
}

int xs_tp_format_parse(const char *text, size_t len, struct xs_tp_format *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	bool have_id = false;
	size_t pos = 0;
	while (pos < len) {
		size_t e = pos;
		while (e < len && text[e] != '\n')
			e++;
		const char *line = text + pos;
		size_t n = e - pos;
		size_t i = 0;
		while (i < n && isspace((unsigned char)line[i]))
			i++;
		if (n - i >= 3 && !memcmp(line + i, "ID:", 3)) {
			char buf[24];
			size_t l = n - i - 3;
			uint64_t id;
			if (l >= sizeof(buf)) {
				snprintf(err, errlen, "bad ID line");
				return -1;
			}
			memcpy(buf, line + i + 3, l);
			buf[l] = 0;
			if (!number(buf, 0xffff, &id)) {
				snprintf(err, errlen, "bad ID line");
				return -1;
			}
			f->id = (uint32_t)id;
			have_id = true;
		} else if (n - i >= 6 && !memcmp(line + i, "field:", 6)) {
			if (parse_field(line + i, n - i, f, err, errlen))
				return -1;
		}
		pos = e + 1;
	}
	if (!have_id) {
		snprintf(err, errlen, "no ID line");
		return -1;
	}
	if (!f->nfields) {
		snprintf(err, errlen, "no fields");
		return -1;
	}
	return 0;
}

int xs_tp_format_load(const char *tracefs_dir, const char *system, const char *name, struct xs_tp_format *f, char *err,
		      size_t errlen)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs_dir, system, name);
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	static char text[64 << 10];
	size_t n = fread(text, 1, sizeof(text), fp);
	fclose(fp);
	char why[128];
	if (xs_tp_format_parse(text, n, f, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

const struct xs_tp_field *xs_tp_format_field(const struct xs_tp_format *f, const char *name)
{
	for (unsigned int i = 0; i < f->nfields; i++) {
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	}
	return NULL;
}
