/* SPDX-License-Identifier: MIT */
/*
 * The default exit policy. It answers what a plain hypervisor can answer by itself and hands the rest to
 * the caller:
 *   emulated, then the guest resumes past the instruction: CPUID (VMX hidden, hypervisor bit set), RDTSC,
 *     RDTSCP, RDPMC (counters read 0), RDRAND/RDSEED, RDMSR/WRMSR (a fixed set of MSRs; others get #GP),
 *     MOV to/from CR0/CR3/CR4/CR8, CLTS, LMSW, MOV DR;
 *   skipped: INVD, INVLPG, WBINVD, PAUSE, MONITOR, MWAIT (with VPID off every VM transition flushes the
 *     TLB, so a skipped INVLPG loses nothing);
 *   HLT: skipped; the run stops with KVMX_STOP_HLT unless an event is queued to wake the guest;
 *   intercepted exceptions are reflected into the guest (so interception only observes); NMIs and external
 *     interrupts are the host's (the platform's host_irq takes acknowledged interrupts); interrupt- and
 *     NMI-window exits switch their control off again; preemption-timer and MTF exits resume;
 *   stop for the caller: VMCALL, I/O, EPT violation (MMIO), EPT misconfiguration, triple fault, anything else.
 * An event being delivered when the exit happened (IDT-vectoring information) is re-injected.
 */
#ifndef KVMX_POLICY_H
#define KVMX_POLICY_H

#include "kmod-vmx/core/vcpu.h"

enum kvmx_stop kvmx_policy_default(struct kvmx_vcpu *v, struct xs_exit_record *rec, void *opaque);

#endif
