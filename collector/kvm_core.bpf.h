/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM structures exitscope's BPF program reads, declared as CO-RE "flavours" (name___xs): only the fields
 * read, matched by name against the running kernel's BTF (vmlinux, or the kvm, kvm_amd and kvm_intel module
 * BTF), so one object works whether KVM is built in or a module and whatever vmlinux.h it was compiled with.
 * Fields whose width changed between kernels are read with their real size (READ_UINT in the program).
 * Include after vmlinux.h.
 */
#ifndef EXITSCOPE_COLLECTOR_KVM_CORE_BPF_H
#define EXITSCOPE_COLLECTOR_KVM_CORE_BPF_H

struct kvm_vcpu_arch___xs {
	unsigned long regs[17];
	u32 regs_avail;
	unsigned long cr0;
	unsigned long cr2;
	unsigned long cr3;
	unsigned long cr4;
	u64 efer;
} __attribute__((preserve_access_index));

struct kvm_vcpu___xs {
	int vcpu_id;
	struct preempt_notifier preempt_notifier;
	void *run;
	struct kvm_vcpu_arch___xs arch;
} __attribute__((preserve_access_index));

struct vmcb_control_area___xs {
	u32 int_ctl;
	u32 exit_code; /* u64 on newer kernels: read with its real size */
	u64 exit_info_1;
	u64 exit_info_2;
	u32 exit_int_info;
	u32 exit_int_info_err;
	u64 nested_ctl;
} __attribute__((preserve_access_index));

struct vmcb_seg___xs {
	u16 selector;
} __attribute__((preserve_access_index));

struct vmcb_save_area___xs {
	struct vmcb_seg___xs es;
	struct vmcb_seg___xs tr;
	u64 efer;
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u64 rsp;
	u64 rax;
	u64 cr2;
} __attribute__((preserve_access_index));

struct vmcb___xs {
	struct vmcb_control_area___xs control;
	struct vmcb_save_area___xs save;
} __attribute__((preserve_access_index));

struct vcpu_svm___xs {
	struct vmcb___xs *vmcb;
} __attribute__((preserve_access_index));

union vmx_exit_reason___xs {
	u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___xs {
	unsigned long exit_qualification;
	u32 exit_intr_info;
	u32 idt_vectoring_info;
	union vmx_exit_reason___xs exit_reason;
} __attribute__((preserve_access_index));

/* KVM's register cache bits (enum kvm_reg), stable since 5.x. */
#define KVM_EXREG_EXIT_INFO_1 23
#define KVM_EXREG_EXIT_INFO_2 24

/* Classic tracepoint records: the fields KVM traced, found by name. */
struct trace_event_raw_kvm_exit___xs {
	unsigned int exit_reason;
	unsigned long guest_rip;
	u32 isa;
	u64 info1;
	u64 info2;
	u32 intr_info;
	u32 error_code;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_pio___xs {
	unsigned int rw;
	unsigned int port;
	unsigned int size;
	unsigned int count;
	unsigned int val;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_mmio___xs {
	u32 type;
	u32 len;
	u64 gpa;
	u64 val;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_msr___xs {
	unsigned int write;
	u32 ecx;
	u64 data;
	u8 exception;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_cr___xs {
	unsigned int rw;
	unsigned int cr;
	unsigned long val;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_cpuid___xs {
	unsigned int function;
	unsigned int index;
	unsigned long rax;
	unsigned long rbx;
	unsigned long rcx;
	unsigned long rdx;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_hypercall___xs {
	unsigned long nr;
	unsigned long a0;
	unsigned long a1;
	unsigned long a2;
	unsigned long a3;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_userspace_exit___xs {
	u32 reason;
	int errno;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_inj_exception___xs {
	u8 exception;
	u8 has_error;
	u32 error_code;
	bool reinjected;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_page_fault___xs {
	unsigned long guest_rip;
	u64 fault_address;
	u64 error_code;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_emulate_insn___xs {
	u64 rip;
	u32 csbase;
	u8 len;
	u8 insn[15];
	u8 flags;
	u8 failed;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_fpu___xs {
	u32 load;
} __attribute__((preserve_access_index));

/* KVM_EXIT_* values this program needs (linux/kvm.h, a stable ABI). */
#define KVM_EXIT_IO 2
#define KVM_EXIT_HYPERCALL 3
#define KVM_EXIT_MMIO 6
#define KVM_EXIT_X86_RDMSR 29
#define KVM_EXIT_X86_WRMSR 30

#endif
