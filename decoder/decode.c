// SPDX-License-Identifier: MIT
/*
 * Decoding entry points: the reason and its VMX flag bits, then the qualification in the format the reason
 * implies (decode_vmx.c, decode_svm.c), then the interruption and IDT-vectoring information. Freestanding.
 */
#include "decoder/decode_internal.h"
#include "decoder/strings.h"

/*
 * VMX exit-reason bits 31:16 (SDM vol. 3C, "Basic VM-Exit Information", table "Format of Exit Reason"):
 * 31 VM-entry failure, 29 VM exit from VMX root operation, 28 pending MTF VM exit, 27 enclave mode,
 * 26 bus lock asserted; 16 is always 0 and 25:17 and 30 are not defined.
 */
#define VMX_REASON_DEFINED                                                                                  \
	(0xffffu | XS_VMX_REASON_FAILED_VMENTRY | XS_VMX_REASON_FROM_VMX_ROOT | XS_VMX_REASON_PENDING_MTF | \
	 XS_VMX_REASON_ENCLAVE_MODE | XS_VMX_REASON_BUS_LOCK)

static void put_vmx_reason_flags(struct xs_decoded *d, uint32_t reason)
{
	if (!(reason >> 16))
		return; /* the common case: a basic reason and no flag */
	if (reason & XS_VMX_REASON_FAILED_VMENTRY)
		xs_put_int(d, "failed_vmentry", 1);
	if (reason & XS_VMX_REASON_FROM_VMX_ROOT)
		xs_put_int(d, "from_vmx_root", 1);
	if (reason & XS_VMX_REASON_PENDING_MTF)
		xs_put_int(d, "pending_mtf", 1);
	if (reason & XS_VMX_REASON_ENCLAVE_MODE)
		xs_put_int(d, "enclave_mode", 1);
	if (reason & XS_VMX_REASON_BUS_LOCK)
		xs_put_int(d, "bus_lock", 1);
	xs_put_reserved(d, "reason_reserved_bits", reason, VMX_REASON_DEFINED);
}

/* ---- interruption information (VMX) and EXITINTINFO (SVM) ---- */

struct event_names {
	const char *vector, *type, *error_code_valid, *nmi_unblocking, *valid, *error_code, *reserved;
};

static const struct event_names intr_names = {
	"intr_vector", "intr_type",	  "intr_error_code_valid", "intr_nmi_unblocking",
	"intr_valid",  "intr_error_code", "intr_reserved_bits",
};
static const struct event_names idt_names = {
	"idt_vector", "idt_type", "idt_error_code_valid", 0, "idt_valid", "idt_error_code", "idt_reserved_bits",
};

/* SDM vol. 3C table "Format of the VM-Exit Interruption-Information Field" and its IDT-vectoring twin. */
static const char *const vmx_event_types[8] = {
	"EXTERNAL_INTERRUPT", "RESERVED",	    "NMI",
	"HARDWARE_EXCEPTION", "SOFTWARE_INTERRUPT", "PRIVILEGED_SOFTWARE_EXCEPTION",
	"SOFTWARE_EXCEPTION", "OTHER_EVENT",
};
/* APM vol. 2 "Event Injection" (EVENTINJ / EXITINTINFO TYPE). */
static const char *const svm_event_types[8] = {
	"EXTERNAL_INTERRUPT", "RESERVED", "NMI", "EXCEPTION", "SOFTWARE_INTERRUPT", 0, 0, 0,
};

void xs_put_event_info(struct xs_decoded *d, int isa, int idt, uint32_t info, uint32_t error_code, bool have_error_code)
{
	const struct event_names *n = idt ? &idt_names : &intr_names;
	if (!(info & 0x80000000u)) {
		/* Not valid: every other bit is meaningless; report them rather than drop them. */
		xs_put_reserved(d, n->reserved, info, 0);
		return;
	}
	unsigned int type = (unsigned int)xs_bits(info, 10, 8);
	unsigned int vector = (unsigned int)xs_bits(info, 7, 0);
	bool is_exception = isa == XS_ISA_SVM ? type == 3 : (type == 3 || type == 5 || type == 6);
	bool is_nmi = type == 2;
	xs_put_enum(d, n->vector, vector, is_exception ? xs_exception_name(vector) : is_nmi ? "NMI" : 0);
	xs_put_enum(d, n->type, type, isa == XS_ISA_SVM ? XS_ENUM_NAME(svm_event_types, type) : vmx_event_types[type]);
	xs_put_int(d, n->error_code_valid, xs_bit(info, 11));
	uint32_t defined = 0x80000fffu;
	if (isa == XS_ISA_VMX) {
		if (!idt)
			xs_put_int(d, n->nmi_unblocking, xs_bit(info, 12));
		defined |= 1u << 12; /* IDT-vectoring: bit 12 is undefined, not reserved */
	}
	xs_put_int(d, n->valid, 1);
	if (xs_bit(info, 11) && have_error_code) {
		xs_put_hex(d, n->error_code, error_code);
		/* A #PF error code says what the faulting access was. */
		if (is_exception && vector == 14 && !idt)
			xs_put_pf_error_code(d, error_code);
	}
	xs_put_reserved(d, n->reserved, info, defined);
}

/* x86 page-fault error code (SDM vol. 3A "Page-Fault Exceptions"; APM vol. 2 15.25.6 for NPF's upper bits). */
void xs_put_pf_error_code(struct xs_decoded *d, uint64_t ec)
{
	xs_put_int(d, "present", xs_bit(ec, 0));
	xs_put_int(d, "write", xs_bit(ec, 1));
	xs_put_int(d, "user", xs_bit(ec, 2));
	xs_put_int(d, "rsvd", xs_bit(ec, 3));
	xs_put_int(d, "fetch", xs_bit(ec, 4));
	xs_put_int(d, "protection_key", xs_bit(ec, 5));
	xs_put_int(d, "shadow_stack", xs_bit(ec, 6));
	if (xs_bit(ec, 15))
		xs_put_int(d, "sgx", 1);
}

/* ---- entry points ---- */

void xs_decode_input(const struct xs_decode_input *in, struct xs_decoded *out)
{
	out->isa = in->isa;
	out->reason = in->reason;
	out->basic_reason = in->isa == XS_ISA_VMX ? XS_VMX_BASIC_REASON(in->reason) : in->reason;
	out->name = xs_reason_name(in->isa, in->reason);
	out->format = 0;
	out->nfields = 0;
	out->dropped_fields = 0;

	switch (in->isa) {
	case XS_ISA_VMX:
		xs_decode_vmx(in, out);
		put_vmx_reason_flags(out, in->reason);
		if (in->have & XS_IN_INTR_INFO)
			xs_put_event_info(out, XS_ISA_VMX, 0, in->intr_info, in->error_code,
					  (in->have & XS_IN_ERROR_CODE) != 0);
		if ((in->have & XS_IN_IDT) && in->idt_vectoring_info)
			xs_put_event_info(out, XS_ISA_VMX, 1, in->idt_vectoring_info, in->idt_vectoring_error, true);
		break;
	case XS_ISA_SVM:
		xs_decode_svm(in, out);
		/* EXITINTINFO is SVM's IDT-vectoring information: the event being delivered at the exit. */
		if ((in->have & XS_IN_INTR_INFO) && in->intr_info)
			xs_put_event_info(out, XS_ISA_SVM, 1, in->intr_info, in->error_code,
					  (in->have & XS_IN_ERROR_CODE) != 0);
		break;
	default:
		/* KVM userspace exits and host events carry their meaning in the record's detail, not here. */
		break;
	}
	if (in->have & XS_IN_GPA)
		xs_put_hex(out, "gpa", in->gpa);
	if (in->have & XS_IN_GLA)
		xs_put_hex(out, "gla", in->gla);
}

void xs_decode_values(unsigned int isa, uint32_t reason, uint64_t qualification, uint64_t info2, uint32_t intr_info,
		      int vector, struct xs_decoded *out)
{
	struct xs_decode_input in = {
		.isa = (uint8_t)isa,
		.reason = reason,
		.qualification = qualification,
		.info2 = info2,
		.intr_info = intr_info,
		.vector = vector,
		.have = intr_info ? XS_IN_INTR_INFO : 0,
	};
	/* KVM's kvm_exit reports VMX IDT-vectoring information as info2. */
	if (isa == XS_ISA_VMX && (info2 & 0x80000000u) && !(info2 >> 32)) {
		in.idt_vectoring_info = (uint32_t)info2;
		in.have |= XS_IN_IDT;
	}
	xs_decode_input(&in, out);
}

void xs_decode(const struct xs_exit_record *r, struct xs_decoded *out)
{
	struct xs_decode_input in = {
		.isa = r->isa,
		.reason = r->reason,
		.qualification = r->qualification,
		.info2 = r->info2,
		.vector = -1,
	};
	if (r->flags & XS_F_INTR_INFO) {
		in.intr_info = r->intr_info;
		in.error_code = r->error_code;
		in.have |= XS_IN_INTR_INFO | XS_IN_ERROR_CODE;
	}
	if (r->flags & XS_F_IDT_VECTORING) {
		in.idt_vectoring_info = r->idt_vectoring_info;
		in.idt_vectoring_error = r->idt_vectoring_error;
		in.have |= XS_IN_IDT;
	} else if (r->isa == XS_ISA_VMX && (r->info2 & 0x80000000u) && !(r->info2 >> 32)) {
		in.idt_vectoring_info = (uint32_t)r->info2;
		in.have |= XS_IN_IDT;
	}
	if (r->flags & XS_F_GUEST_PHYS) {
		in.gpa = r->guest_phys;
		in.have |= XS_IN_GPA;
	}
	if (r->flags & XS_F_GUEST_LINEAR) {
		in.gla = r->guest_linear;
		in.have |= XS_IN_GLA;
	}
	xs_decode_input(&in, out);
}

const struct xs_field *xs_decoded_field(const struct xs_decoded *d, const char *name)
{
	for (unsigned int i = 0; i < d->nfields; i++) {
		if (!xs_strcmp(d->fields[i].name, name))
			return &d->fields[i];
	}
	return 0;
}
