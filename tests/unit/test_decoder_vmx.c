// SPDX-License-Identifier: MIT
/*
 * VMX qualification vectors, worked out by hand from the Intel SDM vol. 3C tables "Exit Qualification for
 * ...". Each case states the bits it sets.
 */
#include "tests/unit/decoder_test_util.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

static struct xs_decoded d;

static void vmx(uint32_t reason, uint64_t q)
{
	xs_decode_values(XS_ISA_VMX, reason, q, 0, 0, -1, &d);
	assert_unique_fields(&d);
}

static void vmx_in(const struct xs_decode_input *in)
{
	xs_decode_input(in, &d);
	assert_unique_fields(&d);
}

static void test_cr_access(void **state)
{
	(void)state;
	/* MOV to CR4 from RBX: cr 3:0 = 4, type 5:4 = 0, gpr 11:8 = 3 -> 0x304 */
	vmx(28, 0x304);
	assert_string_equal(d.name, "CR_ACCESS");
	assert_string_equal(d.format, "cr_access");
	ASSERT_FIELD(&d, "cr", 4);
	ASSERT_ENUM(&d, "access_type", 0, "MOV_TO_CR");
	ASSERT_ENUM(&d, "gpr", 3, "RBX");
	ASSERT_NO_FIELD(&d, "lmsw_operand");
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* MOV from CR8 to R15: cr = 8, type = 1 (0x10), gpr = 15 (0xf00) -> 0xf18 */
	vmx(28, 0xf18);
	ASSERT_FIELD(&d, "cr", 8);
	ASSERT_ENUM(&d, "access_type", 1, "MOV_FROM_CR");
	ASSERT_ENUM(&d, "gpr", 15, "R15");
	/* CLTS: type = 2 (0x20); no register, no LMSW data */
	vmx(28, 0x20);
	ASSERT_ENUM(&d, "access_type", 2, "CLTS");
	ASSERT_NO_FIELD(&d, "gpr");
	ASSERT_NO_FIELD(&d, "lmsw_source");
	/* LMSW from memory, source data 0x11: type 3 (0x30), operand bit 6 (0x40), data 31:16 -> 0x110070 */
	vmx(28, 0x110070);
	ASSERT_ENUM(&d, "access_type", 3, "LMSW");
	ASSERT_ENUM(&d, "lmsw_operand", 1, "MEMORY");
	ASSERT_FIELD(&d, "lmsw_source", 0x11);
	ASSERT_NO_FIELD(&d, "gpr");
	/* The example: 0x3 = MOV to CR3 from RAX */
	vmx(28, 0x3);
	ASSERT_FIELD(&d, "cr", 3);
	ASSERT_ENUM(&d, "gpr", 0, "RAX");
}

static void test_cr_access_reserved(void **state)
{
	(void)state;
	/* Bit 7 and bit 32 are reserved in every form. */
	vmx(28, 0x3 | 0x80 | (1ull << 32));
	ASSERT_FIELD(&d, "reserved_bits", 0x100000080ull);
	/* CLTS clears the register field and the LMSW bits: set, they are reported. */
	vmx(28, 0x20 | 0x300 | 0x40 | 0x50000);
	ASSERT_FIELD(&d, "reserved_bits", 0x50340);
	/* MOV CR clears bit 6 and bits 31:16. */
	vmx(28, 0x40 | 0x10000);
	ASSERT_FIELD(&d, "reserved_bits", 0x10040);
}

static void test_dr_access(void **state)
{
	(void)state;
	/* MOV from DR7 to RCX: dr 2:0 = 7, direction bit 4 = 1, gpr 11:8 = 1 -> 0x117 */
	vmx(29, 0x117);
	assert_string_equal(d.format, "dr_access");
	ASSERT_FIELD(&d, "dr", 7);
	ASSERT_ENUM(&d, "direction", 1, "MOV_FROM_DR");
	ASSERT_ENUM(&d, "gpr", 1, "RCX");
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* MOV to DR0 from RAX with reserved bits 3, 5 and 12 set */
	vmx(29, 0x8 | 0x20 | 0x1000);
	ASSERT_ENUM(&d, "direction", 0, "MOV_TO_DR");
	ASSERT_FIELD(&d, "reserved_bits", 0x1028);
}

static void test_io(void **state)
{
	(void)state;
	/* OUT DX, AL to 0x3f8: size 0, direction 0, DX encoding, port 31:16 -> 0x3f80000 */
	vmx(30, 0x3f80000);
	assert_string_equal(d.format, "io");
	ASSERT_FIELD(&d, "size", 0);
	ASSERT_FIELD(&d, "access_size_bytes", 1);
	ASSERT_ENUM(&d, "direction", 0, "OUT");
	ASSERT_FIELD(&d, "string", 0);
	ASSERT_FIELD(&d, "rep", 0);
	ASSERT_ENUM(&d, "operand_encoding", 0, "DX");
	ASSERT_FIELD(&d, "port", 0x3f8);
	/* IN EAX, 0x60: size 3, direction bit 3, immediate bit 6, port 0x60 -> 0x60004b */
	vmx(30, 0x60004b);
	ASSERT_FIELD(&d, "size", 3);
	ASSERT_FIELD(&d, "access_size_bytes", 4);
	ASSERT_ENUM(&d, "direction", 1, "IN");
	ASSERT_ENUM(&d, "operand_encoding", 1, "IMMEDIATE");
	ASSERT_FIELD(&d, "port", 0x60);
	/* REP OUTSW to 0x80: size 1, string bit 4, rep bit 5 -> 0x800031 */
	vmx(30, 0x800031);
	ASSERT_FIELD(&d, "access_size_bytes", 2);
	ASSERT_FIELD(&d, "string", 1);
	ASSERT_FIELD(&d, "rep", 1);
	/* Undefined size code 2 gives 0 bytes; bits 7 and 40 are reserved. */
	vmx(30, 0x2 | 0x80 | (1ull << 40));
	ASSERT_FIELD(&d, "access_size_bytes", 0);
	ASSERT_FIELD(&d, "reserved_bits", 0x10000000080ull);
	/* IO_SMI uses the same layout. */
	vmx(5, 0x3f80000);
	assert_string_equal(d.format, "io");
	ASSERT_FIELD(&d, "port", 0x3f8);
}

static void test_ept_violation(void **state)
{
	(void)state;
	/* A write to a read-only page through a linear address: write bit 1, readable bit 3, gla_valid bit 7,
	 * translated bit 8 -> 0x18a */
	vmx(48, 0x18a);
	assert_string_equal(d.format, "ept_violation");
	ASSERT_FIELD(&d, "read", 0);
	ASSERT_FIELD(&d, "write", 1);
	ASSERT_FIELD(&d, "fetch", 0);
	ASSERT_FIELD(&d, "readable", 1);
	ASSERT_FIELD(&d, "writable", 0);
	ASSERT_FIELD(&d, "executable", 0);
	ASSERT_FIELD(&d, "user_executable", 0);
	ASSERT_FIELD(&d, "gla_valid", 1);
	ASSERT_FIELD(&d, "translated_access", 1);
	ASSERT_FIELD(&d, "user_linear", 0);
	ASSERT_FIELD(&d, "guest_rw", 0);
	ASSERT_FIELD(&d, "guest_xd", 0);
	ASSERT_FIELD(&d, "nmi_unblocking", 0);
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* User-mode write to a read/write, execute-disable guest page: bits 1, 7, 8, 9, 10, 11 -> 0xf82 */
	vmx(48, 0xf82);
	ASSERT_FIELD(&d, "user_linear", 1);
	ASSERT_FIELD(&d, "guest_rw", 1);
	ASSERT_FIELD(&d, "guest_xd", 1);
	/* A fetch with no linear address: bits 8-11 must be clear, so set they are reserved -> 0xf24 */
	vmx(48, 0x4 | 0x20 | 0xf00);
	ASSERT_FIELD(&d, "fetch", 1);
	ASSERT_FIELD(&d, "executable", 1);
	ASSERT_FIELD(&d, "gla_valid", 0);
	ASSERT_NO_FIELD(&d, "translated_access");
	ASSERT_FIELD(&d, "reserved_bits", 0xf00);
	/* Read, NMI unblocking bit 12, shadow stack bit 13, asynchronous bit 16, reserved bit 17 -> 0x33001 */
	vmx(48, 0x1 | 0x1000 | 0x2000 | 0x10000 | 0x20000);
	ASSERT_FIELD(&d, "read", 1);
	ASSERT_FIELD(&d, "nmi_unblocking", 1);
	ASSERT_FIELD(&d, "shadow_stack", 1);
	ASSERT_FIELD(&d, "asynchronous", 1);
	ASSERT_FIELD(&d, "reserved_bits", 0x20000);
	/* EPT misconfiguration: no qualification fields, the address comes from gpa. */
	struct xs_decode_input in = {
		.isa = XS_ISA_VMX, .reason = 49, .gpa = 0xfee00000, .have = XS_IN_GPA, .vector = -1};
	vmx_in(&in);
	assert_string_equal(d.format, "ept_misconfig");
	ASSERT_FIELD(&d, "gpa", 0xfee00000);
}

static void test_debug_exception(void **state)
{
	(void)state;
	/* B0 and B1 hit, BD (bit 13), BS (bit 14), RTM (bit 16) -> 0x16003 */
	xs_decode_values(XS_ISA_VMX, 0, 0x16003, 0, 0, 1, &d);
	assert_unique_fields(&d);
	assert_string_equal(d.format, "debug_exception");
	ASSERT_ENUM(&d, "vector", 1, "DB");
	ASSERT_FIELD(&d, "b0", 1);
	ASSERT_FIELD(&d, "b1", 1);
	ASSERT_FIELD(&d, "b2", 0);
	ASSERT_FIELD(&d, "b3", 0);
	ASSERT_FIELD(&d, "bd", 1);
	ASSERT_FIELD(&d, "bs", 1);
	ASSERT_FIELD(&d, "rtm", 1);
	ASSERT_FIELD(&d, "bld", 0);
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* The vector from a valid interruption information (0x80000301: valid, hardware exception, #DB);
	 * B3 and bus-lock (bit 11) set, reserved bits 4 and 15 set -> 0x8818 */
	xs_decode_values(XS_ISA_VMX, 0, 0x8818, 0, 0x80000301, -1, &d);
	assert_unique_fields(&d);
	ASSERT_FIELD(&d, "b3", 1);
	ASSERT_FIELD(&d, "bld", 1);
	ASSERT_FIELD(&d, "reserved_bits", 0x8010);
	ASSERT_ENUM(&d, "intr_vector", 1, "DB");
	ASSERT_ENUM(&d, "intr_type", 3, "HARDWARE_EXCEPTION");
	ASSERT_FIELD(&d, "intr_valid", 1);
	ASSERT_FIELD(&d, "intr_error_code_valid", 0);
}

static void test_page_fault_and_other_exceptions(void **state)
{
	(void)state;
	/* #PF: the qualification is the faulting linear address. intr_info 0x80000b0e: valid, error code
	 * valid (bit 11), hardware exception (3 << 8), vector 14; error code 0x6 = write from user mode. */
	struct xs_decode_input in = {
		.isa = XS_ISA_VMX,
		.reason = 0,
		.qualification = 0x7f0012345000ull,
		.intr_info = 0x80000b0e,
		.error_code = 0x6,
		.vector = -1,
		.have = XS_IN_INTR_INFO | XS_IN_ERROR_CODE,
	};
	vmx_in(&in);
	assert_string_equal(d.format, "page_fault");
	ASSERT_ENUM(&d, "vector", 14, "PF");
	ASSERT_FIELD(&d, "fault_address", 0x7f0012345000ull);
	ASSERT_FIELD(&d, "intr_error_code_valid", 1);
	ASSERT_FIELD(&d, "intr_error_code", 0x6);
	ASSERT_FIELD(&d, "present", 0);
	ASSERT_FIELD(&d, "write", 1);
	ASSERT_FIELD(&d, "user", 1);
	ASSERT_FIELD(&d, "fetch", 0);
	/* #GP and NMI clear the qualification: anything set is reported. */
	xs_decode_values(XS_ISA_VMX, 0, 0, 0, 0, 13, &d);
	assert_string_equal(d.format, "exception");
	ASSERT_ENUM(&d, "vector", 13, "GP");
	ASSERT_NO_FIELD(&d, "reserved_bits");
	xs_decode_values(XS_ISA_VMX, 0, 0x5, 0, 0x80000202, -1, &d);
	ASSERT_ENUM(&d, "intr_type", 2, "NMI");
	ASSERT_ENUM(&d, "intr_vector", 2, "NMI");
	ASSERT_FIELD(&d, "reserved_bits", 0x5);
	/* No vector, no valid interruption information: the format says it could not choose. */
	vmx(0, 0x4000);
	assert_string_equal(d.format, "exception_unknown_vector");
	assert_int_equal(d.nfields, 0);
}

static void test_task_switch_and_addresses(void **state)
{
	(void)state;
	/* JMP to TSS selector 0x28: source 31:30 = 2 -> 0x80000028 */
	vmx(9, 0x80000028);
	assert_string_equal(d.format, "task_switch");
	ASSERT_FIELD(&d, "tss_selector", 0x28);
	ASSERT_ENUM(&d, "source", 2, "JMP");
	ASSERT_NO_FIELD(&d, "reserved_bits");
	/* Task gate in the IDT, reserved bits 16 and 32 */
	vmx(9, 0xc0000000ull | 0x10000 | (1ull << 32) | 0x30);
	ASSERT_ENUM(&d, "source", 3, "TASK_GATE");
	ASSERT_FIELD(&d, "reserved_bits", 0x100010000ull);
	vmx(9, 0x18);
	ASSERT_ENUM(&d, "source", 0, "CALL");
	/* INVLPG: the linear-address operand */
	vmx(14, 0xffff888000001000ull);
	assert_string_equal(d.format, "linear_address");
	ASSERT_FIELD(&d, "linear_address", 0xffff888000001000ull);
	/* VMREAD, LGDT, INVEPT ...: the displacement, sign-extended: -8 */
	static const uint32_t displacement_reasons[] = {19, 21, 22, 23, 25, 27, 46, 47, 50, 53, 58, 63, 64};
	for (size_t i = 0; i < sizeof(displacement_reasons) / sizeof(displacement_reasons[0]); i++) {
		vmx(displacement_reasons[i], 0xfffffffffffffff8ull);
		assert_string_equal(d.format, "displacement");
		ASSERT_FIELD(&d, "displacement", 0xfffffffffffffff8ull);
		assert_true(xs_decoded_field(&d, "displacement")->flags & XS_FIELD_SIGNED);
	}
	char buf[64];
	xs_decoded_fields_text(&d, buf, sizeof(buf));
	assert_string_equal(buf, "displacement=-8");
	xs_decoded_fields_json(&d, buf, sizeof(buf));
	assert_string_equal(buf, "{\"displacement\":-8}");
}

static void test_entry_failures(void **state)
{
	(void)state;
	/* VM-entry failure (bit 31) due to invalid guest state (33), PDPTE loading (2) */
	vmx(0x80000021, 2);
	assert_string_equal(d.name, "INVALID_STATE");
	assert_reason(XS_ISA_VMX, d.basic_reason, 33);
	ASSERT_ENUM(&d, "entry_failure_code", 2, "PDPTE_LOAD");
	ASSERT_FIELD(&d, "failed_vmentry", 1);
	vmx(0x80000021, 0);
	ASSERT_ENUM(&d, "entry_failure_code", 0, "DEFAULT");
	vmx(0x80000021, 3);
	ASSERT_ENUM(&d, "entry_failure_code", 3, "NMI_STI_BLOCKING");
	vmx(0x80000021, 4);
	ASSERT_ENUM(&d, "entry_failure_code", 4, "VMCS_LINK_POINTER");
	vmx(0x80000021, 1); /* 1 is not used by the SDM */
	ASSERT_ENUM(&d, "entry_failure_code", 1, "RESERVED");
	vmx(0x80000021, 9);
	ASSERT_ENUM(&d, "entry_failure_code", 9, "RESERVED");
	/* MSR loading failed at the third entry */
	vmx(0x80000022, 3);
	assert_string_equal(d.format, "msr_load_fail");
	ASSERT_FIELD(&d, "msr_entry_index", 3);
}

static void test_apic(void **state)
{
	(void)state;
	/* Linear write to the EOI register: offset 0xb0, type 1 (15:12) -> 0x10b0 */
	vmx(44, 0x10b0);
	assert_string_equal(d.format, "apic_access");
	ASSERT_FIELD(&d, "offset", 0xb0);
	ASSERT_ENUM(&d, "access_type", 1, "LINEAR_WRITE");
	ASSERT_FIELD(&d, "asynchronous", 0);
	vmx(44, 0xa000);
	ASSERT_ENUM(&d, "access_type", 10, "GUEST_PHYSICAL_EVENT_DELIVERY");
	vmx(44, 0xf000 | 0x10000);
	ASSERT_ENUM(&d, "access_type", 15, "GUEST_PHYSICAL_INSTRUCTION");
	ASSERT_FIELD(&d, "asynchronous", 1);
	vmx(44, 0x5000 | 0x20000);
	ASSERT_ENUM(&d, "access_type", 5, "RESERVED");
	ASSERT_FIELD(&d, "reserved_bits", 0x20000);
	/* Virtualized EOI of vector 0x31; bit 8 is reserved */
	vmx(45, 0x131);
	assert_string_equal(d.format, "eoi_induced");
	ASSERT_FIELD(&d, "vector", 0x31);
	ASSERT_FIELD(&d, "reserved_bits", 0x100);
	/* APIC write to ICR low (0x300); bit 12 is reserved */
	vmx(56, 0x1300);
	assert_string_equal(d.format, "apic_write");
	ASSERT_FIELD(&d, "offset", 0x300);
	ASSERT_FIELD(&d, "reserved_bits", 0x1000);
}

static void test_small_formats(void **state)
{
	(void)state;
	vmx(4, 0x9a); /* SIPI vector 0x9a */
	assert_string_equal(d.format, "sipi");
	ASSERT_FIELD(&d, "vector", 0x9a);
	vmx(36, 0x1); /* MWAIT with the monitor armed */
	ASSERT_FIELD(&d, "monitor_armed", 1);
	vmx(36, 0x3);
	ASSERT_FIELD(&d, "reserved_bits", 0x2);
	vmx(62, 0x1000); /* PML full after an IRET that unblocked NMIs */
	assert_string_equal(d.format, "pml_full");
	ASSERT_FIELD(&d, "nmi_unblocking", 1);
	vmx(75, 0x1001); /* NOTIFY: VM context invalid, NMI unblocking */
	assert_string_equal(d.format, "notify");
	ASSERT_FIELD(&d, "context_invalid", 1);
	ASSERT_FIELD(&d, "nmi_unblocking", 1);
	vmx(75, 0x2);
	ASSERT_FIELD(&d, "context_invalid", 0);
	ASSERT_FIELD(&d, "reserved_bits", 0x2);
	vmx(66, 0x800); /* SPP miss */
	ASSERT_ENUM(&d, "spp_event", 1, "MISS");
	vmx(66, 0x0);
	ASSERT_ENUM(&d, "spp_event", 0, "MISCONFIG");
	vmx(84, 0xc0000080); /* RDMSR imm: EFER */
	assert_string_equal(d.name, "MSR_READ_IMM");
	ASSERT_FIELD(&d, "msr", 0xc0000080);
	vmx(85, 0x1c0000080ull);
	ASSERT_FIELD(&d, "reserved_bits", 0x100000000ull);
	vmx(12, 0); /* HLT has no qualification */
	assert_null(d.format);
	assert_int_equal(d.nfields, 0);
}

static void test_reason_flags(void **state)
{
	(void)state;
	/* Every defined flag on HLT: bits 31, 29, 28, 27, 26 -> 0xbc00000c */
	vmx(0xbc00000c, 0);
	assert_string_equal(d.name, "HLT");
	assert_reason(XS_ISA_VMX, d.basic_reason, 12);
	ASSERT_FIELD(&d, "failed_vmentry", 1);
	ASSERT_FIELD(&d, "from_vmx_root", 1);
	ASSERT_FIELD(&d, "pending_mtf", 1);
	ASSERT_FIELD(&d, "enclave_mode", 1);
	ASSERT_FIELD(&d, "bus_lock", 1);
	ASSERT_NO_FIELD(&d, "reason_reserved_bits");
	/* Bit 27 alone (enclave), from the record header's macros */
	vmx(XS_VMX_REASON_ENCLAVE_MODE | 10, 0);
	ASSERT_FIELD(&d, "enclave_mode", 1);
	ASSERT_NO_FIELD(&d, "failed_vmentry");
	ASSERT_NO_FIELD(&d, "bus_lock");
	/* Bits 30 and 16 and 25 are not defined */
	vmx(0x42010000 | 12, 0);
	ASSERT_FIELD(&d, "reason_reserved_bits", 0x42010000);
	/* Clean reason: no flag fields at all */
	vmx(10, 0);
	assert_int_equal(d.nfields, 0);
}

static void test_event_information(void **state)
{
	(void)state;
	/* IDT vectoring: a #PF with error code 2 was being delivered (0x80000b0e) */
	struct xs_decode_input in = {
		.isa = XS_ISA_VMX,
		.reason = 48,
		.qualification = 0x1,
		.idt_vectoring_info = 0x80000b0e,
		.idt_vectoring_error = 0x2,
		.vector = -1,
		.have = XS_IN_IDT,
	};
	vmx_in(&in);
	ASSERT_ENUM(&d, "idt_vector", 14, "PF");
	ASSERT_ENUM(&d, "idt_type", 3, "HARDWARE_EXCEPTION");
	ASSERT_FIELD(&d, "idt_error_code_valid", 1);
	ASSERT_FIELD(&d, "idt_valid", 1);
	ASSERT_FIELD(&d, "idt_error_code", 2);
	ASSERT_NO_FIELD(&d, "idt_nmi_unblocking");
	ASSERT_NO_FIELD(&d, "idt_reserved_bits");
	/* Bit 12 is undefined in IDT-vectoring information (not reserved); bit 20 is reserved. */
	in.idt_vectoring_info = 0x80001021; /* external interrupt 0x21 */
	vmx_in(&in);
	ASSERT_ENUM(&d, "idt_type", 0, "EXTERNAL_INTERRUPT");
	ASSERT_FIELD(&d, "idt_vector", 0x21);
	assert_null(xs_decoded_field(&d, "idt_vector")->value_name);
	ASSERT_NO_FIELD(&d, "idt_reserved_bits");
	in.idt_vectoring_info = 0x80100021;
	vmx_in(&in);
	ASSERT_FIELD(&d, "idt_reserved_bits", 0x100000);
	/* Software interrupt INT 0x80 (type 4), privileged software exception INT1 (type 5) */
	in.idt_vectoring_info = 0x80000480;
	vmx_in(&in);
	ASSERT_ENUM(&d, "idt_type", 4, "SOFTWARE_INTERRUPT");
	in.idt_vectoring_info = 0x80000501;
	vmx_in(&in);
	ASSERT_ENUM(&d, "idt_type", 5, "PRIVILEGED_SOFTWARE_EXCEPTION");
	ASSERT_ENUM(&d, "idt_vector", 1, "DB");
	/* Interruption information with its valid bit clear but other bits set: reported, not decoded */
	xs_decode_values(XS_ISA_VMX, 1, 0, 0, 0x301, -1, &d);
	ASSERT_FIELD(&d, "intr_reserved_bits", 0x301);
	ASSERT_NO_FIELD(&d, "intr_vector");
	/* External interrupt 0xec acknowledged on exit, NMI unblocking bit 12 set: 0x800010ec */
	xs_decode_values(XS_ISA_VMX, 1, 0, 0, 0x800010ec, -1, &d);
	ASSERT_FIELD(&d, "intr_vector", 0xec);
	ASSERT_FIELD(&d, "intr_nmi_unblocking", 1);
	/* KVM's kvm_exit reports IDT-vectoring info as info2: xs_decode_values reads it from there. */
	xs_decode_values(XS_ISA_VMX, 48, 0x1, 0x80000b0e, 0, -1, &d);
	ASSERT_FIELD(&d, "idt_vector", 14);
}

static void test_record(void **state)
{
	(void)state;
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 48);
	r.qualification = 0x181; /* read via a linear address */
	r.flags = XS_F_GUEST_PHYS | XS_F_GUEST_LINEAR | XS_F_IDT_VECTORING;
	r.guest_phys = 0xfee000b0;
	r.guest_linear = 0xffffffffff5fd0b0ull;
	r.idt_vectoring_info = 0x80000030;
	xs_decode(&r, &d);
	assert_unique_fields(&d);
	ASSERT_FIELD(&d, "read", 1);
	ASSERT_FIELD(&d, "gpa", 0xfee000b0);
	ASSERT_FIELD(&d, "gla", 0xffffffffff5fd0b0ull);
	ASSERT_FIELD(&d, "idt_vector", 0x30);
	/* Without the flags the same values are not trusted. */
	r.flags = 0;
	r.info2 = 0;
	xs_decode(&r, &d);
	ASSERT_NO_FIELD(&d, "gpa");
	ASSERT_NO_FIELD(&d, "idt_vector");
}

static void test_worst_case_fits(void **state)
{
	(void)state;
	/* The most fields one decode can produce: every EPT bit, every flag, interruption and IDT-vectoring
	 * information with error codes, both addresses. Nothing may be dropped. */
	struct xs_decode_input in = {
		.isa = XS_ISA_VMX,
		.reason = 0xfc000030u | 48,
		.qualification = ~0ull,
		.intr_info = 0xffffffffu,
		.error_code = 0xffffffffu,
		.idt_vectoring_info = 0xffffffffu,
		.idt_vectoring_error = 0xffffffffu,
		.gpa = 1,
		.gla = 2,
		.vector = -1,
		.have = XS_IN_INTR_INFO | XS_IN_ERROR_CODE | XS_IN_IDT | XS_IN_GPA | XS_IN_GLA,
	};
	vmx_in(&in);
	assert_true(d.nfields <= XS_DECODE_MAX_FIELDS);
	for (uint32_t basic = 0; basic < 100; basic++) {
		in.reason = 0xfc000000u | basic;
		in.vector = basic & 31;
		vmx_in(&in);
	}
}

static void test_unknown_and_reserved_reasons(void **state)
{
	(void)state;
	vmx(35, 0);
	assert_null(d.name);
	assert_string_equal(xs_reason_description(XS_ISA_VMX, 35), "reserved");
	vmx(0x63, 0x1234);
	assert_null(d.name);
	assert_null(d.format);
	assert_null(xs_reason_description(XS_ISA_VMX, 0x63));
	vmx(0xffff, 0);
	assert_null(d.name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr_access),
		cmocka_unit_test(test_cr_access_reserved),
		cmocka_unit_test(test_dr_access),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_debug_exception),
		cmocka_unit_test(test_page_fault_and_other_exceptions),
		cmocka_unit_test(test_task_switch_and_addresses),
		cmocka_unit_test(test_entry_failures),
		cmocka_unit_test(test_apic),
		cmocka_unit_test(test_small_formats),
		cmocka_unit_test(test_reason_flags),
		cmocka_unit_test(test_event_information),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_worst_case_fits),
		cmocka_unit_test(test_unknown_and_reserved_reasons),
	};
	return cmocka_run_group_tests_name("decoder_vmx", tests, NULL, NULL);
}
