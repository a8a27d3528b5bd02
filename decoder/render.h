/* SPDX-License-Identifier: MIT */
/* Renderers that append to a writer: the building blocks of xs_decoded_fields_*, xs_record_* and the batch
 * decoder's lines. */
#ifndef EXITSCOPE_DECODER_RENDER_H
#define EXITSCOPE_DECODER_RENDER_H

#include "decoder/decoder.h"
#include "decoder/writer.h"

/* {"cr":3,"access_type":0,"access_type_name":"MOV_TO_CR",...} */
void xs_render_fields_json(struct xs_writer *w, const struct xs_decoded *d);
/* cr=3 access_type=MOV_TO_CR gpr=RAX */
void xs_render_fields_text(struct xs_writer *w, const struct xs_decoded *d);
/* The reason as text: "CR_ACCESS", or "reserved-35" / "unknown-0x1234" when the table has no name. */
void xs_render_reason_name(struct xs_writer *w, unsigned int isa, uint32_t reason, const char *name);

#endif
