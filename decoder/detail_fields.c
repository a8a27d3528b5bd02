// SPDX-License-Identifier: MIT
#include "decoder/detail_fields.h"

#define OFF(m) ((uint8_t) __builtin_offsetof(union xs_detail, m))
#define W(m) ((uint8_t)sizeof(((union xs_detail *)0)->m))
/* How a field reads as text (enum xs_detail_text): T a plain item, TW a word, TIF an item shown only when the
 * byte field `when` is non-zero, HIDE none. B: part of the one-line record text, L: stands for the kind. */
#define T(style, rank, flags, label) XS_DT_##style, rank, flags, 0, XS_DT_ALWAYS, label, 0
#define TW(rank, flags, match, word, alt) XS_DT_WORD, rank, flags, match, XS_DT_ALWAYS, word, alt
#define TIF(style, rank, flags, label, when) XS_DT_##style, rank, flags, 0, OFF(when), label, 0
#define HIDE XS_DT_HIDE, 0, 0, 0, XS_DT_ALWAYS, 0, 0
#define B XS_DT_BRIEF
#define L XS_DT_LEAD

/* F: a scalar m; A: an array m of count elements; AN: one whose valid length is field n */
#define F(k, fmt, m, name, ...)                                                              \
	{                                                                                    \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m), 1, XS_DF_NO_COUNT, 0, name, __VA_ARGS__ \
	}
#define A(k, fmt, m, name, ...)                                                                              \
	{                                                                                                    \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m[0]), W(m) / W(m[0]), XS_DF_NO_COUNT, 0, name, __VA_ARGS__ \
	}
#define AN(k, fmt, m, n, name, ...)                                                                     \
	{                                                                                               \
		XS_D_##k, XS_DF_##fmt, OFF(m), W(m[0]), W(m) / W(m[0]), OFF(n), W(n), name, __VA_ARGS__ \
	}

const struct xs_detail_field xs_detail_fields[] = {
	F(IO, NUM, io.port, "port", T(HEX, 1, B, "port=")),
	F(IO, NUM, io.size, "size", T(DEC, 3, B, "size=")),
	F(IO, IO_DIR, io.direction, "direction", TW(2, B, XS_IO_IN, "IN", "OUT")),
	F(IO, NUM, io.count, "count", T(DEC, 4, B, "count=")),
	F(IO, HEX, io.value, "value", T(HEX, 5, B, "value=")),
	F(IO, NUM, io.string, "string", T(FLAG, 6, 0, "string")),
	F(IO, NUM, io.rep, "rep", T(FLAG, 7, 0, "rep")),
	F(MMIO, HEX, mmio.gpa, "gpa", T(HEX, 2, B, "gpa=")),
	F(MMIO, NUM, mmio.len, "len", T(DEC, 3, B, "len=")),
	F(MMIO, NUM, mmio.is_write, "is_write", TW(1, B, 0, "write", "read")),
	F(MMIO, HEX, mmio.value, "value", T(HEX, 4, B, "value=")),
	F(MSR, HEX, msr.index, "index", T(HEX, 2, B, "index=")),
	F(MSR, NUM, msr.is_write, "is_write", TW(1, B | L, 0, "wrmsr", "rdmsr")),
	F(MSR, HEX, msr.value, "value", T(HEX, 3, B, "value=")),
	F(MSR, NUM, msr.kvm_reason, "kvm_reason", T(DEC, 5, 0, "kvm_reason=")),
	F(MSR, NUM, msr.failed, "failed", T(FLAG, 4, B, "failed")),
	F(CR, NUM, cr.cr, "cr", T(DEC, 2, B, "cr")),
	F(CR, NUM, cr.is_write, "is_write", TW(1, B, 0, "write", "read")),
	F(CR, HEX, cr.value, "value", T(HEX, 3, B, "value=")),
	F(CPUID, HEX, cpuid.leaf, "leaf", T(HEX, 1, B, "leaf=")),
	F(CPUID, HEX, cpuid.subleaf, "subleaf", T(HEX, 2, B, "subleaf=")),
	F(CPUID, HEX, cpuid.eax, "eax", T(HEX, 3, 0, "eax=")),
	F(CPUID, HEX, cpuid.ebx, "ebx", T(HEX, 4, 0, "ebx=")),
	F(CPUID, HEX, cpuid.ecx, "ecx", T(HEX, 5, 0, "ecx=")),
	F(CPUID, HEX, cpuid.edx, "edx", T(HEX, 6, 0, "edx=")),
	F(HYPERCALL, NUM, hypercall.nr, "nr", T(DEC, 1, B, "nr=")),
	A(HYPERCALL, HEX_ARRAY, hypercall.args, "args", T(LIST, 2, 0, "args=")),
	F(HYPERCALL, HEX, hypercall.ret, "ret", T(HEX, 3, 0, "ret=")),
	F(HYPERCALL, NUM, hypercall.longmode, "longmode", TW(4, 0, 0, "64-bit", "32-bit")),
	F(DEBUG, NUM, debug.exception, "exception", TW(1, B, 3, "#BP", "#DB")),
	F(DEBUG, HEX, debug.pc, "pc", T(HEX, 2, B, "pc=")),
	F(DEBUG, HEX, debug.dr6, "dr6", T(HEX, 3, B, "dr6=")),
	F(DEBUG, HEX, debug.dr7, "dr7", T(HEX, 4, B, "dr7=")),
	F(EXCEPTION, NUM, exception.vector, "vector", T(VECTOR, 1, B, "vector=")),
	F(EXCEPTION, NUM, exception.has_error, "has_error", HIDE),
	F(EXCEPTION, HEX, exception.error_code, "error_code", TIF(HEX, 2, B, "error_code=", exception.has_error)),
	F(EXCEPTION, NUM, exception.reinjected, "reinjected", T(FLAG, 4, 0, "reinjected")),
	F(EXCEPTION, HEX, exception.address, "address", T(HEX, 3, 0, "address=")),
	F(PAGE_FAULT, HEX, page_fault.address, "address", T(HEX, 1, B, "address=")),
	F(PAGE_FAULT, HEX, page_fault.error_code, "error_code", T(HEX, 2, B, "error_code=")),
	F(INTERNAL, NUM, internal.suberror, "suberror", T(DEC, 1, B, "suberror=")),
	F(INTERNAL, NUM, internal.ndata, "ndata", T(DEC, 2, 0, "ndata=")),
	AN(INTERNAL, HEX_ARRAY, internal.data, internal.ndata, "data", T(LIST, 3, B, "data=")),
	F(FAIL_ENTRY, HEX, fail_entry.hardware_entry_failure_reason, "hardware_entry_failure_reason",
	  T(HEX, 1, B, "hardware_reason=")),
	F(FAIL_ENTRY, NUM, fail_entry.cpu, "cpu", T(DEC, 2, B, "cpu=")),
	F(SYSTEM_EVENT, NUM, system_event.type, "type", T(DEC, 1, B, "type=")),
	F(SYSTEM_EVENT, NUM, system_event.ndata, "ndata", T(DEC, 2, 0, "ndata=")),
	AN(SYSTEM_EVENT, HEX_ARRAY, system_event.data, system_event.ndata, "data", T(LIST, 3, B, "data=")),
	F(EMULATE, HEX, emulate.csbase, "csbase", T(HEX, 1, 0, "csbase=")),
	F(EMULATE, NUM, emulate.len, "len", T(DEC, 2, 0, "len=")),
	F(EMULATE, NUM, emulate.failed, "failed", T(FLAG, 3, 0, "FAILED")),
	F(EMULATE, NUM, emulate.flags, "flags", HIDE),
	AN(EMULATE, BYTES, emulate.insn, emulate.len, "insn", T(BYTES, 4, 0, "insn=")),
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
