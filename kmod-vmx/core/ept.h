/* SPDX-License-Identifier: MIT */
/*
 * Extended page tables for guest memory: a 4-level table built from platform pages, with 2 MiB leaves where
 * the range and the CPU allow them and 4 KiB leaves elsewhere. Pure code against the platform interface, so
 * host unit tests build and walk it with a fake platform.
 */
#ifndef KVMX_EPT_H
#define KVMX_EPT_H

#include "kmod-vmx/core/caps.h"

struct kvmx_ept {
	const struct kvmx_platform *plat;
	u64 *pml4;
	u64 pml4_phys;
	bool large_2m;	    /* the CPU supports 2 MiB EPT leaves */
	unsigned int pages; /* paging-structure pages in use */
};

/* Start an empty table. Needs 4-level walks and write-back paging structures (IA32_VMX_EPT_VPID_CAP). */
int kvmx_ept_init(struct kvmx_ept *e, const struct kvmx_platform *p, const struct kvmx_caps *caps,
		  struct kvmx_err *err);

/*
 * Map [gpa, gpa+size) to [hpa, hpa+size) with permissions perms (EPT_R|EPT_W|EPT_X; 0 removes the mapping)
 * and memory type memtype (EPT_MT_WB for RAM, EPT_MT_UC for devices). Addresses and size must be 4 KiB
 * aligned; write or execute without read is refused (it would be an EPT misconfiguration). A later mapping
 * replaces an earlier one, splitting 2 MiB leaves as needed.
 */
int kvmx_ept_map(struct kvmx_ept *e, u64 gpa, u64 hpa, u64 size, u64 perms, u64 memtype, struct kvmx_err *err);

/*
 * Write a raw 4 KiB leaf entry for gpa, unchecked: only for tests that provoke EPT misconfigurations on
 * purpose. Returns 0, or -1 when no table page could be had.
 */
int kvmx_ept_set_raw_leaf(struct kvmx_ept *e, u64 gpa, u64 entry, struct kvmx_err *err);

/* Walk the table: the host-physical address and permissions of gpa, false when it is not mapped. */
bool kvmx_ept_translate(const struct kvmx_ept *e, u64 gpa, u64 *hpa, u64 *perms);

/* The EPT pointer for the VMCS: write-back, 4-level walk. */
u64 kvmx_ept_pointer(const struct kvmx_ept *e);

/* Give every table page back to the platform. */
void kvmx_ept_destroy(struct kvmx_ept *e);

#endif
