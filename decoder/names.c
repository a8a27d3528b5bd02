// SPDX-License-Identifier: MIT
/* Names of the record's small enums: isa, source, detail kind. */
#include "decoder/decoder.h"
#include "decoder/strings.h"

static const char *const isa_names[XS_ISA_COUNT] = {
	[XS_ISA_UNKNOWN] = "unknown", [XS_ISA_VMX] = "vmx",	    [XS_ISA_SVM] = "svm",
	[XS_ISA_KVM] = "kvm",	      [XS_ISA_HOST_EVENT] = "host",
};

const char *xs_isa_name(unsigned int isa)
{
	return isa < XS_ISA_COUNT ? isa_names[isa] : "unknown";
}

bool xs_isa_from_name(const char *name, uint8_t *isa)
{
	for (unsigned int i = 1; i < XS_ISA_COUNT; i++) {
		if (!xs_strcasecmp(name, isa_names[i])) {
			*isa = (uint8_t)i;
			return true;
		}
	}
	uint64_t v;
	if (xs_str_to_u64(name, &v) && v >= 1 && v < XS_ISA_COUNT) {
		*isa = (uint8_t)v;
		return true;
	}
	return false;
}

static const char *const source_names[XS_SRC_COUNT] = {
	[XS_SRC_UNKNOWN] = "unknown",	  [XS_SRC_LAUNCHER] = "launcher", [XS_SRC_BPF] = "bpf",
	[XS_SRC_PERF] = "perf",		  [XS_SRC_KMOD_VMX] = "kmod-vmx", [XS_SRC_BARE_VMX] = "bare-vmx",
	[XS_SRC_SYNTHETIC] = "synthetic",
};

const char *xs_source_name(unsigned int source)
{
	return source < XS_SRC_COUNT ? source_names[source] : "unknown";
}

static const char *const detail_names[XS_D_COUNT] = {
	[XS_D_NONE] = "none",
	[XS_D_IO] = "io",
	[XS_D_MMIO] = "mmio",
	[XS_D_MSR] = "msr",
	[XS_D_CR] = "cr",
	[XS_D_CPUID] = "cpuid",
	[XS_D_HYPERCALL] = "hypercall",
	[XS_D_DEBUG] = "debug",
	[XS_D_EXCEPTION] = "exception",
	[XS_D_PAGE_FAULT] = "page_fault",
	[XS_D_INTERNAL] = "internal",
	[XS_D_FAIL_ENTRY] = "fail_entry",
	[XS_D_SYSTEM_EVENT] = "system_event",
	[XS_D_EMULATE] = "emulate",
};

const char *xs_detail_kind_name(unsigned int kind)
{
	return kind < XS_D_COUNT ? detail_names[kind] : "unknown";
}

/* GPRs in the order qualifications number them (SDM "Exit Qualification for Control-Register Accesses"). */
static const char *const gpr_names[16] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

const char *xs_gpr_name(unsigned int n)
{
	return n < 16 ? gpr_names[n] : 0;
}

/* Exception mnemonics (SDM vol. 3A table "Protected-Mode Exceptions and Interrupts"; APM adds #HV #VC #SX). */
static const char *const exception_names[32] = {
	[0] = "DE",  [1] = "DB",  [2] = "NMI", [3] = "BP",  [4] = "OF",	 [5] = "BR",  [6] = "UD",  [7] = "NM",
	[8] = "DF",  [10] = "TS", [11] = "NP", [12] = "SS", [13] = "GP", [14] = "PF", [16] = "MF", [17] = "AC",
	[18] = "MC", [19] = "XM", [20] = "VE", [21] = "CP", [28] = "HV", [29] = "VC", [30] = "SX",
};

const char *xs_exception_name(unsigned int vector)
{
	return vector < 32 ? exception_names[vector] : 0;
}

static const char *const segment_names[8] = {"ES", "CS", "SS", "DS", "FS", "GS"};

const char *xs_segment_name(unsigned int n)
{
	return n < 8 ? segment_names[n] : 0;
}
