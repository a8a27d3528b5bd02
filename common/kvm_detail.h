/* SPDX-License-Identifier: MIT */
/*
 * The detail of a KVM userspace exit, from what KVM left in struct kvm_run, in the record's detail union: the
 * one mapping of kvm_run to the record both producers use (the launcher, from its own kvm_run after handling
 * the exit; the collector, from the head of the VMM's kvm_run that kvm_userspace_exit copied). Pure functions
 * of the kvm_run contents, so the unit tests feed them fabricated exits. Layout: docs/record-format.md.
 */
#ifndef EXITSCOPE_COMMON_KVM_DETAIL_H
#define EXITSCOPE_COMMON_KVM_DETAIL_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"

/*
 * The decoded detail of exit reason (a KVM_EXIT_*) from run. The launcher calls it after the exit was handled
 * so that data it supplied (IN data, MMIO reads, RDMSR values and errors) is in it. run_size is the size of
 * the kvm_run mapping (I/O data lives in it, past struct kvm_run); an I/O data offset outside it is ignored.
 */
void xs_fill_detail(struct xs_exit_record *r, const struct kvm_run *run, size_t run_size, uint32_t reason);

/*
 * The same from a copy of the first head_len bytes of struct kvm_run (the rest reads as zero). Such a copy
 * holds no I/O data, so an I/O exit's value is left 0 whatever its data offset says.
 */
void xs_fill_detail_from_head(struct xs_exit_record *r, const void *head, size_t head_len, uint32_t reason);

#endif
