/* SPDX-License-Identifier: MIT */
/*
 * What the collector needs to know about the host's KVM before it loads anything: whether kvm_exit fires
 * (a VMX or SVM vendor module is there) and which vendor structures the kernel's BTF describes, so the BPF
 * program can read an exit's fields from struct vcpu_svm / vcpu_vmx.
 */
#ifndef EXITSCOPE_COLLECTOR_KVM_HOST_H
#define EXITSCOPE_COLLECTOR_KVM_HOST_H

#include <stdbool.h>

enum xs_kvm_vendor { XS_KVM_VENDOR_NONE, XS_KVM_VENDOR_SVM, XS_KVM_VENDOR_VMX };

struct xs_kvm_host {
	bool hw_mode;		       /* kvm_amd or kvm_intel is loaded: kvm_exit fires */
	enum xs_kvm_vendor btf_vendor; /* whose vCPU structure the BTF has */
	char module[32];	       /* the vendor module: "kvm_amd", "kvm_intel", "kvm_pvm", or "" */
	bool tracefs;		       /* the kvm tracepoints are visible */
	char tracefs_dir[64];	       /* "/sys/kernel/tracing" or the debugfs path */
};

/* Probe /sys/module and the kernel's BTF. Never fails: unknown facts stay false/empty. */
void xs_kvm_host_probe(struct xs_kvm_host *h);

/*
 * Whether any VM exists on the host now: a process holds a KVM VM file descriptor (/proc/PID/fd links to
 * anon_inode:kvm-vm), or KVM's debugfs directory (when mounted) lists one, which also shows the VMs of other
 * PID namespaces. Processes whose descriptors cannot be read (not root) are not seen.
 */
bool xs_kvm_vm_running(void);

/* The vendor as a word for messages and metadata: "svm", "vmx", "none". */
const char *xs_kvm_vendor_name(enum xs_kvm_vendor v);

#endif
