// SPDX-License-Identifier: MIT
#include "db/rowpack.h"

#include <stddef.h>
#include <string.h>

/* ---- the detail union as key / attributes / value / address ---- */

enum part { KEY, ATTR, VAL, ADDR };

/* Field m of the union lives in bits shift.. of part `part` (docs/schema.md: the store's format). */
struct pack_slot {
	uint8_t kind, part, shift, offset, width;
};

#define S(k, part, shift, m)                                                                           \
	{                                                                                              \
		XS_D_##k, part, shift, offsetof(union xs_detail, m), sizeof(((union xs_detail *)0)->m) \
	}

/* Grouped by kind. What no slot carries (hypercall arguments, data arrays, instruction bytes, reserved
 * bytes) goes to the blob: xs_row_pack checks the round trip. */
static const struct pack_slot slots[] = {
	S(IO, KEY, 0, io.port),
	S(IO, ATTR, 0, io.size),
	S(IO, ATTR, 8, io.direction),
	S(IO, ATTR, 16, io.string),
	S(IO, ATTR, 24, io.rep),
	S(IO, ATTR, 32, io.count),
	S(IO, VAL, 0, io.value),
	S(MMIO, ADDR, 0, mmio.gpa),
	S(MMIO, VAL, 0, mmio.value),
	S(MMIO, ATTR, 0, mmio.len),
	S(MMIO, ATTR, 32, mmio.is_write),
	S(MSR, KEY, 0, msr.index),
	S(MSR, ATTR, 0, msr.is_write),
	S(MSR, ATTR, 8, msr.kvm_reason),
	S(MSR, ATTR, 16, msr.failed),
	S(MSR, VAL, 0, msr.value),
	S(CR, KEY, 0, cr.cr),
	S(CR, ATTR, 0, cr.is_write),
	S(CR, VAL, 0, cr.value),
	S(CPUID, KEY, 0, cpuid.leaf),
	S(CPUID, KEY, 32, cpuid.subleaf),
	S(CPUID, VAL, 0, cpuid.eax),
	S(CPUID, VAL, 32, cpuid.ebx),
	S(CPUID, ADDR, 0, cpuid.ecx),
	S(CPUID, ADDR, 32, cpuid.edx),
	S(HYPERCALL, KEY, 0, hypercall.nr),
	S(HYPERCALL, ATTR, 0, hypercall.longmode),
	S(HYPERCALL, VAL, 0, hypercall.ret),
	S(DEBUG, KEY, 0, debug.exception),
	S(DEBUG, ADDR, 0, debug.pc),
	S(DEBUG, VAL, 0, debug.dr6),
	S(DEBUG, ATTR, 0, debug.dr7),
	S(EXCEPTION, KEY, 0, exception.vector),
	S(EXCEPTION, ATTR, 0, exception.has_error),
	S(EXCEPTION, ATTR, 8, exception.reinjected),
	S(EXCEPTION, ATTR, 32, exception.error_code),
	S(EXCEPTION, ADDR, 0, exception.address),
	S(PAGE_FAULT, ADDR, 0, page_fault.address),
	S(PAGE_FAULT, ATTR, 0, page_fault.error_code),
	S(INTERNAL, KEY, 0, internal.suberror),
	S(INTERNAL, ATTR, 0, internal.ndata),
	S(FAIL_ENTRY, KEY, 0, fail_entry.hardware_entry_failure_reason),
	S(FAIL_ENTRY, ATTR, 0, fail_entry.cpu),
	S(SYSTEM_EVENT, KEY, 0, system_event.type),
	S(SYSTEM_EVENT, ATTR, 0, system_event.ndata),
	S(EMULATE, KEY, 0, emulate.len),
	S(EMULATE, KEY, 8, emulate.failed),
	S(EMULATE, KEY, 16, emulate.flags),
	S(EMULATE, ADDR, 0, emulate.csbase),
};

/* The union's members are native integers: read and write them as such, by width. */
static uint64_t slot_get(const union xs_detail *d, const struct pack_slot *s)
{
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t q;
	switch (s->width) {
	case 1:
		memcpy(&b, d->raw + s->offset, 1);
		return b;
	case 2:
		memcpy(&h, d->raw + s->offset, 2);
		return h;
	case 4:
		memcpy(&w, d->raw + s->offset, 4);
		return w;
	default:
		memcpy(&q, d->raw + s->offset, 8);
		return q;
	}
}

static void slot_set(union xs_detail *d, const struct pack_slot *s, uint64_t v)
{
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;
	switch (s->width) {
	case 1:
		memcpy(d->raw + s->offset, &b, 1);
		break;
	case 2:
		memcpy(d->raw + s->offset, &h, 2);
		break;
	case 4:
		memcpy(d->raw + s->offset, &w, 4);
		break;
	default:
		memcpy(d->raw + s->offset, &v, 8);
		break;
	}
}

static uint64_t *part_value(struct xs_detail_parts *p, unsigned int part)
{
	return part == KEY ? &p->key : part == ATTR ? &p->attr : part == VAL ? &p->val : &p->addr;
}

void xs_detail_split(unsigned int kind, const union xs_detail *d, struct xs_detail_parts *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		const struct pack_slot *s = &slots[i];
		if (s->kind != kind)
			continue;
		*part_value(p, s->part) |= slot_get(d, s) << s->shift;
		p->has_key |= s->part == KEY;
		p->has_attr |= s->part == ATTR;
		p->has_val |= s->part == VAL;
		p->has_addr |= s->part == ADDR;
	}
}

void xs_detail_join(unsigned int kind, const struct xs_detail_parts *p, union xs_detail *d)
{
	memset(d, 0, sizeof(*d));
	struct xs_detail_parts copy = *p;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].kind == kind)
			slot_set(d, &slots[i], *part_value(&copy, slots[i].part) >> slots[i].shift);
}

/* ---- whole records ---- */

/* The detail union: key and attributes in the shape, value and address in the row, the rest whole. */
static void pack_detail(const struct xs_exit_record *r, struct xs_shape *shape, struct xs_row *row,
			struct xs_row_extra *extra)
{
	shape->detail_kind = r->detail_kind;
	struct xs_detail_parts p;
	xs_detail_split(r->detail_kind, &r->detail, &p);
	if (p.has_key) {
		shape->has |= XS_SHAPE_KEY;
		shape->detail_key = p.key;
	}
	if (p.has_attr) {
		shape->has |= XS_SHAPE_ATTR;
		shape->detail_attr = p.attr;
	}
	if (p.has_val) {
		row->has |= XS_ROW_VAL;
		row->val = p.val;
	}
	if (p.has_addr) {
		row->has |= XS_ROW_ADDR;
		row->addr = p.addr;
	}
	/* Whatever the parts do not carry exactly (arguments, data arrays, reserved bytes) goes whole. */
	union xs_detail back;
	xs_detail_join(r->detail_kind, &p, &back);
	if (memcmp(&back, &r->detail, sizeof(back))) {
		size_t n = sizeof(r->detail);
		while (n && r->detail.raw[n - 1] == 0)
			n--;
		memcpy(extra->blob, r->detail.raw, n);
		extra->blob_len = n;
	}
}

void xs_row_pack(const struct xs_exit_record *r, bool inline_qual, struct xs_shape *shape, struct xs_row *row,
		 struct xs_row_extra *extra)
{
	memset(shape, 0, sizeof(*shape));
	memset(row, 0, sizeof(*row));
	extra->has_gla = false;
	extra->guest_linear = 0;
	extra->blob_len = 0;

	shape->isa = r->isa;
	shape->source = r->source;
	shape->flags = r->flags & (uint16_t)~XS_ROW_IMPLIED_FLAGS;
	shape->reason = r->reason;
	shape->intr_info = r->intr_info;
	shape->error_code = r->error_code;
	shape->insn_len = r->insn_len;
	shape->insn_info = r->insn_info;
	shape->idt_info = r->idt_vectoring_info;
	shape->idt_error = r->idt_vectoring_error;
	if (inline_qual) {
		row->has |= XS_ROW_QUAL | XS_ROW_INFO2;
		row->qual = r->qualification;
		row->info2 = r->info2;
	} else {
		shape->has |= XS_SHAPE_QUAL;
		shape->qual = r->qualification;
		shape->info2 = r->info2;
	}

	row->cpu = r->cpu;
	/* A field whose flag is clear means "not known" (docs/record-format.md): it is stored as NULL. */
	if (r->flags & XS_F_RIP) {
		row->has |= XS_ROW_RIP;
		row->rip = r->guest_rip;
	}
	if (r->flags & XS_F_LATENCY) {
		row->has |= XS_ROW_LAT;
		row->lat = r->latency_ns;
	}
	if (r->flags & XS_F_GUEST_PHYS) {
		row->has |= XS_ROW_GPA;
		row->gpa = r->guest_phys;
	}
	if (r->flags & XS_F_RUN_TIMES) {
		row->has |= XS_ROW_RUN;
		row->run_ns = r->run_ns;
		row->handler_ns = r->handler_ns;
	}
	if (r->flags & XS_F_GUEST_LINEAR) {
		extra->has_gla = true;
		extra->guest_linear = r->guest_linear;
	}

	pack_detail(r, shape, row, extra);
}

void xs_row_unpack(const struct xs_shape *shape, const struct xs_row *row, const struct xs_row_extra *extra,
		   struct xs_exit_record *r)
{
	memset(r, 0, XS_RECORD_CORE_SIZE);
	r->version = XS_RECORD_VERSION;
	r->isa = shape->isa;
	r->source = shape->source;
	r->flags = shape->flags;
	r->reason = shape->reason;
	r->intr_info = shape->intr_info;
	r->error_code = shape->error_code;
	r->insn_len = shape->insn_len;
	r->insn_info = shape->insn_info;
	r->idt_vectoring_info = shape->idt_info;
	r->idt_vectoring_error = shape->idt_error;
	r->qualification = (row->has & XS_ROW_QUAL) ? row->qual : shape->qual;
	r->info2 = (row->has & XS_ROW_INFO2) ? row->info2 : shape->info2;
	r->cpu = row->cpu;
	if (row->has & XS_ROW_RIP) {
		r->flags |= XS_F_RIP;
		r->guest_rip = row->rip;
	}
	if (row->has & XS_ROW_LAT) {
		r->flags |= XS_F_LATENCY;
		r->latency_ns = row->lat;
	}
	if (row->has & XS_ROW_GPA) {
		r->flags |= XS_F_GUEST_PHYS;
		r->guest_phys = row->gpa;
	}
	if (row->has & XS_ROW_RUN) {
		r->flags |= XS_F_RUN_TIMES;
		r->run_ns = row->run_ns;
		r->handler_ns = row->handler_ns;
	}
	if (extra && extra->has_gla)
		r->guest_linear = extra->guest_linear;
	r->detail_kind = shape->detail_kind;
	if (extra && extra->blob_len) {
		memcpy(r->detail.raw, extra->blob, extra->blob_len);
	} else {
		struct xs_detail_parts p = {
			.has_key = shape->has & XS_SHAPE_KEY,
			.has_attr = shape->has & XS_SHAPE_ATTR,
			.has_val = row->has & XS_ROW_VAL,
			.has_addr = row->has & XS_ROW_ADDR,
			.key = shape->detail_key,
			.attr = shape->detail_attr,
			.val = row->val,
			.addr = row->addr,
		};
		xs_detail_join(shape->detail_kind, &p, &r->detail);
	}
	r->size = xs_record_wire_size(r);
}

uint64_t xs_shape_hash(const struct xs_shape *s)
{
	/* The struct has no padding (static assert in the header): hash it as nine words. */
	uint64_t w[sizeof(*s) / 8], h = 0x9e3779b97f4a7c15ull;
	memcpy(w, s, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / 8; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}
