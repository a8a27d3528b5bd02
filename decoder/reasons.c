// SPDX-License-Identifier: MIT
/*
 * Exit reason tables: Intel SDM vol. 3C appendix C (VMX basic exit reasons), AMD APM vol. 2 appendix C (SVM
 * exit codes, SEV-ES VMGEXIT event codes), linux/kvm.h (KVM_EXIT_*), and exitscope's host events.
 * Names are the Linux uapi macro names without their prefix; tests/unit/test_decoder_tables.c checks every
 * macro of the installed headers against these tables, so they cannot drift.
 */
#include "decoder/decoder.h"
#include "decoder/strings.h"

#define R(code, name, desc)      \
	{                        \
		code, name, desc \
	}
#define RESERVED(code)              \
	{                           \
		code, 0, "reserved" \
	}

/* Every code from 0 to the newest the SDM defines, reserved ones included. */
static const struct xs_reason_info vmx_reasons[] = {
	R(0, "EXCEPTION_NMI", "Exception or non-maskable interrupt"),
	R(1, "EXTERNAL_INTERRUPT", "External interrupt"),
	R(2, "TRIPLE_FAULT", "Triple fault"),
	R(3, "INIT_SIGNAL", "INIT signal"),
	R(4, "SIPI_SIGNAL", "Start-up IPI"),
	R(5, "IO_SMI", "I/O system-management interrupt"),
	R(6, "OTHER_SMI", "Other SMI"),
	R(7, "INTERRUPT_WINDOW", "Interrupt window"),
	R(8, "NMI_WINDOW", "NMI window"),
	R(9, "TASK_SWITCH", "Task switch"),
	R(10, "CPUID", "CPUID"),
	R(11, "GETSEC", "GETSEC"),
	R(12, "HLT", "HLT"),
	R(13, "INVD", "INVD"),
	R(14, "INVLPG", "INVLPG"),
	R(15, "RDPMC", "RDPMC"),
	R(16, "RDTSC", "RDTSC"),
	R(17, "RSM", "RSM in SMM"),
	R(18, "VMCALL", "VMCALL"),
	R(19, "VMCLEAR", "VMCLEAR"),
	R(20, "VMLAUNCH", "VMLAUNCH"),
	R(21, "VMPTRLD", "VMPTRLD"),
	R(22, "VMPTRST", "VMPTRST"),
	R(23, "VMREAD", "VMREAD"),
	R(24, "VMRESUME", "VMRESUME"),
	R(25, "VMWRITE", "VMWRITE"),
	R(26, "VMOFF", "VMXOFF"),
	R(27, "VMON", "VMXON"),
	R(28, "CR_ACCESS", "Control-register access"),
	R(29, "DR_ACCESS", "MOV DR"),
	R(30, "IO_INSTRUCTION", "I/O instruction"),
	R(31, "MSR_READ", "RDMSR"),
	R(32, "MSR_WRITE", "WRMSR"),
	R(33, "INVALID_STATE", "VM-entry failure due to invalid guest state"),
	R(34, "MSR_LOAD_FAIL", "VM-entry failure due to MSR loading"),
	RESERVED(35),
	R(36, "MWAIT_INSTRUCTION", "MWAIT"),
	R(37, "MONITOR_TRAP_FLAG", "Monitor trap flag"),
	RESERVED(38),
	R(39, "MONITOR_INSTRUCTION", "MONITOR"),
	R(40, "PAUSE_INSTRUCTION", "PAUSE"),
	R(41, "MCE_DURING_VMENTRY", "VM-entry failure due to machine-check event"),
	RESERVED(42),
	R(43, "TPR_BELOW_THRESHOLD", "TPR below threshold"),
	R(44, "APIC_ACCESS", "APIC access"),
	R(45, "EOI_INDUCED", "Virtualized EOI"),
	R(46, "GDTR_IDTR", "Access to GDTR or IDTR"),
	R(47, "LDTR_TR", "Access to LDTR or TR"),
	R(48, "EPT_VIOLATION", "EPT violation"),
	R(49, "EPT_MISCONFIG", "EPT misconfiguration"),
	R(50, "INVEPT", "INVEPT"),
	R(51, "RDTSCP", "RDTSCP"),
	R(52, "PREEMPTION_TIMER", "VMX-preemption timer expired"),
	R(53, "INVVPID", "INVVPID"),
	R(54, "WBINVD", "WBINVD or WBNOINVD"),
	R(55, "XSETBV", "XSETBV"),
	R(56, "APIC_WRITE", "APIC write"),
	R(57, "RDRAND", "RDRAND"),
	R(58, "INVPCID", "INVPCID"),
	R(59, "VMFUNC", "VMFUNC"),
	R(60, "ENCLS", "ENCLS"),
	R(61, "RDSEED", "RDSEED"),
	R(62, "PML_FULL", "Page-modification log full"),
	R(63, "XSAVES", "XSAVES"),
	R(64, "XRSTORS", "XRSTORS"),
	R(65, "PCONFIG", "PCONFIG"),
	R(66, "SPP", "SPP-related event"),
	R(67, "UMWAIT", "UMWAIT"),
	R(68, "TPAUSE", "TPAUSE"),
	R(69, "LOADIWKEY", "LOADIWKEY"),
	R(70, "ENCLV", "ENCLV"),
	RESERVED(71),
	R(72, "ENQCMD_PASID_FAIL", "ENQCMD PASID translation failure"),
	R(73, "ENQCMDS_PASID_FAIL", "ENQCMDS PASID translation failure"),
	R(74, "BUS_LOCK", "Bus lock"),
	R(75, "NOTIFY", "Instruction timeout (notify VM exit)"),
	R(76, "SEAMCALL", "SEAMCALL"),
	R(77, "TDCALL", "TDCALL"),
	R(78, "RDMSRLIST", "RDMSRLIST"),
	R(79, "WRMSRLIST", "WRMSRLIST"),
	R(80, "URDMSR", "URDMSR"),
	R(81, "UWRMSR", "UWRMSR"),
	RESERVED(82),
	RESERVED(83),
	R(84, "MSR_READ_IMM", "RDMSR with immediate operand"),
	R(85, "MSR_WRITE_IMM", "WRMSRNS with immediate operand"),
};

static const struct xs_reason_info svm_reasons[] = {
	R(0x000, "READ_CR0", "Read of CR0"),
	R(0x001, "READ_CR1", "Read of CR1"),
	R(0x002, "READ_CR2", "Read of CR2"),
	R(0x003, "READ_CR3", "Read of CR3"),
	R(0x004, "READ_CR4", "Read of CR4"),
	R(0x005, "READ_CR5", "Read of CR5"),
	R(0x006, "READ_CR6", "Read of CR6"),
	R(0x007, "READ_CR7", "Read of CR7"),
	R(0x008, "READ_CR8", "Read of CR8"),
	R(0x009, "READ_CR9", "Read of CR9"),
	R(0x00a, "READ_CR10", "Read of CR10"),
	R(0x00b, "READ_CR11", "Read of CR11"),
	R(0x00c, "READ_CR12", "Read of CR12"),
	R(0x00d, "READ_CR13", "Read of CR13"),
	R(0x00e, "READ_CR14", "Read of CR14"),
	R(0x00f, "READ_CR15", "Read of CR15"),
	R(0x010, "WRITE_CR0", "Write of CR0"),
	R(0x011, "WRITE_CR1", "Write of CR1"),
	R(0x012, "WRITE_CR2", "Write of CR2"),
	R(0x013, "WRITE_CR3", "Write of CR3"),
	R(0x014, "WRITE_CR4", "Write of CR4"),
	R(0x015, "WRITE_CR5", "Write of CR5"),
	R(0x016, "WRITE_CR6", "Write of CR6"),
	R(0x017, "WRITE_CR7", "Write of CR7"),
	R(0x018, "WRITE_CR8", "Write of CR8"),
	R(0x019, "WRITE_CR9", "Write of CR9"),
	R(0x01a, "WRITE_CR10", "Write of CR10"),
	R(0x01b, "WRITE_CR11", "Write of CR11"),
	R(0x01c, "WRITE_CR12", "Write of CR12"),
	R(0x01d, "WRITE_CR13", "Write of CR13"),
	R(0x01e, "WRITE_CR14", "Write of CR14"),
	R(0x01f, "WRITE_CR15", "Write of CR15"),
	R(0x020, "READ_DR0", "Read of DR0"),
	R(0x021, "READ_DR1", "Read of DR1"),
	R(0x022, "READ_DR2", "Read of DR2"),
	R(0x023, "READ_DR3", "Read of DR3"),
	R(0x024, "READ_DR4", "Read of DR4"),
	R(0x025, "READ_DR5", "Read of DR5"),
	R(0x026, "READ_DR6", "Read of DR6"),
	R(0x027, "READ_DR7", "Read of DR7"),
	R(0x028, "READ_DR8", "Read of DR8"),
	R(0x029, "READ_DR9", "Read of DR9"),
	R(0x02a, "READ_DR10", "Read of DR10"),
	R(0x02b, "READ_DR11", "Read of DR11"),
	R(0x02c, "READ_DR12", "Read of DR12"),
	R(0x02d, "READ_DR13", "Read of DR13"),
	R(0x02e, "READ_DR14", "Read of DR14"),
	R(0x02f, "READ_DR15", "Read of DR15"),
	R(0x030, "WRITE_DR0", "Write of DR0"),
	R(0x031, "WRITE_DR1", "Write of DR1"),
	R(0x032, "WRITE_DR2", "Write of DR2"),
	R(0x033, "WRITE_DR3", "Write of DR3"),
	R(0x034, "WRITE_DR4", "Write of DR4"),
	R(0x035, "WRITE_DR5", "Write of DR5"),
	R(0x036, "WRITE_DR6", "Write of DR6"),
	R(0x037, "WRITE_DR7", "Write of DR7"),
	R(0x038, "WRITE_DR8", "Write of DR8"),
	R(0x039, "WRITE_DR9", "Write of DR9"),
	R(0x03a, "WRITE_DR10", "Write of DR10"),
	R(0x03b, "WRITE_DR11", "Write of DR11"),
	R(0x03c, "WRITE_DR12", "Write of DR12"),
	R(0x03d, "WRITE_DR13", "Write of DR13"),
	R(0x03e, "WRITE_DR14", "Write of DR14"),
	R(0x03f, "WRITE_DR15", "Write of DR15"),
	R(0x040, "EXCP_BASE", "Exception vector 0 (#DE)"),
	R(0x041, "EXCP_DB", "Exception vector 1 (#DB)"),
	R(0x042, "EXCP_NMI", "Exception vector 2"),
	R(0x043, "EXCP_BP", "Exception vector 3 (#BP)"),
	R(0x044, "EXCP_OF", "Exception vector 4 (#OF)"),
	R(0x045, "EXCP_BR", "Exception vector 5 (#BR)"),
	R(0x046, "EXCP_UD", "Exception vector 6 (#UD)"),
	R(0x047, "EXCP_NM", "Exception vector 7 (#NM)"),
	R(0x048, "EXCP_DF", "Exception vector 8 (#DF)"),
	R(0x049, "EXCP_09", "Exception vector 9"),
	R(0x04a, "EXCP_TS", "Exception vector 10 (#TS)"),
	R(0x04b, "EXCP_NP", "Exception vector 11 (#NP)"),
	R(0x04c, "EXCP_SS", "Exception vector 12 (#SS)"),
	R(0x04d, "EXCP_GP", "Exception vector 13 (#GP)"),
	R(0x04e, "EXCP_PF", "Exception vector 14 (#PF)"),
	R(0x04f, "EXCP_15", "Exception vector 15"),
	R(0x050, "EXCP_MF", "Exception vector 16 (#MF)"),
	R(0x051, "EXCP_AC", "Exception vector 17 (#AC)"),
	R(0x052, "EXCP_MC", "Exception vector 18 (#MC)"),
	R(0x053, "EXCP_XF", "Exception vector 19 (#XF)"),
	R(0x054, "EXCP_20", "Exception vector 20 (#VE)"),
	R(0x055, "EXCP_CP", "Exception vector 21 (#CP)"),
	R(0x056, "EXCP_22", "Exception vector 22"),
	R(0x057, "EXCP_23", "Exception vector 23"),
	R(0x058, "EXCP_24", "Exception vector 24"),
	R(0x059, "EXCP_25", "Exception vector 25"),
	R(0x05a, "EXCP_26", "Exception vector 26"),
	R(0x05b, "EXCP_27", "Exception vector 27"),
	R(0x05c, "EXCP_HV", "Exception vector 28 (#HV)"),
	R(0x05d, "EXCP_VC", "Exception vector 29 (#VC)"),
	R(0x05e, "EXCP_SX", "Exception vector 30 (#SX)"),
	R(0x05f, "EXCP_31", "Exception vector 31"),
	R(0x060, "INTR", "Physical INTR"),
	R(0x061, "NMI", "Physical NMI"),
	R(0x062, "SMI", "Physical SMI"),
	R(0x063, "INIT", "Physical INIT"),
	R(0x064, "VINTR", "Virtual INTR"),
	R(0x065, "CR0_SEL_WRITE", "Write of CR0 that changed bits other than TS or MP"),
	R(0x066, "IDTR_READ", "Read of IDTR"),
	R(0x067, "GDTR_READ", "Read of GDTR"),
	R(0x068, "LDTR_READ", "Read of LDTR"),
	R(0x069, "TR_READ", "Read of TR"),
	R(0x06a, "IDTR_WRITE", "Write of IDTR"),
	R(0x06b, "GDTR_WRITE", "Write of GDTR"),
	R(0x06c, "LDTR_WRITE", "Write of LDTR"),
	R(0x06d, "TR_WRITE", "Write of TR"),
	R(0x06e, "RDTSC", "RDTSC"),
	R(0x06f, "RDPMC", "RDPMC"),
	R(0x070, "PUSHF", "PUSHF"),
	R(0x071, "POPF", "POPF"),
	R(0x072, "CPUID", "CPUID"),
	R(0x073, "RSM", "RSM"),
	R(0x074, "IRET", "IRET"),
	R(0x075, "SWINT", "Software interrupt (INTn)"),
	R(0x076, "INVD", "INVD"),
	R(0x077, "PAUSE", "PAUSE"),
	R(0x078, "HLT", "HLT"),
	R(0x079, "INVLPG", "INVLPG"),
	R(0x07a, "INVLPGA", "INVLPGA"),
	R(0x07b, "IOIO", "IN or OUT accessing protected port"),
	R(0x07c, "MSR", "RDMSR or WRMSR access to protected MSR"),
	R(0x07d, "TASK_SWITCH", "Task switch"),
	R(0x07e, "FERR_FREEZE", "FP legacy handling enabled, processor frozen in x87/mmx instruction"),
	R(0x07f, "SHUTDOWN", "Shutdown"),
	R(0x080, "VMRUN", "VMRUN"),
	R(0x081, "VMMCALL", "VMMCALL"),
	R(0x082, "VMLOAD", "VMLOAD"),
	R(0x083, "VMSAVE", "VMSAVE"),
	R(0x084, "STGI", "STGI"),
	R(0x085, "CLGI", "CLGI"),
	R(0x086, "SKINIT", "SKINIT"),
	R(0x087, "RDTSCP", "RDTSCP"),
	R(0x088, "ICEBP", "ICEBP"),
	R(0x089, "WBINVD", "WBINVD or WBNOINVD"),
	R(0x08a, "MONITOR", "MONITOR or MONITORX"),
	R(0x08b, "MWAIT", "MWAIT or MWAITX"),
	R(0x08c, "MWAIT_COND", "MWAIT with armed monitor"),
	R(0x08d, "XSETBV", "XSETBV"),
	R(0x08e, "RDPRU", "RDPRU"),
	R(0x08f, "EFER_WRITE_TRAP", "Write of EFER (trap)"),
	R(0x090, "CR0_WRITE_TRAP", "Write of CR0 (trap)"),
	R(0x091, "CR1_WRITE_TRAP", "Write of CR1 (trap)"),
	R(0x092, "CR2_WRITE_TRAP", "Write of CR2 (trap)"),
	R(0x093, "CR3_WRITE_TRAP", "Write of CR3 (trap)"),
	R(0x094, "CR4_WRITE_TRAP", "Write of CR4 (trap)"),
	R(0x095, "CR5_WRITE_TRAP", "Write of CR5 (trap)"),
	R(0x096, "CR6_WRITE_TRAP", "Write of CR6 (trap)"),
	R(0x097, "CR7_WRITE_TRAP", "Write of CR7 (trap)"),
	R(0x098, "CR8_WRITE_TRAP", "Write of CR8 (trap)"),
	R(0x099, "CR9_WRITE_TRAP", "Write of CR9 (trap)"),
	R(0x09a, "CR10_WRITE_TRAP", "Write of CR10 (trap)"),
	R(0x09b, "CR11_WRITE_TRAP", "Write of CR11 (trap)"),
	R(0x09c, "CR12_WRITE_TRAP", "Write of CR12 (trap)"),
	R(0x09d, "CR13_WRITE_TRAP", "Write of CR13 (trap)"),
	R(0x09e, "CR14_WRITE_TRAP", "Write of CR14 (trap)"),
	R(0x09f, "CR15_WRITE_TRAP", "Write of CR15 (trap)"),
	R(0x0a0, "INVLPGB", "INVLPGB"),
	R(0x0a1, "INVLPGB_ILLEGAL", "Illegal INVLPGB"),
	R(0x0a2, "INVPCID", "INVPCID"),
	R(0x0a3, "MCOMMIT", "MCOMMIT"),
	R(0x0a4, "TLBSYNC", "TLBSYNC"),
	R(0x0a5, "BUS_LOCK", "Bus lock"),
	R(0x0a6, "IDLE_HLT", "HLT with no pending interrupt (idle HLT)"),
	R(0x400, "NPF", "Nested page fault"),
	R(0x401, "AVIC_INCOMPLETE_IPI", "AVIC: IPI delivery not completed"),
	R(0x402, "AVIC_UNACCELERATED_ACCESS", "AVIC: unaccelerated APIC register access"),
	R(0x403, "VMGEXIT", "VMGEXIT (SEV-ES)"),
	R(0x80000001, "VMGEXIT_MMIO_READ", "SEV-ES: MMIO read"),
	R(0x80000002, "VMGEXIT_MMIO_WRITE", "SEV-ES: MMIO write"),
	R(0x80000003, "VMGEXIT_NMI_COMPLETE", "SEV-ES: NMI complete"),
	R(0x80000004, "VMGEXIT_AP_HLT_LOOP", "SEV-ES: AP HLT loop"),
	R(0x80000005, "VMGEXIT_AP_JUMP_TABLE", "SEV-ES: AP jump table"),
	R(0x80000010, "VMGEXIT_PSC", "SEV-SNP: page state change"),
	R(0x80000011, "VMGEXIT_GUEST_REQUEST", "SEV-SNP: guest request"),
	R(0x80000012, "VMGEXIT_EXT_GUEST_REQUEST", "SEV-SNP: extended guest request"),
	R(0x80000013, "VMGEXIT_AP_CREATION", "SEV-SNP: AP creation"),
	R(0x80000018, "VMGEXIT_SNP_RUN_VMPL", "SEV-SNP: run VMPL"),
	R(0x8000fffd, "VMGEXIT_HV_FEATURES", "SEV-ES: hypervisor features"),
	R(0x8000fffe, "VMGEXIT_TERM_REQUEST", "SEV-ES: termination request"),
	R(0x8000ffff, "VMGEXIT_UNSUPPORTED_EVENT", "SEV-ES: unsupported event"),
	R(0xf0000000, "SW", "Reserved for hypervisor software use"),
	R(0xffffffff, "ERR", "VMRUN failed: invalid guest state"),
};

static const struct xs_reason_info kvm_reasons[] = {
	R(0, "UNKNOWN", "Unknown exit"),
	R(1, "EXCEPTION", "Exception"),
	R(2, "IO", "Port I/O"),
	R(3, "HYPERCALL", "Hypercall"),
	R(4, "DEBUG", "Debug exception"),
	R(5, "HLT", "HLT"),
	R(6, "MMIO", "Memory-mapped I/O"),
	R(7, "IRQ_WINDOW_OPEN", "Interrupt window open"),
	R(8, "SHUTDOWN", "Shutdown (triple fault)"),
	R(9, "FAIL_ENTRY", "VM entry failed"),
	R(10, "INTR", "Interrupted by a signal"),
	R(11, "SET_TPR", "TPR set"),
	R(12, "TPR_ACCESS", "TPR access"),
	R(13, "S390_SIEIC", "s390 SIE intercept"),
	R(14, "S390_RESET", "s390 reset"),
	R(15, "DCR", "DCR access (deprecated)"),
	R(16, "NMI", "NMI"),
	R(17, "INTERNAL_ERROR", "KVM internal error"),
	R(18, "OSI", "OSI hypercall"),
	R(19, "PAPR_HCALL", "PAPR hypercall"),
	R(20, "S390_UCONTROL", "s390 ucontrol"),
	R(21, "WATCHDOG", "Watchdog"),
	R(22, "S390_TSCH", "s390 TSCH"),
	R(23, "EPR", "EPR"),
	R(24, "SYSTEM_EVENT", "System event (reset, shutdown, crash)"),
	R(25, "S390_STSI", "s390 STSI"),
	R(26, "IOAPIC_EOI", "IOAPIC EOI"),
	R(27, "HYPERV", "Hyper-V"),
	R(28, "ARM_NISV", "Arm NISV"),
	R(29, "X86_RDMSR", "RDMSR forwarded to user space"),
	R(30, "X86_WRMSR", "WRMSR forwarded to user space"),
	R(31, "DIRTY_RING_FULL", "Dirty ring full"),
	R(32, "AP_RESET_HOLD", "AP reset hold"),
	R(33, "X86_BUS_LOCK", "Bus lock"),
	R(34, "XEN", "Xen hypercall"),
	R(35, "RISCV_SBI", "RISC-V SBI call"),
	R(36, "RISCV_CSR", "RISC-V CSR access"),
	R(37, "NOTIFY", "Notify (instruction timeout)"),
	R(38, "LOONGARCH_IOCSR", "LoongArch IOCSR access"),
	R(39, "MEMORY_FAULT", "Memory fault"),
	R(40, "TDX", "TDX"),
	R(41, "ARM_SEA", "Arm synchronous external abort"),
};

static const struct xs_reason_info host_events[] = {
	R(XS_HEV_PIO, "PIO", "kvm_pio: port I/O"),
	R(XS_HEV_MMIO, "MMIO", "kvm_mmio: memory-mapped I/O"),
	R(XS_HEV_MSR, "MSR", "kvm_msr: MSR access"),
	R(XS_HEV_CR, "CR", "kvm_cr: control-register access"),
	R(XS_HEV_CPUID, "CPUID", "kvm_cpuid: CPUID"),
	R(XS_HEV_HYPERCALL, "HYPERCALL", "kvm_hypercall: hypercall"),
	R(XS_HEV_USERSPACE_EXIT, "USERSPACE_EXIT", "kvm_userspace_exit: exit to the VMM"),
	R(XS_HEV_INJ_EXCEPTION, "INJ_EXCEPTION", "kvm_inj_exception: exception injected"),
	R(XS_HEV_PAGE_FAULT, "PAGE_FAULT", "kvm_page_fault: guest page fault handled by KVM"),
	R(XS_HEV_EMULATE_INSN, "EMULATE_INSN", "kvm_emulate_insn: instruction emulated"),
	R(XS_HEV_NESTED_VMEXIT, "NESTED_VMEXIT", "kvm_nested_vmexit: exit from a nested guest"),
};

size_t xs_reason_table(unsigned int isa, const struct xs_reason_info **table)
{
	switch (isa) {
	case XS_ISA_VMX:
		*table = vmx_reasons;
		return sizeof(vmx_reasons) / sizeof(vmx_reasons[0]);
	case XS_ISA_SVM:
		*table = svm_reasons;
		return sizeof(svm_reasons) / sizeof(svm_reasons[0]);
	case XS_ISA_KVM:
		*table = kvm_reasons;
		return sizeof(kvm_reasons) / sizeof(kvm_reasons[0]);
	case XS_ISA_HOST_EVENT:
		*table = host_events;
		return sizeof(host_events) / sizeof(host_events[0]);
	default:
		*table = 0;
		return 0;
	}
}

static const struct xs_reason_info *lookup(unsigned int isa, uint32_t code)
{
	const struct xs_reason_info *t;
	size_t n = xs_reason_table(isa, &t);
	if (isa == XS_ISA_VMX) {
		code = XS_VMX_BASIC_REASON(code);
		/* The VMX table is dense: index = code. */
		return code < n ? &t[code] : 0;
	}
	/* Most SVM codes (0x000-0x0a6) and every KVM code sit at their own index: try that first. */
	if (code < n && t[code].code == code)
		return &t[code];
	size_t lo = 0, hi = n; /* the other tables are sorted by code */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].code == code)
			return &t[mid];
		if (t[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

const char *xs_reason_name(unsigned int isa, uint32_t reason)
{
	const struct xs_reason_info *e = lookup(isa, reason);
	return e ? e->name : 0;
}

const char *xs_reason_description(unsigned int isa, uint32_t reason)
{
	const struct xs_reason_info *e = lookup(isa, reason);
	return e ? e->description : 0;
}

static const char *const prefixes[XS_ISA_COUNT][3] = {
	[XS_ISA_VMX] = {"EXIT_REASON_", 0, 0},
	[XS_ISA_SVM] = {"SVM_EXIT_", "SVM_", 0},
	[XS_ISA_KVM] = {"KVM_EXIT_", 0, 0},
	[XS_ISA_HOST_EVENT] = {"KVM_", 0, 0},
};

bool xs_reason_parse(unsigned int isa, const char *text, uint32_t *reason)
{
	const struct xs_reason_info *t;
	size_t n = xs_reason_table(isa, &t);
	if (!n || !text || !*text)
		return false;
	uint64_t v;
	/* SVM's exit code is 64 bits wide and VMRUN's failure is -1 (SVM_EXIT_ERR, APM vol. 2 "VMRUN" and
	 * appendix C): as -1 or as the whole 64-bit word it names the ERR the record keeps in 32 bits. */
	if (isa == XS_ISA_SVM && (!xs_strcmp(text, "-1") || (xs_str_to_u64(text, &v) && v == ~0ull))) {
		*reason = 0xffffffffu;
		return true;
	}
	if (xs_str_to_u64(text, &v)) {
		if (v > 0xffffffffull)
			return false;
		*reason = (uint32_t)v;
		return true;
	}
	const char *name = text;
	for (int i = 0; i < 3 && prefixes[isa][i]; i++) {
		size_t pl = xs_strlen(prefixes[isa][i]);
		if (!xs_strncasecmp(text, prefixes[isa][i], pl)) {
			name = text + pl;
			break;
		}
	}
	/* Batch decoding looks names up once per line: compare the first letter before the whole name. */
	char first = name[0] >= 'a' && name[0] <= 'z' ? (char)(name[0] - 'a' + 'A') : name[0];
	for (size_t i = 0; i < n; i++) {
		if (t[i].name && t[i].name[0] == first && !xs_strcasecmp(t[i].name, name)) {
			*reason = t[i].code;
			return true;
		}
	}
	return false;
}
