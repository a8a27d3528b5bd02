/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * kmod_vmx.ko: the VT-x core (kmod-vmx/core) behind a Linux platform layer.
 *
 *   main.c      module init/exit, /dev/kmod-vmx, the VM (guest memory) and its file operations
 *   vcpu.c      vCPU file: registers, controls, the run loop, the ring mapping
 *   abi.c       the ioctl structures (include/exitscope/kmod_vmx.h) checked and turned into the core's
 *   platform.c  struct kvmx_platform on Linux, per-CPU VMXON regions, entering and leaving VMX operation
 *   idt_call.S  hands an NMI (or an acknowledged interrupt) taken by a VM exit to the kernel's IDT entry
 *
 * Rules the whole module keeps (docs/kmod-vmx.md): VMX operation exists only inside one run section on one
 * CPU (preemption and interrupts off, VMXON .. VMCLEAR + VMXOFF), so a vCPU never has a VMCS active on a CPU
 * it is not running on and may move between CPUs between sections; the guest never reaches host memory
 * (EPT always on), host I/O ports or host MSR writes.
 */
#ifndef KVMX_LINUX_H
#define KVMX_LINUX_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "kmod-vmx/core/policy.h"
#include "kmod-vmx/core/vcpu.h"
#include "exitscope/kmod_vmx.h"

#define KVMX_NAME "kmod_vmx"

/* One VM: the guest memory every vCPU's EPT maps at GPA 0. */
struct kvmx_vm {
	struct kref ref; /* the device file and each vCPU file */
	struct mutex lock;
	bool created;
	void *mem; /* vmalloc_user: mapped into the caller with mmap on the device file */
	u64 mem_size;
	u32 ring_slots;
	size_t ring_bytes;
	u32 nvcpus;
};

void kvmx_vm_put(struct kvmx_vm *vm);

/* One vCPU (its own file). */
struct kvmx_lvcpu {
	struct kvmx_vm *vm;
	struct mutex lock; /* one ioctl at a time: a vCPU runs on one calling thread */
	struct kvmx_vcpu v;
	void *ring_mem; /* vmalloc_user: mapped into the caller with mmap on the vCPU file */
	struct kvmx_controls ctl;
	struct kvmx_guest_state gs;
	u64 forced_on;
	bool have_controls, have_regs;
	bool dirty; /* controls or registers changed: the next run writes the whole VMCS */
	bool ept_flush; /* the EPT changed (or is new): INVEPT before the next entry */
	/* KVMX_RUN_INJECT_READY: an event waiting for the guest to take it */
	bool held;
	u32 held_info, held_error, held_len;
	/* the guest at the last stop (KVMX_FEAT_RUN_STATE) */
	u64 out_rip, out_rflags;
	u32 out_interruptibility;
};

int kvmx_vcpu_file_create(struct kvmx_vm *vm);

/* platform.c */
extern const struct kvmx_platform kvmx_linux_platform;
extern struct kvmx_cpu kvmx_caps_cpu; /* capabilities read at load; never in VMX operation */
extern bool kvmx_usable;	      /* false: kvmx_unusable_msg says why */
extern char kvmx_unusable_msg[KVMX_MSG_LEN];
int kvmx_platform_init(void);
void kvmx_platform_exit(void);
long kvmx_pages_live(void);
/* Why VT-x cannot be used right now on this host (else 0): no VT-x, locked off, KVM loaded. */
int kvmx_check_available(char msg[KVMX_MSG_LEN]);
/* Read the capability MSRs of the current CPU into info. */
void kvmx_fill_caps(struct kvmx_caps_info *info);

/* The run section: called with interrupts and preemption off. */
struct kvmx_cpu *kvmx_vmx_enter(struct kvmx_err *err);
void kvmx_vmx_leave(struct kvmx_cpu *cpu);

/* idt_call.S: call an IDT entry as if the CPU had delivered a (non-error-code) event to it. */
void kvmx_call_idt_entry(unsigned long entry);

/* abi.c */
/*
 * Check a control request (reserved fields, counts, ranges), turn it into the core's structure with what
 * the module forces on for the host's safety, and check it against the CPU for a guest in mode ia32e.
 * Returns 0, or -EINVAL with msg naming the problem.
 */
int kvmx_controls_from_req(struct kvmx_control_req *req, bool ia32e, struct kvmx_controls *c);
/* The same for a guest-state request. */
int kvmx_regs_from_req(const struct kvmx_regs *req, struct kvmx_guest_state *gs, char msg[KVMX_MSG_LEN]);

#endif
