// SPDX-License-Identifier: MIT
#include "decoder/detail_fields.h"

#define OFF(m) ((uint8_t) __builtin_offsetof(union xs_detail, m))
#define W(m) ((uint8_t)sizeof(((union xs_detail *)0)->m))
#define F(k, fmt, m, name)                                                      \
	{                                                                       \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m), 1, XS_DF_NO_COUNT, 0, name \
	}
/* An array m of count elements; n: the field that says how many are valid (or none) */
#define A(k, fmt, m, name)                                                                      \
	{                                                                                       \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m[0]), W(m) / W(m[0]), XS_DF_NO_COUNT, 0, name \
	}
#define AN(k, fmt, m, n, name)                                                             \
	{                                                                                  \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m[0]), W(m) / W(m[0]), OFF(n), W(n), name \
	}

const struct xs_detail_field xs_detail_fields[] = {
	F(IO, NUM, io.port, "port"),
	F(IO, NUM, io.size, "size"),
	F(IO, IO_DIR, io.direction, "direction"),
	F(IO, NUM, io.count, "count"),
	F(IO, HEX, io.value, "value"),
	F(IO, NUM, io.string, "string"),
	F(IO, NUM, io.rep, "rep"),
	F(MMIO, HEX, mmio.gpa, "gpa"),
	F(MMIO, NUM, mmio.len, "len"),
	F(MMIO, NUM, mmio.is_write, "is_write"),
	F(MMIO, HEX, mmio.value, "value"),
	F(MSR, HEX, msr.index, "index"),
	F(MSR, NUM, msr.is_write, "is_write"),
	F(MSR, HEX, msr.value, "value"),
	F(MSR, NUM, msr.kvm_reason, "kvm_reason"),
	F(MSR, NUM, msr.failed, "failed"),
	F(CR, NUM, cr.cr, "cr"),
	F(CR, NUM, cr.is_write, "is_write"),
	F(CR, HEX, cr.value, "value"),
	F(CPUID, HEX, cpuid.leaf, "leaf"),
	F(CPUID, HEX, cpuid.subleaf, "subleaf"),
	F(CPUID, HEX, cpuid.eax, "eax"),
	F(CPUID, HEX, cpuid.ebx, "ebx"),
	F(CPUID, HEX, cpuid.ecx, "ecx"),
	F(CPUID, HEX, cpuid.edx, "edx"),
	F(HYPERCALL, NUM, hypercall.nr, "nr"),
	A(HYPERCALL, HEX_ARRAY, hypercall.args, "args"),
	F(HYPERCALL, HEX, hypercall.ret, "ret"),
	F(HYPERCALL, NUM, hypercall.longmode, "longmode"),
	F(DEBUG, NUM, debug.exception, "exception"),
	F(DEBUG, HEX, debug.pc, "pc"),
	F(DEBUG, HEX, debug.dr6, "dr6"),
	F(DEBUG, HEX, debug.dr7, "dr7"),
	F(EXCEPTION, NUM, exception.vector, "vector"),
	F(EXCEPTION, NUM, exception.has_error, "has_error"),
	F(EXCEPTION, HEX, exception.error_code, "error_code"),
	F(EXCEPTION, NUM, exception.reinjected, "reinjected"),
	F(EXCEPTION, HEX, exception.address, "address"),
	F(PAGE_FAULT, HEX, page_fault.address, "address"),
	F(PAGE_FAULT, HEX, page_fault.error_code, "error_code"),
	F(INTERNAL, NUM, internal.suberror, "suberror"),
	F(INTERNAL, NUM, internal.ndata, "ndata"),
	AN(INTERNAL, HEX_ARRAY, internal.data, internal.ndata, "data"),
	F(FAIL_ENTRY, HEX, fail_entry.hardware_entry_failure_reason, "hardware_entry_failure_reason"),
	F(FAIL_ENTRY, NUM, fail_entry.cpu, "cpu"),
	F(SYSTEM_EVENT, NUM, system_event.type, "type"),
	F(SYSTEM_EVENT, NUM, system_event.ndata, "ndata"),
	AN(SYSTEM_EVENT, HEX_ARRAY, system_event.data, system_event.ndata, "data"),
	F(EMULATE, HEX, emulate.csbase, "csbase"),
	F(EMULATE, NUM, emulate.len, "len"),
	F(EMULATE, NUM, emulate.failed, "failed"),
	F(EMULATE, NUM, emulate.flags, "flags"),
	AN(EMULATE, BYTES, emulate.insn, emulate.len, "insn"),
};
const unsigned int xs_detail_nfields = sizeof(xs_detail_fields) / sizeof(xs_detail_fields[0]);

static uint64_t load(const union xs_detail *d, unsigned int at, unsigned int width)
{
	uint64_t v = 0;
	for (unsigned int b = 0; b < width && at + b < sizeof(d->raw); b++)
		v |= (uint64_t)d->raw[at + b] << (8 * b);
	return v;
}

uint64_t xs_detail_get(const union xs_detail *d, const struct xs_detail_field *f, unsigned int i)
{
	return load(d, f->offset + i * f->width, f->width);
}

void xs_detail_set(union xs_detail *d, const struct xs_detail_field *f, unsigned int i, uint64_t v)
{
	unsigned int at = f->offset + i * f->width;
	for (unsigned int b = 0; b < f->width && at + b < sizeof(d->raw); b++)
		d->raw[at + b] = (uint8_t)(v >> (8 * b));
}

unsigned int xs_detail_len(const union xs_detail *d, const struct xs_detail_field *f)
{
	if (f->count_at == XS_DF_NO_COUNT)
		return f->count;
	uint64_t n = load(d, f->count_at, f->count_width);
	return n < f->count ? (unsigned int)n : f->count;
}
