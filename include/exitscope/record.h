/* SPDX-License-Identifier: MIT */
/*
 * The exit record: the one structure every exitscope producer writes and every consumer reads.
 *
 * Producers: the KVM launcher (launcher/), the BPF and perf collectors (collector/), the VT-x core
 * (kmod-vmx/). Consumers: the decoder, the store, the dashboard, the printers.
 *
 * The layout is fixed and pinned by static asserts below; docs/record-format.md documents every field.
 * A record is XS_RECORD_CORE_SIZE bytes on the wire, or XS_RECORD_FULL_SIZE when it carries a guest-state
 * block (flag XS_F_GUEST_STATE); `size` says which. In memory it is always the whole struct.
 *
 * This header needs no other header: it compiles in user space, in BPF programs (next to vmlinux.h), in the
 * freestanding VT-x core and in the Linux module. Integer types come from the compiler's own macros.
 */
#ifndef EXITSCOPE_RECORD_H
#define EXITSCOPE_RECORD_H

typedef __UINT8_TYPE__ xs_u8;
typedef __UINT16_TYPE__ xs_u16;
typedef __UINT32_TYPE__ xs_u32;
#ifdef __KERNEL__
/* The kernel's u64 is unsigned long long: the same 64 bits, but one type, so the module mixes them freely. */
typedef unsigned long long xs_u64;
#else
typedef __UINT64_TYPE__ xs_u64;
#endif

/* Bump on any change of layout or meaning; readers refuse versions they do not know. */
#define XS_RECORD_VERSION 1

/* Which table `reason` belongs to. The VMX and SVM values equal the kvm_exit tracepoint's `isa`. */
enum xs_isa {
	XS_ISA_UNKNOWN = 0,
	XS_ISA_VMX = 1,	       /* Intel VT-x basic exit reason + flag bits (SDM vol. 3C, appendix C) */
	XS_ISA_SVM = 2,	       /* AMD SVM exit code (APM vol. 2, appendix C) */
	XS_ISA_KVM = 3,	       /* KVM_EXIT_* userspace exit reason (linux/kvm.h) */
	XS_ISA_HOST_EVENT = 4, /* a per-cause KVM tracepoint on hosts where kvm_exit never fires: enum xs_host_event */
	XS_ISA_COUNT
};

/* Who produced the record. */
enum xs_source {
	XS_SRC_UNKNOWN = 0,
	XS_SRC_LAUNCHER = 1,  /* our KVM_RUN loop */
	XS_SRC_BPF = 2,	      /* BPF ring buffer on KVM tracepoints */
	XS_SRC_PERF = 3,      /* perf_event rings on KVM tracepoints */
	XS_SRC_KMOD_VMX = 4,  /* our VT-x core inside the Linux module */
	XS_SRC_BARE_VMX = 5,  /* our VT-x core inside the bare-metal test kernel */
	XS_SRC_SYNTHETIC = 6, /* generated (benchmarks, tests) */
	XS_SRC_COUNT
};

/* Reasons of isa XS_ISA_HOST_EVENT: the KVM tracepoint that stood for the exit. */
enum xs_host_event {
	XS_HEV_PIO = 1,		   /* kvm:kvm_pio */
	XS_HEV_MMIO = 2,	   /* kvm:kvm_mmio */
	XS_HEV_MSR = 3,		   /* kvm:kvm_msr */
	XS_HEV_CR = 4,		   /* kvm:kvm_cr */
	XS_HEV_CPUID = 5,	   /* kvm:kvm_cpuid */
	XS_HEV_HYPERCALL = 6,	   /* kvm:kvm_hypercall */
	XS_HEV_USERSPACE_EXIT = 7, /* kvm:kvm_userspace_exit with no per-cause event before it */
	XS_HEV_INJ_EXCEPTION = 8,  /* kvm:kvm_inj_exception */
	XS_HEV_PAGE_FAULT = 9,	   /* kvm:kvm_page_fault */
	XS_HEV_EMULATE_INSN = 10,  /* kvm:kvm_emulate_insn (opt-in) */
	XS_HEV_NESTED_VMEXIT = 11, /* kvm:kvm_nested_vmexit (opt-in) */
	XS_HEV_COUNT
};

/* VMX flag bits of the 32-bit exit reason; the basic reason is bits 15:0. */
#define XS_VMX_BASIC_REASON(r) ((r)&0xffffu)
#define XS_VMX_REASON_FAILED_VMENTRY 0x80000000u
#define XS_VMX_REASON_FROM_VMX_ROOT 0x20000000u
#define XS_VMX_REASON_PENDING_MTF 0x10000000u
#define XS_VMX_REASON_ENCLAVE_MODE 0x08000000u
#define XS_VMX_REASON_BUS_LOCK 0x04000000u

/* flags */
#define XS_F_GUEST_STATE (1u << 0)   /* gs is present and `size` is XS_RECORD_FULL_SIZE */
#define XS_F_LATENCY (1u << 1)	     /* latency_ns is valid */
#define XS_F_RUN_TIMES (1u << 2)     /* run_ns and handler_ns are valid */
#define XS_F_TS_TSC (1u << 3)	     /* ts is in TSC ticks, not CLOCK_MONOTONIC ns */
#define XS_F_INSN (1u << 4)	     /* insn_len and insn_info are valid (VMX) */
#define XS_F_IDT_VECTORING (1u << 5) /* idt_vectoring_info/_error are valid */
#define XS_F_UNJOINED (1u << 6)	     /* a detail event whose kvm_exit was never seen */
#define XS_F_FINAL (1u << 7)	     /* the vCPU's last exit: the run stopped here (error, shutdown, stop) */
#define XS_F_USERSPACE (1u << 8)     /* the exit was forwarded to the VMM in user space */
#define XS_F_SAMPLED (1u << 9)	     /* kept by 1-in-N sampling; the run's metadata says N */
#define XS_F_RIP (1u << 10)	     /* guest_rip is valid */
#define XS_F_GUEST_PHYS (1u << 11)   /* guest_phys is valid */
#define XS_F_GUEST_LINEAR (1u << 12) /* guest_linear is valid */
#define XS_F_INTR_INFO (1u << 13)    /* intr_info and error_code are valid */

/* What the detail union holds. */
enum xs_detail_kind {
	XS_D_NONE = 0,
	XS_D_IO = 1,
	XS_D_MMIO = 2,
	XS_D_MSR = 3,
	XS_D_CR = 4,
	XS_D_CPUID = 5,
	XS_D_HYPERCALL = 6,
	XS_D_DEBUG = 7,
	XS_D_EXCEPTION = 8,
	XS_D_PAGE_FAULT = 9,
	XS_D_INTERNAL = 10,
	XS_D_FAIL_ENTRY = 11,
	XS_D_SYSTEM_EVENT = 12,
	XS_D_EMULATE = 13,
	XS_D_COUNT
};

#define XS_IO_OUT 0 /* same sense as the VMX I/O qualification bit 3 */
#define XS_IO_IN 1

struct xs_detail_io {
	xs_u16 port;
	xs_u8 size;	 /* bytes per element: 1, 2 or 4 */
	xs_u8 direction; /* XS_IO_OUT or XS_IO_IN */
	xs_u32 count;	 /* elements transferred (string/rep forms: more than 1) */
	xs_u64 value;	 /* first element's data */
	xs_u8 string;
	xs_u8 rep;
	xs_u8 reserved[6];
};

struct xs_detail_mmio {
	xs_u64 gpa;
	xs_u64 value; /* up to 8 bytes, little-endian */
	xs_u32 len;
	xs_u8 is_write;
	xs_u8 reserved[3];
};

struct xs_detail_msr {
	xs_u32 index;
	xs_u8 is_write;
	xs_u8 kvm_reason; /* KVM_MSR_EXIT_REASON_* when the launcher saw the exit, else 0 */
	xs_u8 failed;	  /* the access raised #GP */
	xs_u8 reserved;
	xs_u64 value;
};

struct xs_detail_cr {
	xs_u32 cr;
	xs_u8 is_write;
	xs_u8 reserved[3];
	xs_u64 value;
};

struct xs_detail_cpuid {
	xs_u32 leaf;
	xs_u32 subleaf;
	xs_u32 eax, ebx, ecx, edx; /* the result the guest got */
};

struct xs_detail_hypercall {
	xs_u64 nr;
	xs_u64 args[4];
	xs_u64 ret;
	xs_u32 longmode;
	xs_u32 reserved;
};

struct xs_detail_debug {
	xs_u32 exception; /* 1 (#DB) or 3 (#BP) */
	xs_u32 reserved;
	xs_u64 pc;
	xs_u64 dr6;
	xs_u64 dr7;
};

struct xs_detail_exception {
	xs_u32 vector;
	xs_u8 has_error;
	xs_u8 reinjected;
	xs_u8 reserved[2];
	xs_u32 error_code;
	xs_u32 reserved2;
	xs_u64 address; /* #PF linear address (CR2) when known */
};

struct xs_detail_page_fault {
	xs_u64 address; /* guest-physical (TDP fault) or linear address */
	xs_u64 error_code;
};

struct xs_detail_internal {
	xs_u32 suberror; /* KVM_INTERNAL_ERROR_* */
	xs_u32 ndata;	 /* entries KVM reported; at most 6 kept below */
	xs_u64 data[6];
};

struct xs_detail_fail_entry {
	xs_u64 hardware_entry_failure_reason;
	xs_u32 cpu;
	xs_u32 reserved;
};

struct xs_detail_system_event {
	xs_u32 type; /* KVM_SYSTEM_EVENT_* */
	xs_u32 ndata;
	xs_u64 data[6];
};

struct xs_detail_emulate {
	xs_u64 csbase;
	xs_u8 len;
	xs_u8 failed;
	xs_u8 flags;
	xs_u8 insn[15];
	xs_u8 reserved[6];
};

union xs_detail {
	struct xs_detail_io io;
	struct xs_detail_mmio mmio;
	struct xs_detail_msr msr;
	struct xs_detail_cr cr;
	struct xs_detail_cpuid cpuid;
	struct xs_detail_hypercall hypercall;
	struct xs_detail_debug debug;
	struct xs_detail_exception exception;
	struct xs_detail_page_fault page_fault;
	struct xs_detail_internal internal;
	struct xs_detail_fail_entry fail_entry;
	struct xs_detail_system_event system_event;
	struct xs_detail_emulate emulate;
	xs_u8 raw[56];
};

/* Segment registers in the guest-state block, in VMCS order. */
enum xs_seg { XS_SEG_ES, XS_SEG_CS, XS_SEG_SS, XS_SEG_DS, XS_SEG_FS, XS_SEG_GS, XS_SEG_LDTR, XS_SEG_TR, XS_SEG_COUNT };

/* GPRs in x86 register-number order, the order exit qualifications name them in. */
enum xs_gpr {
	XS_RAX,
	XS_RCX,
	XS_RDX,
	XS_RBX,
	XS_RSP,
	XS_RBP,
	XS_RSI,
	XS_RDI,
	XS_R8,
	XS_R9,
	XS_R10,
	XS_R11,
	XS_R12,
	XS_R13,
	XS_R14,
	XS_R15,
	XS_GPR_COUNT
};

/* Bits of xs_guest_state.valid: which fields were read fresh at this exit. */
#define XS_GS_GPR(n) (1ull << (n)) /* n: enum xs_gpr */
#define XS_GS_GPRS 0xffffull
#define XS_GS_RIP (1ull << 16)
#define XS_GS_RFLAGS (1ull << 17)
#define XS_GS_CR0 (1ull << 18)
#define XS_GS_CR2 (1ull << 19)
#define XS_GS_CR3 (1ull << 20)
#define XS_GS_CR4 (1ull << 21)
#define XS_GS_CR8 (1ull << 22)
#define XS_GS_EFER (1ull << 23)
#define XS_GS_DR6 (1ull << 24)
#define XS_GS_DR7 (1ull << 25)
#define XS_GS_SEG_SEL (1ull << 26)
#define XS_GS_SEG_BASE (1ull << 27)
#define XS_GS_SEG_LIMIT (1ull << 28)
#define XS_GS_SEG_AR (1ull << 29)
#define XS_GS_GDTR (1ull << 30)
#define XS_GS_IDTR (1ull << 31)

struct xs_guest_state {
	xs_u64 valid; /* XS_GS_* */
	xs_u64 gpr[XS_GPR_COUNT];
	xs_u64 rip;
	xs_u64 rflags;
	xs_u64 cr0, cr2, cr3, cr4, cr8;
	xs_u64 efer;
	xs_u64 dr6, dr7;
	xs_u64 seg_base[XS_SEG_COUNT];
	xs_u32 seg_limit[XS_SEG_COUNT];
	xs_u16 seg_sel[XS_SEG_COUNT];
	xs_u32 seg_ar[XS_SEG_COUNT]; /* VMX access-rights format; bit 16 = unusable */
	xs_u64 gdtr_base, idtr_base;
	xs_u16 gdtr_limit, idtr_limit;
	xs_u32 reserved;
};

struct xs_exit_record {
	xs_u16 version;		    /* XS_RECORD_VERSION */
	xs_u16 size;		    /* XS_RECORD_CORE_SIZE, or XS_RECORD_FULL_SIZE with XS_F_GUEST_STATE */
	xs_u8 isa;		    /* enum xs_isa */
	xs_u8 source;		    /* enum xs_source */
	xs_u16 flags;		    /* XS_F_* */
	xs_u32 reason;		    /* full 32-bit exit reason: VMX flag bits kept, SVM codes as is */
	xs_u32 vcpu;		    /* vCPU id within its VM */
	xs_u64 ts;		    /* time of the exit: CLOCK_MONOTONIC ns (TSC ticks with XS_F_TS_TSC) */
	xs_u64 seq;		    /* producer's sequence number within the run; gaps mean loss */
	xs_u32 pid;		    /* host process (tgid) that runs the vCPU */
	xs_u32 tid;		    /* host thread that runs the vCPU */
	xs_u32 cpu;		    /* host CPU the exit was seen on */
	xs_u32 intr_info;	    /* VM-exit interruption information (VMX) / EXITINTINFO (SVM) */
	xs_u64 qualification;	    /* VMX exit qualification; SVM EXITINFO1 */
	xs_u64 info2;		    /* SVM EXITINFO2; VMX as KVM's kvm_exit reports it: IDT-vectoring info */
	xs_u32 error_code;	    /* VM-exit interruption error code */
	xs_u32 insn_len;	    /* VM-exit instruction length (XS_F_INSN) */
	xs_u32 insn_info;	    /* VM-exit instruction information (XS_F_INSN) */
	xs_u32 idt_vectoring_info;  /* XS_F_IDT_VECTORING */
	xs_u32 idt_vectoring_error; /* XS_F_IDT_VECTORING */
	xs_u8 detail_kind;	    /* enum xs_detail_kind */
	xs_u8 reserved0[3];
	xs_u64 guest_rip;    /* XS_F_RIP */
	xs_u64 guest_phys;   /* guest-physical address of EPT/NPF exits (XS_F_GUEST_PHYS) */
	xs_u64 guest_linear; /* guest-linear address (XS_F_GUEST_LINEAR) */
	xs_u64 latency_ns;   /* exit to the next entry of the same vCPU (XS_F_LATENCY) */
	xs_u64 run_ns;	     /* launcher: time inside KVM_RUN that ended in this exit (XS_F_RUN_TIMES) */
	xs_u64 handler_ns;   /* launcher: time our handler spent on this exit (XS_F_RUN_TIMES) */
	union xs_detail detail;
	struct xs_guest_state gs; /* only with XS_F_GUEST_STATE; not on the wire otherwise */
};

#define XS_RECORD_CORE_SIZE 192
#define XS_RECORD_FULL_SIZE 576

#define XS_ASSERT_LAYOUT(cond, what) _Static_assert(cond, "exit record layout: " what)
XS_ASSERT_LAYOUT(sizeof(union xs_detail) == 56, "detail union is 56 bytes");
XS_ASSERT_LAYOUT(sizeof(struct xs_guest_state) == 384, "guest state is 384 bytes");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, ts) == 16, "ts at 16");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, qualification) == 48, "qualification at 48");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, detail_kind) == 84, "detail_kind at 84");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, guest_rip) == 88, "guest_rip at 88");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, handler_ns) == 128, "handler_ns at 128");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, detail) == 136, "detail at 136");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_exit_record, gs) == XS_RECORD_CORE_SIZE, "guest state after core");
XS_ASSERT_LAYOUT(sizeof(struct xs_exit_record) == XS_RECORD_FULL_SIZE, "full record is 576 bytes");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_guest_state, seg_sel) == 312, "seg_sel at 312");
XS_ASSERT_LAYOUT(__builtin_offsetof(struct xs_guest_state, gdtr_base) == 360, "gdtr_base at 360");

/* Bytes this record occupies on the wire. */
static inline unsigned int xs_record_wire_size(const struct xs_exit_record *r)
{
	return (r->flags & XS_F_GUEST_STATE) ? XS_RECORD_FULL_SIZE : XS_RECORD_CORE_SIZE;
}

#endif /* EXITSCOPE_RECORD_H */
