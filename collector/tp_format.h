/* SPDX-License-Identifier: MIT */
/*
 * Tracepoint record layouts from tracefs (events/<system>/<name>/format): each field's name, offset and size
 * as the running kernel lays them out, so the perf backend reads raw samples by field name rather than by
 * offsets fixed at build time. The text comes from the kernel but is parsed as untrusted input (fuzzed).
 */
#ifndef EXITSCOPE_COLLECTOR_TP_FORMAT_H
#define EXITSCOPE_COLLECTOR_TP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_TP_MAX_FIELDS 32

struct xs_tp_field {
	char name[32];
	uint16_t offset;
	uint16_t size;
	bool is_signed;
	bool is_array; /* declared as name[N] */
};

struct xs_tp_format {
	uint32_t id; /* the tracepoint's id: perf's config, and common_type in every record */
	unsigned int nfields;
	struct xs_tp_field fields[XS_TP_MAX_FIELDS];
};

/* Parse a format file's text. 0, or -1 with a message in err. */
int xs_tp_format_parse(const char *text, size_t len, struct xs_tp_format *f, char *err, size_t errlen);

/* Read and parse <dir>/events/<system>/<name>/format. */
int xs_tp_format_load(const char *tracefs_dir, const char *system, const char *name, struct xs_tp_format *f, char *err,
		      size_t errlen);

const struct xs_tp_field *xs_tp_format_field(const struct xs_tp_format *f, const char *name);

#endif
