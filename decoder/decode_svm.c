// SPDX-License-Identifier: MIT
/*
 * SVM EXITINFO1/EXITINFO2, AMD APM vol. 2 chapter 15 "Secure Virtual Machine": 15.8.1 (CR/DR intercepts with
 * decode assists), 15.10.2 (IOIO), 15.11 (MSR), 15.12 (exceptions), 15.14.3 (task switch), 15.25.6 (nested
 * page faults), 15.29 (AVIC), 15.35.x (SEV-ES write traps). Freestanding.
 */
#include "decoder/decode_internal.h"

/* Decode assists (15.8.1): bit 63 = the intercepted instruction was MOV CR/DR, bits 3:0 its GPR. */
static void cr_dr(struct xs_decoded *d, uint32_t code, uint64_t q)
{
	bool is_cr = code < 0x20 || code == 0x65;
	d->format = is_cr ? "svm_cr" : "svm_dr";
	if (code != 0x65)
		xs_put_int(d, is_cr ? "cr" : "dr", code & 0xf);
	else
		xs_put_int(d, "cr", 0);
	if (is_cr) {
		xs_put_int(d, "mov_cr", xs_bit(q, 63));
		xs_put_enum(d, "gpr", xs_bits(q, 3, 0), xs_gpr_name((unsigned int)xs_bits(q, 3, 0)));
		xs_put_reserved(d, "reserved_bits", q, 0xfull | (1ull << 63));
	} else {
		xs_put_enum(d, "gpr", xs_bits(q, 3, 0), xs_gpr_name((unsigned int)xs_bits(q, 3, 0)));
		xs_put_reserved(d, "reserved_bits", q, 0xf);
	}
}

/*
 * 15.12: the intercepts of the exceptions that push an error code save it in EXITINFO1 (#DF and #TS do not:
 * their EXITINFO1 is undefined, as it is for every exception without an error code).
 */
static bool has_error_code(unsigned int vector)
{
	switch (vector) {
	case 11: /* #NP */
	case 12: /* #SS */
	case 13: /* #GP */
	case 14: /* #PF */
	case 17: /* #AC */
	case 21: /* #CP */
	case 29: /* #VC */
	case 30: /* #SX */
		return true;
	default:
		return false;
	}
}

static void exception(struct xs_decoded *d, uint32_t code, uint64_t q, uint64_t info2)
{
	unsigned int vector = code - 0x40;
	xs_put_enum(d, "vector", vector, xs_exception_name(vector));
	if (vector == 14) {
		/* #PF: EXITINFO1 = error code, EXITINFO2 = faulting address (CR2). */
		d->format = "svm_page_fault";
		xs_put_hex(d, "error_code", q);
		xs_put_pf_error_code(d, q);
		xs_put_hex(d, "fault_address", info2);
		xs_put_reserved(d, "reserved_bits", q, 0xffffffffull);
	} else if (has_error_code(vector)) {
		d->format = "svm_exception";
		xs_put_hex(d, "error_code", q);
		xs_put_reserved(d, "reserved_bits", q, 0xffffffffull);
	} else {
		/* EXITINFO1/2 are undefined: whatever they hold means nothing, so nothing is reported. */
		d->format = "svm_exception";
	}
}

/* 15.10.2, figure "EXITINFO1 for IOIO Intercept". */
static const char *const io_directions[2] = {"OUT", "IN"};

static void ioio(struct xs_decoded *d, uint64_t q, uint64_t info2)
{
	d->format = "svm_ioio";
	xs_put_hex(d, "port", xs_bits(q, 31, 16));
	xs_put_enum(d, "direction", xs_bit(q, 0), io_directions[xs_bit(q, 0)]);
	xs_put_int(d, "string", xs_bit(q, 2));
	xs_put_int(d, "rep", xs_bit(q, 3));
	/* SZ8/SZ16/SZ32 and A16/A32/A64 are one-hot; a mix is reported as 0. */
	static const unsigned char one_hot[8] = {0, 1, 2, 0, 3, 0, 0, 0};
	static const unsigned char sizes[4] = {0, 1, 2, 4};
	static const unsigned char addr[4] = {0, 16, 32, 64};
	xs_put_int(d, "access_size_bytes", sizes[one_hot[xs_bits(q, 6, 4)]]);
	xs_put_int(d, "address_size", addr[one_hot[xs_bits(q, 9, 7)]]);
	/* Bits 12:10: the effective segment (decode assists). */
	xs_put_enum(d, "segment", xs_bits(q, 12, 10), xs_segment_name((unsigned int)xs_bits(q, 12, 10)));
	xs_put_hex(d, "next_rip", info2);
	xs_put_reserved(d, "reserved_bits", q, 0xffff1ffdull);
}

/* 15.25.6: EXITINFO1 = the #PF-style error code plus bits 31-36; EXITINFO2 = the guest-physical address. */
static void npf(struct xs_decoded *d, uint64_t q, uint64_t info2)
{
	d->format = "svm_npf";
	xs_put_pf_error_code(d, q);
	xs_put_int(d, "rmp", xs_bit(q, 31));
	xs_put_int(d, "final_translation", xs_bit(q, 32));
	xs_put_int(d, "page_walk", xs_bit(q, 33));
	xs_put_int(d, "encrypted", xs_bit(q, 34));
	xs_put_int(d, "size_mismatch", xs_bit(q, 35));
	xs_put_int(d, "vmpl", xs_bit(q, 36));
	xs_put_hex(d, "gpa", info2);
	xs_put_reserved(d, "reserved_bits", q, 0x7f | (1ull << 15) | (0x3full << 31));
}

/* 15.14.3: EXITINFO1 bits 15:0 = target TSS selector; EXITINFO2 = why, and the error code to push. */
static void task_switch(struct xs_decoded *d, uint64_t q, uint64_t info2)
{
	d->format = "svm_task_switch";
	xs_put_hex(d, "tss_selector", xs_bits(q, 15, 0));
	const char *source = xs_bit(info2, 36) ? "IRET" : xs_bit(info2, 38) ? "JMP" : "CALL_OR_TASK_GATE";
	xs_put_enum(d, "source", xs_bit(info2, 36) ? 1 : xs_bit(info2, 38) ? 2 : 0, source);
	xs_put_int(d, "error_code_valid", xs_bit(info2, 44));
	if (xs_bit(info2, 44))
		xs_put_hex(d, "error_code", xs_bits(info2, 31, 0));
	xs_put_int(d, "rflags_rf", xs_bit(info2, 48));
	xs_put_reserved(d, "reserved_bits", q, 0xffff);
	xs_put_reserved(d, "info2_reserved_bits", info2,
			0xffffffffull | (1ull << 36) | (1ull << 38) | (1ull << 44) | (1ull << 48));
}

/* 15.29.9: AVIC IPI delivery not completed. */
static const char *const avic_ipi_causes[5] = {"INVALID_INT_TYPE", "TARGET_NOT_RUNNING", "INVALID_TARGET",
					       "INVALID_BACKING_PAGE", "INVALID_IPI_VECTOR"};

static void avic_incomplete_ipi(struct xs_decoded *d, uint64_t q, uint64_t info2)
{
	d->format = "svm_avic_ipi";
	xs_put_hex(d, "icr_low", xs_bits(q, 31, 0));
	xs_put_hex(d, "icr_high", xs_bits(q, 63, 32));
	xs_put_enum(d, "cause", xs_bits(info2, 63, 32), XS_ENUM_NAME(avic_ipi_causes, xs_bits(info2, 63, 32)));
	xs_put_int(d, "index", xs_bits(info2, 8, 0));
}

/* 15.29.9: AVIC access to an APIC register that is not accelerated. */
static void avic_unaccelerated(struct xs_decoded *d, uint64_t q, uint64_t info2)
{
	d->format = "svm_avic_access";
	xs_put_hex(d, "offset", xs_bits(q, 11, 4) << 4);
	xs_put_int(d, "write", xs_bit(q, 32));
	xs_put_int(d, "vector", xs_bits(info2, 31, 0));
	xs_put_reserved(d, "reserved_bits", q, 0xff0ull | (1ull << 32));
}

void xs_decode_svm(const struct xs_decode_input *in, struct xs_decoded *d)
{
	uint32_t code = in->reason;
	uint64_t q = in->qualification;
	if (code < 0x40 || code == 0x65) {
		cr_dr(d, code, q);
	} else if (code < 0x60) {
		exception(d, code, q, in->info2);
	} else if (code == 0x7b) {
		ioio(d, q, in->info2);
	} else if (code == 0x7c) {
		/* 15.11: EXITINFO1 = 0 for RDMSR, 1 for WRMSR (the MSR index is in the guest's ECX). */
		d->format = "svm_msr";
		xs_put_enum(d, "write", xs_bit(q, 0), xs_bit(q, 0) ? "WRMSR" : "RDMSR");
		xs_put_reserved(d, "reserved_bits", q, 1);
	} else if (code == 0x75) {
		/* INTn with decode assists (15.8.1): the interrupt number. */
		d->format = "svm_swint";
		xs_put_hex(d, "vector", xs_bits(q, 7, 0));
		xs_put_reserved(d, "reserved_bits", q, 0xff);
	} else if (code == 0x79) {
		/* INVLPG with decode assists: the linear address. */
		d->format = "svm_invlpg";
		xs_put_hex(d, "linear_address", q);
	} else if (code == 0x7d) {
		task_switch(d, q, in->info2);
	} else if (code >= 0x8f && code <= 0x9f) {
		/* SEV-ES write traps: EXITINFO1 = the register's new value. */
		d->format = "svm_write_trap";
		if (code != 0x8f)
			xs_put_int(d, "cr", code - 0x90);
		xs_put_hex(d, "value", q);
	} else if (code == 0x400) {
		npf(d, q, in->info2);
	} else if (code == 0x401) {
		avic_incomplete_ipi(d, q, in->info2);
	} else if (code == 0x402) {
		avic_unaccelerated(d, q, in->info2);
	}
}
