// SPDX-License-Identifier: MIT
/*
 * VMX exit qualifications, Intel SDM vol. 3C chapter "VM Exits", section "Basic VM-Exit Information" and its
 * tables "Exit Qualification for ...". One function per table; `defined` masks list the bits each table
 * defines, everything else that is set is reported as reserved_bits. Freestanding.
 */
#include "decoder/decode_internal.h"

enum vmx_format {
	F_NONE = 0,
	F_EXCEPTION,
	F_SIPI,
	F_TASK_SWITCH,
	F_LINEAR,
	F_DISPLACEMENT,
	F_CR,
	F_DR,
	F_IO,
	F_ENTRY_FAIL,
	F_MSR_LOAD_FAIL,
	F_MWAIT,
	F_APIC_ACCESS,
	F_EOI,
	F_APIC_WRITE,
	F_EPT_VIOLATION,
	F_EPT_MISCONFIG,
	F_PML_FULL,
	F_SPP,
	F_NOTIFY,
	F_MSR_INDEX,
};

/* Which table a basic exit reason's qualification follows. Reasons not listed have no qualification. */
static const unsigned char vmx_formats[] = {
	[0] = F_EXCEPTION,	/* EXCEPTION_NMI: #DB and #PF have one; other vectors clear it */
	[4] = F_SIPI,		/* SIPI_SIGNAL */
	[5] = F_IO,		/* IO_SMI: the I/O instruction before the SMI, same layout as I/O */
	[9] = F_TASK_SWITCH,	/* TASK_SWITCH */
	[14] = F_LINEAR,	/* INVLPG */
	[19] = F_DISPLACEMENT,	/* VMCLEAR */
	[21] = F_DISPLACEMENT,	/* VMPTRLD */
	[22] = F_DISPLACEMENT,	/* VMPTRST */
	[23] = F_DISPLACEMENT,	/* VMREAD */
	[25] = F_DISPLACEMENT,	/* VMWRITE */
	[27] = F_DISPLACEMENT,	/* VMXON */
	[28] = F_CR,		/* CR_ACCESS */
	[29] = F_DR,		/* DR_ACCESS */
	[30] = F_IO,		/* IO_INSTRUCTION */
	[33] = F_ENTRY_FAIL,	/* INVALID_STATE */
	[34] = F_MSR_LOAD_FAIL, /* MSR_LOAD_FAIL */
	[36] = F_MWAIT,		/* MWAIT_INSTRUCTION */
	[44] = F_APIC_ACCESS,	/* APIC_ACCESS */
	[45] = F_EOI,		/* EOI_INDUCED */
	[46] = F_DISPLACEMENT,	/* GDTR_IDTR: LGDT LIDT SGDT SIDT */
	[47] = F_DISPLACEMENT,	/* LDTR_TR: LLDT LTR SLDT STR */
	[48] = F_EPT_VIOLATION, /* EPT_VIOLATION */
	[49] = F_EPT_MISCONFIG, /* EPT_MISCONFIG */
	[50] = F_DISPLACEMENT,	/* INVEPT */
	[53] = F_DISPLACEMENT,	/* INVVPID */
	[56] = F_APIC_WRITE,	/* APIC_WRITE */
	[58] = F_DISPLACEMENT,	/* INVPCID */
	[62] = F_PML_FULL,	/* PML_FULL */
	[63] = F_DISPLACEMENT,	/* XSAVES */
	[64] = F_DISPLACEMENT,	/* XRSTORS */
	[66] = F_SPP,		/* SPP */
	[75] = F_NOTIFY,	/* NOTIFY */
	[80] = F_MSR_INDEX,	/* URDMSR */
	[81] = F_MSR_INDEX,	/* UWRMSR */
	[84] = F_MSR_INDEX,	/* MSR_READ_IMM: RDMSR with an immediate MSR index */
	[85] = F_MSR_INDEX,	/* MSR_WRITE_IMM: WRMSRNS with an immediate MSR index */
};

/* Table "Exit Qualification for Debug Exceptions". */
static void debug_exception(struct xs_decoded *d, uint64_t q)
{
	d->format = "debug_exception";
	xs_put_int(d, "b0", xs_bit(q, 0));
	xs_put_int(d, "b1", xs_bit(q, 1));
	xs_put_int(d, "b2", xs_bit(q, 2));
	xs_put_int(d, "b3", xs_bit(q, 3));
	xs_put_int(d, "bld", xs_bit(q, 11));
	xs_put_int(d, "bd", xs_bit(q, 13));
	xs_put_int(d, "bs", xs_bit(q, 14));
	xs_put_int(d, "rtm", xs_bit(q, 16));
	xs_put_reserved(d, "reserved_bits", q, 0xfull | 1ull << 11 | 1ull << 13 | 1ull << 14 | 1ull << 16);
}

static void exception(const struct xs_decode_input *in, struct xs_decoded *d)
{
	int vector = in->vector;
	if (vector < 0 && (in->have & XS_IN_INTR_INFO) && (in->intr_info & 0x80000000u))
		vector = (int)(in->intr_info & 0xff);
	if (vector < 0) {
		/* Without the vector the qualification cannot be read: say so rather than guess. */
		d->format = "exception_unknown_vector";
		return;
	}
	xs_put_enum(d, "vector", (uint64_t)vector, xs_exception_name((unsigned int)vector));
	if (vector == 1) {
		debug_exception(d, in->qualification);
	} else if (vector == 14) {
		d->format = "page_fault";
		xs_put_hex(d, "fault_address", in->qualification);
	} else {
		/* Every other exception and NMI clears the qualification. */
		d->format = "exception";
		xs_put_reserved(d, "reserved_bits", in->qualification, 0);
	}
}

/* Table "Exit Qualification for Task Switch". */
static const char *const task_switch_sources[4] = {"CALL", "IRET", "JMP", "TASK_GATE"};

static void task_switch(struct xs_decoded *d, uint64_t q)
{
	d->format = "task_switch";
	xs_put_hex(d, "tss_selector", xs_bits(q, 15, 0));
	xs_put_enum(d, "source", xs_bits(q, 31, 30), task_switch_sources[xs_bits(q, 31, 30)]);
	xs_put_reserved(d, "reserved_bits", q, 0xc000ffffull);
}

/* Table "Exit Qualification for Control-Register Accesses". */
static const char *const cr_access_types[4] = {"MOV_TO_CR", "MOV_FROM_CR", "CLTS", "LMSW"};
static const char *const lmsw_operands[2] = {"REGISTER", "MEMORY"};

static void cr_access(struct xs_decoded *d, uint64_t q)
{
	d->format = "cr_access";
	unsigned int type = (unsigned int)xs_bits(q, 5, 4);
	uint64_t defined = 0x3f; /* CR number, access type */
	xs_put_int(d, "cr", xs_bits(q, 3, 0));
	xs_put_enum(d, "access_type", type, cr_access_types[type]);
	if (type <= 1) {
		/* MOV CR: bits 11:8 name the register; LMSW bits are cleared. */
		xs_put_enum(d, "gpr", xs_bits(q, 11, 8), xs_gpr_name((unsigned int)xs_bits(q, 11, 8)));
		defined |= 0xf00;
	} else if (type == 3) {
		xs_put_enum(d, "lmsw_operand", xs_bit(q, 6), lmsw_operands[xs_bit(q, 6)]);
		xs_put_hex(d, "lmsw_source", xs_bits(q, 31, 16));
		defined |= 0x40 | 0xffff0000ull;
	}
	xs_put_reserved(d, "reserved_bits", q, defined);
}

/* Table "Exit Qualification for MOV DR". */
static const char *const dr_directions[2] = {"MOV_TO_DR", "MOV_FROM_DR"};

static void dr_access(struct xs_decoded *d, uint64_t q)
{
	d->format = "dr_access";
	xs_put_int(d, "dr", xs_bits(q, 2, 0));
	xs_put_enum(d, "direction", xs_bit(q, 4), dr_directions[xs_bit(q, 4)]);
	xs_put_enum(d, "gpr", xs_bits(q, 11, 8), xs_gpr_name((unsigned int)xs_bits(q, 11, 8)));
	xs_put_reserved(d, "reserved_bits", q, 0x7 | 0x10 | 0xf00);
}

/* Table "Exit Qualification for I/O Instructions" (and for SMIs right after an I/O instruction). */
static const char *const io_directions[2] = {"OUT", "IN"};
static const char *const io_encodings[2] = {"DX", "IMMEDIATE"};

static void io(struct xs_decoded *d, uint64_t q)
{
	d->format = "io";
	unsigned int size = (unsigned int)xs_bits(q, 2, 0);
	/* 0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes; other codes are not defined: 0 bytes. */
	static const unsigned char bytes[8] = {1, 2, 0, 4, 0, 0, 0, 0};
	xs_put_int(d, "size", size);
	xs_put_int(d, "access_size_bytes", bytes[size]);
	xs_put_enum(d, "direction", xs_bit(q, 3), io_directions[xs_bit(q, 3)]);
	xs_put_int(d, "string", xs_bit(q, 4));
	xs_put_int(d, "rep", xs_bit(q, 5));
	xs_put_enum(d, "operand_encoding", xs_bit(q, 6), io_encodings[xs_bit(q, 6)]);
	xs_put_hex(d, "port", xs_bits(q, 31, 16));
	xs_put_reserved(d, "reserved_bits", q, 0x7f | 0xffff0000ull);
}

/* Exit qualification for VM-entry failure due to invalid guest state (SDM "VM-Entry Failures During or
 * After Loading Guest State"). */
static const char *const entry_failure_codes[5] = {"DEFAULT", 0, "PDPTE_LOAD", "NMI_STI_BLOCKING", "VMCS_LINK_POINTER"};

static void entry_failure(struct xs_decoded *d, uint64_t q)
{
	d->format = "entry_failure";
	xs_put_enum(d, "entry_failure_code", q, XS_ENUM_NAME(entry_failure_codes, q));
}

/* Table "Exit Qualification for APIC-Access VM Exits from Linear Accesses and Guest-Physical Accesses". */
static const char *const apic_access_types[16] = {
	[0] = "LINEAR_READ",
	[1] = "LINEAR_WRITE",
	[2] = "LINEAR_FETCH",
	[3] = "LINEAR_EVENT_DELIVERY",
	[10] = "GUEST_PHYSICAL_EVENT_DELIVERY",
	[15] = "GUEST_PHYSICAL_INSTRUCTION",
};

static void apic_access(struct xs_decoded *d, uint64_t q)
{
	d->format = "apic_access";
	xs_put_hex(d, "offset", xs_bits(q, 11, 0));
	xs_put_enum(d, "access_type", xs_bits(q, 15, 12), XS_ENUM_NAME(apic_access_types, xs_bits(q, 15, 12)));
	xs_put_int(d, "asynchronous", xs_bit(q, 16));
	xs_put_reserved(d, "reserved_bits", q, 0x1ffff);
}

/* Table "Exit Qualification for EPT Violations". */
static void ept_violation(struct xs_decoded *d, uint64_t q)
{
	d->format = "ept_violation";
	xs_put_int(d, "read", xs_bit(q, 0));
	xs_put_int(d, "write", xs_bit(q, 1));
	xs_put_int(d, "fetch", xs_bit(q, 2));
	xs_put_int(d, "readable", xs_bit(q, 3));
	xs_put_int(d, "writable", xs_bit(q, 4));
	xs_put_int(d, "executable", xs_bit(q, 5));
	xs_put_int(d, "user_executable", xs_bit(q, 6));
	xs_put_int(d, "gla_valid", xs_bit(q, 7));
	/* Bits 8-11 are defined only when the guest-linear address is valid; otherwise they are cleared. */
	uint64_t defined = 0xff | 0xf000 | 0x10000;
	if (xs_bit(q, 7)) {
		xs_put_int(d, "translated_access", xs_bit(q, 8));
		xs_put_int(d, "user_linear", xs_bit(q, 9));
		xs_put_int(d, "guest_rw", xs_bit(q, 10));
		xs_put_int(d, "guest_xd", xs_bit(q, 11));
		defined |= 0xf00;
	}
	xs_put_int(d, "nmi_unblocking", xs_bit(q, 12));
	xs_put_int(d, "shadow_stack", xs_bit(q, 13));
	xs_put_int(d, "supervisor_shadow_stack", xs_bit(q, 14));
	xs_put_int(d, "guest_paging_verification", xs_bit(q, 15));
	xs_put_int(d, "asynchronous", xs_bit(q, 16));
	xs_put_reserved(d, "reserved_bits", q, defined);
}

/* A qualification holding one small value in its low bits, the rest reserved. */
static void low_value(struct xs_decoded *d, const char *format, const char *field, uint64_t q, unsigned int bits,
		      int hex)
{
	d->format = format;
	uint64_t mask = (1ull << bits) - 1;
	if (hex)
		xs_put_hex(d, field, q & mask);
	else
		xs_put_int(d, field, q & mask);
	xs_put_reserved(d, "reserved_bits", q, mask);
}

/* PML full, SPP-related events and NOTIFY share bit 12: NMI unblocking due to IRET. */
static void nmi_unblocking_only(struct xs_decoded *d, const char *format, uint64_t q, uint64_t extra)
{
	d->format = format;
	xs_put_int(d, "nmi_unblocking", xs_bit(q, 12));
	xs_put_reserved(d, "reserved_bits", q, (1ull << 12) | extra);
}

/* Sub-page-permission exits. Bit 11: 0 = SPP misconfiguration, 1 = SPP miss. */
static void spp(struct xs_decoded *d, uint64_t q)
{
	d->format = "spp";
	xs_put_enum(d, "spp_event", xs_bit(q, 11), xs_bit(q, 11) ? "MISS" : "MISCONFIG");
	xs_put_int(d, "nmi_unblocking", xs_bit(q, 12));
	xs_put_reserved(d, "reserved_bits", q, (1ull << 11) | (1ull << 12));
}

/* NOTIFY (the notify window expired). Bit 0: the VM context is invalid. */
static void notify(struct xs_decoded *d, uint64_t q)
{
	d->format = "notify";
	xs_put_int(d, "context_invalid", xs_bit(q, 0));
	xs_put_int(d, "nmi_unblocking", xs_bit(q, 12));
	xs_put_reserved(d, "reserved_bits", q, 1 | (1ull << 12));
}

void xs_decode_vmx(const struct xs_decode_input *in, struct xs_decoded *d)
{
	uint32_t basic = XS_VMX_BASIC_REASON(in->reason);
	uint64_t q = in->qualification;
	unsigned int format = basic < sizeof(vmx_formats) ? vmx_formats[basic] : F_NONE;
	switch (format) {
	case F_EXCEPTION:
		exception(in, d);
		break;
	case F_SIPI:
		low_value(d, "sipi", "vector", q, 8, 1);
		break;
	case F_TASK_SWITCH:
		task_switch(d, q);
		break;
	case F_LINEAR:
		d->format = "linear_address";
		xs_put_hex(d, "linear_address", q);
		break;
	case F_DISPLACEMENT:
		/* The memory operand's displacement, sign-extended to 64 bits; undefined for register operands. */
		d->format = "displacement";
		xs_put(d, "displacement", q, 0, XS_FIELD_SIGNED);
		break;
	case F_CR:
		cr_access(d, q);
		break;
	case F_DR:
		dr_access(d, q);
		break;
	case F_IO:
		io(d, q);
		break;
	case F_ENTRY_FAIL:
		entry_failure(d, q);
		break;
	case F_MSR_LOAD_FAIL:
		/* 1-based index of the VM-entry MSR-load entry that failed. */
		d->format = "msr_load_fail";
		xs_put_int(d, "msr_entry_index", q);
		break;
	case F_MWAIT:
		low_value(d, "mwait", "monitor_armed", q, 1, 0);
		break;
	case F_APIC_ACCESS:
		apic_access(d, q);
		break;
	case F_EOI:
		low_value(d, "eoi_induced", "vector", q, 8, 1);
		break;
	case F_APIC_WRITE:
		low_value(d, "apic_write", "offset", q, 12, 1);
		break;
	case F_EPT_VIOLATION:
		ept_violation(d, q);
		break;
	case F_EPT_MISCONFIG:
		/* The qualification is undefined; the address is in the guest-physical-address field (gpa). */
		d->format = "ept_misconfig";
		break;
	case F_PML_FULL:
		nmi_unblocking_only(d, "pml_full", q, 0);
		break;
	case F_SPP:
		spp(d, q);
		break;
	case F_NOTIFY:
		notify(d, q);
		break;
	case F_MSR_INDEX:
		low_value(d, "msr_index", "msr", q, 32, 1);
		break;
	default:
		break;
	}
}
