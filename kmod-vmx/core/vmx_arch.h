/* SPDX-License-Identifier: MIT */
/*
 * Architectural constants of VT-x (Intel SDM vol. 3C, chapters 24-27 and appendices A-C): MSR numbers,
 * VMCS field encodings, control bits, exit reason numbers. Numbers only: the names people read come from
 * the decoder (decoder/decoder.h), the single source of meaning.
 */
#ifndef KVMX_VMX_ARCH_H
#define KVMX_VMX_ARCH_H

/* ---- MSRs ---- */
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_DEBUGCTL 0x1d9
#define MSR_IA32_PAT 0x277
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_VMCS_ENUM 0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_STAR 0xc0000081
#define MSR_IA32_LSTAR 0xc0000082
#define MSR_IA32_FS_BASE 0xc0000100
#define MSR_IA32_GS_BASE 0xc0000101
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC_AUX 0xc0000103

#define FEATURE_CONTROL_LOCKED (1u << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1u << 2)

#define VMX_BASIC_TRUE_CTLS (1ull << 55)
#define VMX_BASIC_REVISION(b) ((unsigned int)((b)&0x7fffffff))

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_TS (1ull << 3)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_TSD (1ull << 2)
#define X86_CR4_DE (1ull << 3)
#define X86_CR4_PAE (1ull << 5)
#define X86_CR4_PCE (1ull << 8)
#define X86_CR4_VMXE (1ull << 13)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_RFLAGS_CF (1ull << 0)
#define X86_RFLAGS_IF (1ull << 9)

/* CPUID.1:ECX */
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

/* ---- pin-based VM-execution controls ---- */
#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)

/* ---- primary processor-based VM-execution controls ---- */
#define CPU_INTR_WINDOW (1u << 2)
#define CPU_TSC_OFFSETTING (1u << 3)
#define CPU_HLT (1u << 7)
#define CPU_INVLPG (1u << 9)
#define CPU_MWAIT (1u << 10)
#define CPU_RDPMC (1u << 11)
#define CPU_RDTSC (1u << 12)
#define CPU_CR3_LOAD (1u << 15)
#define CPU_CR3_STORE (1u << 16)
#define CPU_CR8_LOAD (1u << 19)
#define CPU_CR8_STORE (1u << 20)
#define CPU_TPR_SHADOW (1u << 21)
#define CPU_NMI_WINDOW (1u << 22)
#define CPU_MOV_DR (1u << 23)
#define CPU_UNCOND_IO (1u << 24)
#define CPU_IO_BITMAPS (1u << 25)
#define CPU_MTF (1u << 27)
#define CPU_MSR_BITMAPS (1u << 28)
#define CPU_MONITOR (1u << 29)
#define CPU_PAUSE (1u << 30)
#define CPU_SECONDARY (1u << 31)

/* ---- secondary processor-based VM-execution controls ---- */
#define CPU2_EPT (1u << 1)
#define CPU2_DESC_TABLE (1u << 2)
#define CPU2_RDTSCP (1u << 3)
#define CPU2_VPID (1u << 5)
#define CPU2_WBINVD (1u << 6)
#define CPU2_UNRESTRICTED (1u << 7)
#define CPU2_RDRAND (1u << 11)
#define CPU2_RDSEED (1u << 16)

/* ---- VM-exit controls ---- */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_ADDR64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define EXIT_SAVE_PREEMPT (1u << 22)

/* ---- VM-entry controls ---- */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E_GUEST (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* ---- EPT capabilities (IA32_VMX_EPT_VPID_CAP) and entries ---- */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_MT_UC 0ull
#define EPT_MT_WB 6ull
#define EPT_LARGE (1ull << 7)
#define EPT_ADDR_MASK 0x000ffffffffff000ull

/* ---- VM-entry / VM-exit interruption information ---- */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_HAS_ERROR (1u << 11)
#define INTR_INFO_VECTOR(i) ((i)&0xffu)
#define INTR_INFO_TYPE(i) (((i) >> 8) & 7u)
#define INTR_TYPE_EXT_INTR 0u
#define INTR_TYPE_NMI 2u
#define INTR_TYPE_HW_EXCEPTION 3u
#define INTR_TYPE_SW_INTR 4u
#define INTR_TYPE_PRIV_SW_EXCEPTION 5u
#define INTR_TYPE_SW_EXCEPTION 6u
#define INTR_TYPE_OTHER_EVENT 7u /* vector 0: a pending MTF VM exit (needs "monitor trap flag") */

/* Guest interruptibility state and activity state. */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_NMI (1u << 3)
#define ACTIVITY_ACTIVE 0u
#define ACTIVITY_HLT 1u

/* Access rights of a segment in VMCS format. */
#define AR_UNUSABLE (1u << 16)

/* ---- VMCS field encodings (SDM appendix B) ---- */
enum vmcs_field {
	VMCS_VPID = 0x0000,
	VMCS_GUEST_ES_SEL = 0x0800, /* ES, CS, SS, DS, FS, GS, LDTR, TR: +2 each */
	VMCS_HOST_ES_SEL = 0x0c00,  /* ES, CS, SS, DS, FS, GS, TR: +2 each */
	VMCS_HOST_CS_SEL = 0x0c02,
	VMCS_HOST_SS_SEL = 0x0c04,
	VMCS_HOST_DS_SEL = 0x0c06,
	VMCS_HOST_FS_SEL = 0x0c08,
	VMCS_HOST_GS_SEL = 0x0c0a,
	VMCS_HOST_TR_SEL = 0x0c0c,
	VMCS_IO_BITMAP_A = 0x2000,
	VMCS_IO_BITMAP_B = 0x2002,
	VMCS_MSR_BITMAP = 0x2004,
	VMCS_EXIT_MSR_STORE_ADDR = 0x2006,
	VMCS_EXIT_MSR_LOAD_ADDR = 0x2008,
	VMCS_ENTRY_MSR_LOAD_ADDR = 0x200a,
	VMCS_TSC_OFFSET = 0x2010,
	VMCS_EPT_POINTER = 0x201a,
	VMCS_GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	VMCS_GUEST_DEBUGCTL = 0x2802,
	VMCS_GUEST_PAT = 0x2804,
	VMCS_GUEST_EFER = 0x2806,
	VMCS_HOST_PAT = 0x2c00,
	VMCS_HOST_EFER = 0x2c02,
	VMCS_PIN_CTLS = 0x4000,
	VMCS_PROC_CTLS = 0x4002,
	VMCS_EXCEPTION_BITMAP = 0x4004,
	VMCS_PF_ERROR_MASK = 0x4006,
	VMCS_PF_ERROR_MATCH = 0x4008,
	VMCS_CR3_TARGET_COUNT = 0x400a,
	VMCS_EXIT_CTLS = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT = 0x4010,
	VMCS_ENTRY_CTLS = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT = 0x4014,
	VMCS_ENTRY_INTR_INFO = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR = 0x4018,
	VMCS_ENTRY_INSN_LEN = 0x401a,
	VMCS_TPR_THRESHOLD = 0x401c,
	VMCS_PROC_CTLS2 = 0x401e,
	VMCS_INSN_ERROR = 0x4400,
	VMCS_EXIT_REASON = 0x4402,
	VMCS_EXIT_INTR_INFO = 0x4404,
	VMCS_EXIT_INTR_ERROR = 0x4406,
	VMCS_IDT_VECTORING_INFO = 0x4408,
	VMCS_IDT_VECTORING_ERROR = 0x440a,
	VMCS_EXIT_INSN_LEN = 0x440c,
	VMCS_EXIT_INSN_INFO = 0x440e,
	VMCS_GUEST_ES_LIMIT = 0x4800, /* ES .. TR: +2 each */
	VMCS_GUEST_GDTR_LIMIT = 0x4810,
	VMCS_GUEST_IDTR_LIMIT = 0x4812,
	VMCS_GUEST_ES_AR = 0x4814, /* ES .. TR: +2 each */
	VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
	VMCS_GUEST_ACTIVITY = 0x4826,
	VMCS_GUEST_SYSENTER_CS = 0x482a,
	VMCS_PREEMPTION_TIMER = 0x482e,
	VMCS_HOST_SYSENTER_CS = 0x4c00,
	VMCS_CR0_MASK = 0x6000,
	VMCS_CR4_MASK = 0x6002,
	VMCS_CR0_SHADOW = 0x6004,
	VMCS_CR4_SHADOW = 0x6006,
	VMCS_CR3_TARGET0 = 0x6008, /* 0..3: +2 each */
	VMCS_EXIT_QUALIFICATION = 0x6400,
	VMCS_GUEST_LINEAR_ADDR = 0x640a,
	VMCS_GUEST_CR0 = 0x6800,
	VMCS_GUEST_CR3 = 0x6802,
	VMCS_GUEST_CR4 = 0x6804,
	VMCS_GUEST_ES_BASE = 0x6806, /* ES .. TR: +2 each */
	VMCS_GUEST_GDTR_BASE = 0x6816,
	VMCS_GUEST_IDTR_BASE = 0x6818,
	VMCS_GUEST_DR7 = 0x681a,
	VMCS_GUEST_RSP = 0x681c,
	VMCS_GUEST_RIP = 0x681e,
	VMCS_GUEST_RFLAGS = 0x6820,
	VMCS_GUEST_PENDING_DBG = 0x6822,
	VMCS_GUEST_SYSENTER_ESP = 0x6824,
	VMCS_GUEST_SYSENTER_EIP = 0x6826,
	VMCS_HOST_CR0 = 0x6c00,
	VMCS_HOST_CR3 = 0x6c02,
	VMCS_HOST_CR4 = 0x6c04,
	VMCS_HOST_FS_BASE = 0x6c06,
	VMCS_HOST_GS_BASE = 0x6c08,
	VMCS_HOST_TR_BASE = 0x6c0a,
	VMCS_HOST_GDTR_BASE = 0x6c0c,
	VMCS_HOST_IDTR_BASE = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP = 0x6c10,
	VMCS_HOST_SYSENTER_EIP = 0x6c12,
	VMCS_HOST_RSP = 0x6c14,
	VMCS_HOST_RIP = 0x6c16,
};

/* ---- basic exit reasons (appendix C) the core acts on ---- */
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI = 0,
	EXIT_EXTERNAL_INTERRUPT = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INTERRUPT_WINDOW = 7,
	EXIT_NMI_WINDOW = 8,
	EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_INVLPG = 14,
	EXIT_RDPMC = 15,
	EXIT_RDTSC = 16,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_DR_ACCESS = 29,
	EXIT_IO = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33,
	EXIT_MSR_LOAD_FAIL = 34,
	EXIT_MWAIT = 36,
	EXIT_MTF = 37,
	EXIT_MONITOR = 39,
	EXIT_PAUSE = 40,
	EXIT_MCE_DURING_ENTRY = 41,
	EXIT_GDTR_IDTR = 46,
	EXIT_LDTR_TR = 47,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_RDTSCP = 51,
	EXIT_PREEMPTION_TIMER = 52,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_RDRAND = 57,
	EXIT_INVPCID = 58,
	EXIT_RDSEED = 61,
	EXIT_REASON_MAX = 127, /* highest basic reason the core's masks cover */
};

/* Exit qualification of VM-entry failures (reason 33 / 34), SDM 27.8. */
#define ENTRY_FAIL_QUAL_DEFAULT 0
#define ENTRY_FAIL_QUAL_PDPTE 2
#define ENTRY_FAIL_QUAL_NMI_INJECTION 3
#define ENTRY_FAIL_QUAL_VMCS_LINK 4

#endif
