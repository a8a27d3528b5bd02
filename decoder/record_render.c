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

/* " data=0x1,0x2": the first ndata (at most 6) entries KVM reported. */
static void text_array(struct xs_writer *w, const uint64_t *data, uint32_t ndata)
{
	unsigned int n = ndata < 6 ? ndata : 6;
	for (unsigned int i = 0; i < n; i++) {
		xs_w_str(w, i ? "," : " data=");
		xs_w_hex(w, data[i]);
	}
}

static void detail_text(struct xs_writer *w, const struct xs_exit_record *r)
{
	const union xs_detail *u = &r->detail;
	switch (r->detail_kind) {
	case XS_D_IO:
		xs_w_str(w, " | io port=");
		xs_w_hex(w, u->io.port);
		xs_w_str(w, u->io.direction == XS_IO_IN ? " IN size=" : " OUT size=");
		xs_w_u64(w, u->io.size);
		xs_w_str(w, " count=");
		xs_w_u64(w, u->io.count);
		xs_w_str(w, " value=");
		xs_w_hex(w, u->io.value);
		break;
	case XS_D_MMIO:
		xs_w_str(w, u->mmio.is_write ? " | mmio write gpa=" : " | mmio read gpa=");
		xs_w_hex(w, u->mmio.gpa);
		xs_w_str(w, " len=");
		xs_w_u64(w, u->mmio.len);
		xs_w_str(w, " value=");
		xs_w_hex(w, u->mmio.value);
		break;
	case XS_D_MSR:
		xs_w_str(w, u->msr.is_write ? " | wrmsr index=" : " | rdmsr index=");
		xs_w_hex(w, u->msr.index);
		xs_w_str(w, " value=");
		xs_w_hex(w, u->msr.value);
		if (u->msr.failed)
			xs_w_str(w, " failed");
		break;
	case XS_D_CR:
		xs_w_str(w, u->cr.is_write ? " | cr write cr" : " | cr read cr");
		xs_w_u64(w, u->cr.cr);
		xs_w_str(w, " value=");
		xs_w_hex(w, u->cr.value);
		break;
	case XS_D_CPUID:
		xs_w_str(w, " | cpuid leaf=");
		xs_w_hex(w, u->cpuid.leaf);
		xs_w_str(w, " subleaf=");
		xs_w_hex(w, u->cpuid.subleaf);
		break;
	case XS_D_HYPERCALL:
		xs_w_str(w, " | hypercall nr=");
		xs_w_u64(w, u->hypercall.nr);
		break;
	case XS_D_EXCEPTION:
		xs_w_str(w, " | exception vector=");
		xs_w_u64(w, u->exception.vector);
		if (u->exception.has_error) {
			xs_w_str(w, " error_code=");
			xs_w_hex(w, u->exception.error_code);
		}
		break;
	case XS_D_PAGE_FAULT:
		xs_w_str(w, " | page_fault address=");
		xs_w_hex(w, u->page_fault.address);
		xs_w_str(w, " error_code=");
		xs_w_hex(w, u->page_fault.error_code);
		break;
	case XS_D_DEBUG:
		xs_w_str(w, u->debug.exception == 3 ? " | debug #BP pc=" : " | debug #DB pc=");
		xs_w_hex(w, u->debug.pc);
		xs_w_str(w, " dr6=");
		xs_w_hex(w, u->debug.dr6);
		xs_w_str(w, " dr7=");
		xs_w_hex(w, u->debug.dr7);
		break;
	case XS_D_INTERNAL:
		xs_w_str(w, " | internal suberror=");
		xs_w_u64(w, u->internal.suberror);
		text_array(w, u->internal.data, u->internal.ndata);
		break;
	case XS_D_FAIL_ENTRY:
		xs_w_str(w, " | fail_entry hardware_reason=");
		xs_w_hex(w, u->fail_entry.hardware_entry_failure_reason);
		xs_w_str(w, " cpu=");
		xs_w_u64(w, u->fail_entry.cpu);
		break;
	case XS_D_SYSTEM_EVENT:
		xs_w_str(w, " | system_event type=");
		xs_w_u64(w, u->system_event.type);
		text_array(w, u->system_event.data, u->system_event.ndata);
		break;
	case XS_D_NONE:
		break;
	default:
		xs_w_str(w, " | ");
		xs_w_str(w, xs_detail_kind_name(r->detail_kind));
		break;
	}
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
