// SPDX-License-Identifier: MIT
/*
 * One exit record as one line (xs_record_text, xs_record_json): what `record --print` and `run --print`
 * write. The JSON form carries every raw field plus the decoded name, fields and detail; 64-bit addresses and
 * raw qualification words are hex strings (JSON numbers lose precision past 2^53), counts are numbers.
 * Freestanding (decoder/writer.h).
 */
#include "decoder/decoder.h"
#include "decoder/detail_fields.h"
#include "decoder/render.h"

/* ---- JSON helpers: members after the first get a leading comma ---- */

static void key(struct xs_writer *w, const char *k)
{
	xs_w_ch(w, ',');
	xs_w_ch(w, '"');
	xs_w_str(w, k);
	xs_w_mem(w, "\":", 2);
}

static void num(struct xs_writer *w, const char *k, uint64_t v)
{
	key(w, k);
	xs_w_u64(w, v);
}

static void hexstr(struct xs_writer *w, const char *k, uint64_t v)
{
	key(w, k);
	xs_w_ch(w, '"');
	xs_w_hex(w, v);
	xs_w_ch(w, '"');
}

static void str(struct xs_writer *w, const char *k, const char *v)
{
	key(w, k);
	if (v) {
		xs_w_ch(w, '"');
		xs_w_str(w, v);
		xs_w_ch(w, '"');
	} else {
		xs_w_str(w, "null");
	}
}

/* One field of the detail table (decoder/detail_fields.h) as a JSON member. */
static void field_json(struct xs_writer *w, const union xs_detail *u, const struct xs_detail_field *f)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int n = xs_detail_len(u, f);
	switch (f->fmt) {
	case XS_DF_NUM:
		num(w, f->name, xs_detail_get(u, f, 0));
		break;
	case XS_DF_HEX:
		hexstr(w, f->name, xs_detail_get(u, f, 0));
		break;
	case XS_DF_IO_DIR:
		str(w, f->name, xs_detail_get(u, f, 0) == XS_IO_IN ? "IN" : "OUT");
		break;
	case XS_DF_HEX_ARRAY:
		key(w, f->name);
		xs_w_ch(w, '[');
		for (unsigned int i = 0; i < n; i++) {
			if (i)
				xs_w_ch(w, ',');
			xs_w_ch(w, '"');
			xs_w_hex(w, xs_detail_get(u, f, i));
			xs_w_ch(w, '"');
		}
		xs_w_ch(w, ']');
		break;
	case XS_DF_BYTES:
		key(w, f->name);
		xs_w_ch(w, '"');
		for (unsigned int i = 0; i < n; i++) {
			uint64_t byte = xs_detail_get(u, f, i);
			xs_w_ch(w, digits[(byte >> 4) & 0xf]);
			xs_w_ch(w, digits[byte & 0xf]);
		}
		xs_w_ch(w, '"');
		break;
	default:
		break;
	}
}

/* The detail union as JSON members (into an object the caller opened), by detail_kind, as the detail table
 * lists them. Counts that come from the record are clamped to the arrays' sizes: a corrupt record never reads
 * past the union. */
static void detail_json(struct xs_writer *w, const struct xs_exit_record *r)
{
	for (unsigned int i = 0; i < xs_detail_nfields; i++)
		if (xs_detail_fields[i].kind == r->detail_kind)
			field_json(w, &r->detail, &xs_detail_fields[i]);
}

static const char *const gpr_keys[XS_GPR_COUNT] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
						   "r8",  "r9",	 "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const seg_keys[XS_SEG_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};

static void guest_state_json(struct xs_writer *w, const struct xs_guest_state *gs)
{
	xs_w_str(w, "{\"valid\":\"");
	xs_w_hex(w, gs->valid);
	xs_w_ch(w, '"');
	for (unsigned int i = 0; i < XS_GPR_COUNT; i++)
		hexstr(w, gpr_keys[i], gs->gpr[i]);
	hexstr(w, "rip", gs->rip);
	hexstr(w, "rflags", gs->rflags);
	hexstr(w, "cr0", gs->cr0);
	hexstr(w, "cr2", gs->cr2);
	hexstr(w, "cr3", gs->cr3);
	hexstr(w, "cr4", gs->cr4);
	hexstr(w, "cr8", gs->cr8);
	hexstr(w, "efer", gs->efer);
	hexstr(w, "dr6", gs->dr6);
	hexstr(w, "dr7", gs->dr7);
	key(w, "segments");
	xs_w_ch(w, '{');
	for (unsigned int i = 0; i < XS_SEG_COUNT; i++) {
		if (i)
			xs_w_ch(w, ',');
		xs_w_ch(w, '"');
		xs_w_str(w, seg_keys[i]);
		xs_w_str(w, "\":{\"selector\":");
		xs_w_u64(w, gs->seg_sel[i]);
		hexstr(w, "base", gs->seg_base[i]);
		hexstr(w, "limit", gs->seg_limit[i]);
		hexstr(w, "ar", gs->seg_ar[i]);
		xs_w_ch(w, '}');
	}
	xs_w_ch(w, '}');
	hexstr(w, "gdtr_base", gs->gdtr_base);
	num(w, "gdtr_limit", gs->gdtr_limit);
	hexstr(w, "idtr_base", gs->idtr_base);
	num(w, "idtr_limit", gs->idtr_limit);
	xs_w_ch(w, '}');
}

size_t xs_record_json(const struct xs_exit_record *r, char *buf, size_t len)
{
	struct xs_decoded d;
	xs_decode(r, &d);
	struct xs_writer w;
	xs_w_init(&w, buf, len);
	xs_w_str(&w, "{\"version\":");
	xs_w_u64(&w, r->version);
	str(&w, "isa", xs_isa_name(r->isa));
	str(&w, "source", xs_source_name(r->source));
	num(&w, "flags", r->flags);
	num(&w, "reason", r->reason);
	str(&w, "name", d.name);
	num(&w, "vcpu", r->vcpu);
	num(&w, "ts", r->ts);
	num(&w, "seq", r->seq);
	num(&w, "pid", r->pid);
	num(&w, "tid", r->tid);
	num(&w, "cpu", r->cpu);
	hexstr(&w, "qualification", r->qualification);
	hexstr(&w, "info2", r->info2);
	hexstr(&w, "intr_info", r->intr_info);
	hexstr(&w, "error_code", r->error_code);
	num(&w, "insn_len", r->insn_len);
	hexstr(&w, "insn_info", r->insn_info);
	hexstr(&w, "idt_vectoring_info", r->idt_vectoring_info);
	hexstr(&w, "idt_vectoring_error", r->idt_vectoring_error);
	hexstr(&w, "guest_rip", r->guest_rip);
	hexstr(&w, "guest_phys", r->guest_phys);
	hexstr(&w, "guest_linear", r->guest_linear);
	num(&w, "latency_ns", r->latency_ns);
	num(&w, "run_ns", r->run_ns);
	num(&w, "handler_ns", r->handler_ns);
	str(&w, "format", d.format);
	key(&w, "fields");
	xs_render_fields_json(&w, &d);
	str(&w, "detail_kind", xs_detail_kind_name(r->detail_kind));
	key(&w, "detail");
	xs_w_ch(&w, '{');
	/* detail_json writes ",key:value" members: write into the object and drop its first comma. */
	size_t open = w.pos;
	detail_json(&w, r);
	if (w.pos > open && open < w.len)
		w.buf[open] = ' ';
	xs_w_ch(&w, '}');
	if (r->flags & XS_F_GUEST_STATE) {
		key(&w, "guest_state");
		guest_state_json(&w, &r->gs);
	}
	xs_w_ch(&w, '}');
	return xs_w_finish(&w);
}

/* ---- text ---- */

static const struct xs_detail_field *kind_fields(unsigned int kind, unsigned int *n)
{
	/* The table is grouped by kind in XS_D_* order (decoder/detail_fields.h): the first row of kind by bisection.
	 */
	unsigned int i = 0, hi = xs_detail_nfields;
	while (i < hi) {
		unsigned int mid = i + (hi - i) / 2;
		if (xs_detail_fields[mid].kind < kind)
			i = mid + 1;
		else
			hi = mid;
	}
	unsigned int end = i;
	while (end < xs_detail_nfields && xs_detail_fields[end].kind == kind)
		end++;
	*n = end - i;
	return xs_detail_fields + i;
}

/* One field as an item (see enum xs_detail_text) after a space unless it is the first, or nothing. */
static void field_text(struct xs_writer *w, const union xs_detail *u, const struct xs_detail_field *f, bool full,
		       bool *first)
{
	if (f->text_when != XS_DT_ALWAYS && !u->raw[f->text_when])
		return;
	uint64_t v = xs_detail_get(u, f, 0);
	unsigned int n = f->text == XS_DT_LIST || f->text == XS_DT_BYTES ? xs_detail_len(u, f) : 1;
	if ((f->text == XS_DT_FLAG && !v) || (f->text == XS_DT_LIST && !n))
		return;
	if (!*first)
		xs_w_ch(w, ' ');
	*first = false;
	if (f->text == XS_DT_WORD && !(f->text_match ? v == f->text_match : v != 0)) {
		xs_w_str(w, f->alt);
		return;
	}
	xs_w_str(w, f->label);
	if (f->text == XS_DT_DEC || f->text == XS_DT_VECTOR)
		xs_w_u64(w, v);
	else if (f->text == XS_DT_HEX)
		xs_w_hex(w, v);
	if (f->text == XS_DT_VECTOR && full && xs_exception_name((unsigned int)v)) {
		xs_w_str(w, " #");
		xs_w_str(w, xs_exception_name((unsigned int)v));
	}
	for (unsigned int i = 0; f->text == XS_DT_LIST && i < n; i++) {
		if (i)
			xs_w_ch(w, ',');
		xs_w_hex(w, xs_detail_get(u, f, i));
	}
	for (unsigned int i = 0; f->text == XS_DT_BYTES && i < n; i++) {
		static const char digits[] = "0123456789abcdef";
		uint64_t byte = xs_detail_get(u, f, i);
		xs_w_ch(w, digits[(byte >> 4) & 0xf]);
		xs_w_ch(w, digits[byte & 0xf]);
	}
}

/* The detail's fields as items in text_rank order: the one-line text's (XS_DT_BRIEF) or all of them. */
static void detail_items(struct xs_writer *w, const struct xs_exit_record *r, const struct xs_detail_field *f,
			 unsigned int n, bool full, bool first)
{
	/* Rows by rank in one pass (ranks are 1..n, at most one row each; 0 never shows). */
	const struct xs_detail_field *by_rank[XS_DETAIL_MAX_KIND_FIELDS + 1] = {0};
	for (unsigned int i = 0; i < n; i++)
		if (f[i].text_rank && f[i].text_rank <= XS_DETAIL_MAX_KIND_FIELDS &&
		    (full || (f[i].text_flags & XS_DT_BRIEF)))
			by_rank[f[i].text_rank] = &f[i];
	for (unsigned int rank = 1; rank <= n && rank <= XS_DETAIL_MAX_KIND_FIELDS; rank++)
		if (by_rank[rank])
			field_text(w, &r->detail, by_rank[rank], full, &first);
}

/* " | io port=0x3f8 OUT size=1 count=1 value=0x41": the kind's name (or the word standing for it), then the
 * brief fields; a kind with none, or one the table does not know, by its name alone. */
static void detail_text(struct xs_writer *w, const struct xs_exit_record *r)
{
	if (r->detail_kind == XS_D_NONE)
		return;
	unsigned int n;
	const struct xs_detail_field *f = kind_fields(r->detail_kind, &n);
	bool lead = false;
	for (unsigned int i = 0; i < n; i++)
		lead |= (f[i].text_flags & XS_DT_LEAD) != 0;
	xs_w_str(w, " |");
	if (!lead) {
		xs_w_ch(w, ' ');
		xs_w_str(w, xs_detail_kind_name(r->detail_kind));
	}
	detail_items(w, r, f, n, false, false);
}

size_t xs_detail_summary(const struct xs_exit_record *r, char *buf, size_t len)
{
	struct xs_writer w;
	xs_w_init(&w, buf, len);
	unsigned int n;
	const struct xs_detail_field *f = kind_fields(r->detail_kind, &n);
	detail_items(&w, r, f, n, true, true);
	return xs_w_finish(&w);
}

size_t xs_record_text(const struct xs_exit_record *r, char *buf, size_t len)
{
	struct xs_decoded d;
	xs_decode(r, &d);
	struct xs_writer w;
	xs_w_init(&w, buf, len);
	xs_w_u64(&w, r->ts);
	xs_w_str(&w, " cpu=");
	xs_w_u64(&w, r->cpu);
	xs_w_str(&w, " tid=");
	xs_w_u64(&w, r->tid);
	xs_w_str(&w, " vcpu=");
	xs_w_u64(&w, r->vcpu);
	xs_w_ch(&w, ' ');
	xs_w_str(&w, xs_isa_name(r->isa));
	xs_w_ch(&w, ' ');
	xs_render_reason_name(&w, r->isa, r->reason, d.name);
	xs_w_str(&w, " qual=");
	xs_w_hex(&w, r->qualification);
	if (r->isa == XS_ISA_SVM) {
		xs_w_str(&w, " info2=");
		xs_w_hex(&w, r->info2);
	}
	if (r->flags & XS_F_RIP) {
		xs_w_str(&w, " rip=");
		xs_w_hex(&w, r->guest_rip);
	}
	if (r->flags & XS_F_LATENCY) {
		xs_w_str(&w, " latency_ns=");
		xs_w_u64(&w, r->latency_ns);
	}
	if (d.nfields || d.dropped_fields) {
		xs_w_str(&w, " | ");
		xs_render_fields_text(&w, &d);
	}
	detail_text(&w, r);
	return xs_w_finish(&w);
}
