// SPDX-License-Identifier: MIT
/* Decoded fields as JSON members or as `name=value` text. Freestanding (decoder/writer.h). */
#include "decoder/render.h"
#include "decoder/strings.h"

void xs_render_fields_json(struct xs_writer *w, const struct xs_decoded *d)
{
	xs_w_ch(w, '{');
	for (unsigned int i = 0; i < d->nfields; i++) {
		const struct xs_field *f = &d->fields[i];
		if (i)
			xs_w_ch(w, ',');
		xs_w_ch(w, '"');
		xs_w_str(w, f->name);
		xs_w_mem(w, "\":", 2);
		if (f->flags & XS_FIELD_SIGNED)
			xs_w_i64(w, (int64_t)f->value);
		else
			xs_w_u64(w, f->value);
		if (f->value_name) {
			xs_w_mem(w, ",\"", 2);
			xs_w_str(w, f->name);
			xs_w_mem(w, "_name\":\"", 8);
			xs_w_str(w, f->value_name); /* our own constant names: nothing to escape */
			xs_w_ch(w, '"');
		}
	}
	if (d->dropped_fields) {
		xs_w_str(w, d->nfields ? ",\"fields_dropped\":" : "\"fields_dropped\":");
		xs_w_u64(w, d->dropped_fields);
	}
	xs_w_ch(w, '}');
}

void xs_render_fields_text(struct xs_writer *w, const struct xs_decoded *d)
{
	for (unsigned int i = 0; i < d->nfields; i++) {
		const struct xs_field *f = &d->fields[i];
		if (i)
			xs_w_ch(w, ' ');
		xs_w_str(w, f->name);
		xs_w_ch(w, '=');
		if (f->value_name)
			xs_w_str(w, f->value_name);
		else if (f->flags & XS_FIELD_HEX)
			xs_w_hex(w, f->value);
		else if (f->flags & XS_FIELD_SIGNED)
			xs_w_i64(w, (int64_t)f->value);
		else
			xs_w_u64(w, f->value);
	}
	if (d->dropped_fields) {
		xs_w_str(w, d->nfields ? " fields_dropped=" : "fields_dropped=");
		xs_w_u64(w, d->dropped_fields);
	}
}

size_t xs_decoded_fields_json(const struct xs_decoded *d, char *buf, size_t len)
{
	struct xs_writer w;
	xs_w_init(&w, buf, len);
	xs_render_fields_json(&w, d);
	return xs_w_finish(&w);
}

size_t xs_decoded_fields_text(const struct xs_decoded *d, char *buf, size_t len)
{
	struct xs_writer w;
	xs_w_init(&w, buf, len);
	xs_render_fields_text(&w, d);
	return xs_w_finish(&w);
}

void xs_render_reason_name(struct xs_writer *w, unsigned int isa, uint32_t reason, const char *name)
{
	if (name) {
		xs_w_str(w, name);
		return;
	}
	const char *desc = xs_reason_description(isa, reason);
	xs_w_str(w, desc ? "reserved-" : "unknown-");
	xs_w_hex(w, reason);
}
