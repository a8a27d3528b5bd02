/* SPDX-License-Identifier: MIT */
/*
 * The guest-state block as table columns: one entry per register, naming its column in `guest_state`, where
 * it lives in struct xs_guest_state and which `valid` bit says it was read. The schema, the writer and the
 * tests all walk this one table, so the column list cannot drift from the record.
 */
#ifndef EXITSCOPE_DB_GUEST_STATE_H
#define EXITSCOPE_DB_GUEST_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

struct xs_gs_column {
	char name[16];	    /* column name: "rax", "cr3", "cs_base", "gdtr_limit" */
	uint16_t offset;    /* in struct xs_guest_state */
	uint8_t size;	    /* 2, 4 or 8 bytes */
	uint64_t valid_bit; /* XS_GS_* */
};

/* The columns, in table order; the count is returned. */
size_t xs_gs_columns(const struct xs_gs_column **cols);

uint64_t xs_gs_get(const struct xs_guest_state *gs, const struct xs_gs_column *c);
void xs_gs_set(struct xs_guest_state *gs, const struct xs_gs_column *c, uint64_t v);

#endif
