/* SPDX-License-Identifier: MIT */
/*
 * The exit-record ring: single producer (the VT-x core, on the vCPU's CPU) and single consumer (the bare
 * kernel's drain loop; in part 2 a user-space reader that mmaps the same memory). This header is the ABI
 * between the two, so its layout is fixed and pinned by static asserts:
 *
 *   offset 0     struct kvmx_ring_header (one 4 KiB page: producer and consumer counters on their own lines)
 *   offset 4096  nslots slots of KVMX_RING_SLOT_SIZE bytes; slot i holds one struct xs_exit_record, of which
 *                only the record's own `size` bytes are meaningful
 *
 * head and tail count records ever published / consumed (they never wrap in practice: 2^64); the slot of
 * record n is n & (nslots - 1). The producer never overwrites an unconsumed slot: when the ring is full the
 * new record is dropped and `dropped` counts it, so loss is always visible.
 */
#ifndef KVMX_RING_H
#define KVMX_RING_H

#include "kmod-vmx/core/types.h"

#define KVMX_RING_MAGIC 0x47525358u /* "XSRG" */
#define KVMX_RING_VERSION 1
#define KVMX_RING_DATA_OFFSET 4096u
#define KVMX_RING_SLOT_SIZE XS_RECORD_FULL_SIZE

struct kvmx_ring_header {
	u32 magic;
	u16 version;
	u16 reserved0;
	u32 data_offset; /* KVMX_RING_DATA_OFFSET */
	u32 slot_size;	 /* KVMX_RING_SLOT_SIZE */
	u32 nslots;	 /* a power of two */
	u32 reserved1;
	u64 reserved2[5];
	/* written by the producer only */
	u64 head;    /* offset 64: records published */
	u64 dropped; /* offset 72: records dropped because the ring was full */
	u64 reserved3[6];
	/* written by the consumer only */
	u64 tail; /* offset 128: records consumed */
	u64 reserved4[7];
	u8 pad[KVMX_RING_DATA_OFFSET - 192];
};

_Static_assert(sizeof(struct kvmx_ring_header) == KVMX_RING_DATA_OFFSET, "ring header is one page");
_Static_assert(__builtin_offsetof(struct kvmx_ring_header, head) == 64, "head on its own cache line");
_Static_assert(__builtin_offsetof(struct kvmx_ring_header, dropped) == 72, "dropped next to head");
_Static_assert(__builtin_offsetof(struct kvmx_ring_header, tail) == 128, "tail on its own cache line");
_Static_assert(KVMX_RING_SLOT_SIZE % 8 == 0, "slots keep records 8-byte aligned");

/* Memory needed for a ring of nslots slots. */
static inline kvmx_size_t kvmx_ring_bytes(u32 nslots)
{
	return KVMX_RING_DATA_OFFSET + (kvmx_size_t)nslots * KVMX_RING_SLOT_SIZE;
}

/*
 * Lay a ring out in `bytes` bytes of zeroed or reused memory: as many slots as fit, rounded down to a power
 * of two. Returns the header, or NULL with err set when fewer than 2 slots fit.
 */
struct kvmx_ring_header *kvmx_ring_init(void *mem, kvmx_size_t bytes, struct kvmx_err *err);

/*
 * The producer's own copy of the counters it publishes. Where the header page is mapped writable into an
 * untrusted consumer (the Linux module maps it into user space, which must write `tail`), the producer never
 * reads back nslots, head or dropped: whatever the consumer writes can make records look dropped or lost,
 * never steer the producer's write outside the slots.
 */
struct kvmx_ring_producer {
	struct kvmx_ring_header *r;
	u32 nslots;
	u64 head, dropped;
};

/* Take over a ring's producer side (reads nslots, head and dropped once: the memory is trusted here). */
void kvmx_ring_producer_init(struct kvmx_ring_producer *p, struct kvmx_ring_header *r);
/* Publish one record (its wire size). False when the ring is full: the record is counted dropped. */
bool kvmx_ring_produce(struct kvmx_ring_producer *p, const struct xs_exit_record *rec);
/* The same for a producer that trusts the header (reads its counters each time). */
bool kvmx_ring_push(struct kvmx_ring_header *r, const struct xs_exit_record *rec);

/*
 * Consumer: take the oldest record into *out (gs zeroed when the record has none). The consumer treats
 * the ring as outside input: the header is checked against the memory it was given and each record's
 * version and size are checked. Returns 1 with a record, 0 when the ring is empty, -1 when the ring is
 * damaged (err says how; nothing is consumed then), -2 when the slot held a malformed record (skipped,
 * counted in *bad when bad is given).
 */
int kvmx_ring_pop(struct kvmx_ring_header *r, kvmx_size_t bytes, struct xs_exit_record *out, u64 *bad,
		  struct kvmx_err *err);

/* Records waiting (head - tail). */
u64 kvmx_ring_pending(const struct kvmx_ring_header *r);

#endif
