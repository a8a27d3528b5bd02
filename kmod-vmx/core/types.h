/* SPDX-License-Identifier: MIT */
/*
 * Integer types of the VT-x core. The core is freestanding: it builds in the bare-metal test kernel, as
 * host user-space objects for unit tests, and (part 2) in a Linux module, so it takes nothing from libc or
 * kernel headers. The fixed-width names come from the record header, which needs no other header.
 */
#ifndef KVMX_TYPES_H
#define KVMX_TYPES_H

#include "exitscope/record.h"

typedef xs_u8 u8;
typedef xs_u16 u16;
typedef xs_u32 u32;
typedef xs_u64 u64;
typedef __SIZE_TYPE__ kvmx_size_t;

/*
 * The compiler's own freestanding header; a kernel build takes bool (and the same u8..u64, which the
 * typedefs above then repeat identically) from the kernel instead.
 */
#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#endif

#define KVMX_PAGE_SIZE 4096u
#define KVMX_BIT(n) (1ull << (n))
#define KVMX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for one error message naming what went wrong ("secondary control 'enable EPT' ..."). */
#define KVMX_ERR_LEN 192
struct kvmx_err {
	char msg[KVMX_ERR_LEN];
};

#endif
