// SPDX-License-Identifier: MIT
#include "db/rowpack.h"

#include <string.h>

/* ---- the detail union as key / attributes / value / address ---- */

void xs_detail_split(unsigned int kind, const union xs_detail *d, struct xs_detail_parts *p)
{
	memset(p, 0, sizeof(*p));
	switch (kind) {
	case XS_D_IO:
		p->has_key = p->has_attr = p->has_val = true;
		p->key = d->io.port;
		p->attr = d->io.size | (uint64_t)d->io.direction << 8 | (uint64_t)d->io.string << 16 |
			  (uint64_t)d->io.rep << 24 | (uint64_t)d->io.count << 32;
		p->val = d->io.value;
		break;
	case XS_D_MMIO:
		p->has_attr = p->has_val = p->has_addr = true;
		p->addr = d->mmio.gpa;
		p->val = d->mmio.value;
		p->attr = d->mmio.len | (uint64_t)d->mmio.is_write << 32;
		break;
	case XS_D_MSR:
		p->has_key = p->has_attr = p->has_val = true;
		p->key = d->msr.index;
		p->attr = d->msr.is_write | (uint64_t)d->msr.kvm_reason << 8 | (uint64_t)d->msr.failed << 16;
		p->val = d->msr.value;
		break;
	case XS_D_CR:
		p->has_key = p->has_attr = p->has_val = true;
		p->key = d->cr.cr;
		p->attr = d->cr.is_write;
		p->val = d->cr.value;
		break;
	case XS_D_CPUID:
		p->has_key = p->has_val = p->has_addr = true;
		p->key = d->cpuid.leaf | (uint64_t)d->cpuid.subleaf << 32;
		p->val = d->cpuid.eax | (uint64_t)d->cpuid.ebx << 32;
		p->addr = d->cpuid.ecx | (uint64_t)d->cpuid.edx << 32;
		break;
	case XS_D_HYPERCALL: /* the arguments only fit the blob */
		p->has_key = p->has_attr = p->has_val = true;
		p->key = d->hypercall.nr;
		p->attr = d->hypercall.longmode;
		p->val = d->hypercall.ret;
		break;
	case XS_D_DEBUG:
		p->has_key = p->has_attr = p->has_val = p->has_addr = true;
		p->key = d->debug.exception;
		p->addr = d->debug.pc;
		p->val = d->debug.dr6;
		p->attr = d->debug.dr7;
		break;
	case XS_D_EXCEPTION:
		p->has_key = p->has_attr = p->has_addr = true;
		p->key = d->exception.vector;
		p->attr = d->exception.has_error | (uint64_t)d->exception.reinjected << 8 |
			  (uint64_t)d->exception.error_code << 32;
		p->addr = d->exception.address;
		break;
	case XS_D_PAGE_FAULT:
		p->has_attr = p->has_addr = true;
		p->addr = d->page_fault.address;
		p->attr = d->page_fault.error_code;
		break;
	case XS_D_INTERNAL:
		p->has_key = p->has_attr = true;
		p->key = d->internal.suberror;
		p->attr = d->internal.ndata;
		break;
	case XS_D_FAIL_ENTRY:
		p->has_key = p->has_attr = true;
		p->key = d->fail_entry.hardware_entry_failure_reason;
		p->attr = d->fail_entry.cpu;
		break;
	case XS_D_SYSTEM_EVENT:
		p->has_key = p->has_attr = true;
		p->key = d->system_event.type;
		p->attr = d->system_event.ndata;
		break;
	case XS_D_EMULATE:
		p->has_key = p->has_addr = true;
		p->key = d->emulate.len | (uint64_t)d->emulate.failed << 8 | (uint64_t)d->emulate.flags << 16;
		p->addr = d->emulate.csbase;
		break;
	default:
		break;
	}
}

void xs_detail_join(unsigned int kind, const struct xs_detail_parts *p, union xs_detail *d)
{
	memset(d, 0, sizeof(*d));
	switch (kind) {
	case XS_D_IO:
		d->io.port = (uint16_t)p->key;
		d->io.size = (uint8_t)p->attr;
		d->io.direction = (uint8_t)(p->attr >> 8);
		d->io.string = (uint8_t)(p->attr >> 16);
		d->io.rep = (uint8_t)(p->attr >> 24);
		d->io.count = (uint32_t)(p->attr >> 32);
		d->io.value = p->val;
		break;
	case XS_D_MMIO:
		d->mmio.gpa = p->addr;
		d->mmio.value = p->val;
		d->mmio.len = (uint32_t)p->attr;
		d->mmio.is_write = (uint8_t)(p->attr >> 32);
		break;
	case XS_D_MSR:
		d->msr.index = (uint32_t)p->key;
		d->msr.is_write = (uint8_t)p->attr;
		d->msr.kvm_reason = (uint8_t)(p->attr >> 8);
		d->msr.failed = (uint8_t)(p->attr >> 16);
		d->msr.value = p->val;
		break;
	case XS_D_CR:
		d->cr.cr = (uint32_t)p->key;
		d->cr.is_write = (uint8_t)p->attr;
		d->cr.value = p->val;
		break;
	case XS_D_CPUID:
		d->cpuid.leaf = (uint32_t)p->key;
		d->cpuid.subleaf = (uint32_t)(p->key >> 32);
		d->cpuid.eax = (uint32_t)p->val;
		d->cpuid.ebx = (uint32_t)(p->val >> 32);
		d->cpuid.ecx = (uint32_t)p->addr;
		d->cpuid.edx = (uint32_t)(p->addr >> 32);
		break;
	case XS_D_HYPERCALL:
		d->hypercall.nr = p->key;
		d->hypercall.longmode = (uint32_t)p->attr;
		d->hypercall.ret = p->val;
		break;
	case XS_D_DEBUG:
		d->debug.exception = (uint32_t)p->key;
		d->debug.pc = p->addr;
		d->debug.dr6 = p->val;
		d->debug.dr7 = p->attr;
		break;
	case XS_D_EXCEPTION:
		d->exception.vector = (uint32_t)p->key;
		d->exception.has_error = (uint8_t)p->attr;
		d->exception.reinjected = (uint8_t)(p->attr >> 8);
		d->exception.error_code = (uint32_t)(p->attr >> 32);
		d->exception.address = p->addr;
		break;
	case XS_D_PAGE_FAULT:
		d->page_fault.address = p->addr;
		d->page_fault.error_code = p->attr;
		break;
	case XS_D_INTERNAL:
		d->internal.suberror = (uint32_t)p->key;
		d->internal.ndata = (uint32_t)p->attr;
		break;
	case XS_D_FAIL_ENTRY:
		d->fail_entry.hardware_entry_failure_reason = p->key;
		d->fail_entry.cpu = (uint32_t)p->attr;
		break;
	case XS_D_SYSTEM_EVENT:
		d->system_event.type = (uint32_t)p->key;
		d->system_event.ndata = (uint32_t)p->attr;
		break;
	case XS_D_EMULATE:
		d->emulate.len = (uint8_t)p->key;
		d->emulate.failed = (uint8_t)(p->key >> 8);
		d->emulate.flags = (uint8_t)(p->key >> 16);
		d->emulate.csbase = p->addr;
		break;
	default:
		break;
	}
}

/* ---- whole records ---- */

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
