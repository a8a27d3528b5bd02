// SPDX-License-Identifier: MIT
/* The single-producer single-consumer exit-record ring (layout in ring.h). */
#include "kmod-vmx/core/ring.h"
#include "kmod-vmx/core/fmt.h"

#define LOAD_ACQUIRE(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE_RELEASE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define LOAD_RELAXED(p) __atomic_load_n(p, __ATOMIC_RELAXED)

struct kvmx_ring_header *kvmx_ring_init(void *mem, kvmx_size_t bytes, struct kvmx_err *err)
{
	struct kvmx_ring_header *r = mem;
	u32 nslots = 1;

	if (bytes < kvmx_ring_bytes(2)) {
		kvmx_fail(err, "ring of %llu bytes holds fewer than 2 records (needs %llu)", (unsigned long long)bytes,
			  (unsigned long long)kvmx_ring_bytes(2));
		return 0;
	}
	while (nslots <= 0x40000000u && kvmx_ring_bytes(nslots * 2) <= bytes)
		nslots *= 2;
	kvmx_memset(r, 0, sizeof(*r));
	r->magic = KVMX_RING_MAGIC;
	r->version = KVMX_RING_VERSION;
	r->data_offset = KVMX_RING_DATA_OFFSET;
	r->slot_size = KVMX_RING_SLOT_SIZE;
	r->nslots = nslots;
	return r;
}

void kvmx_ring_producer_init(struct kvmx_ring_producer *p, struct kvmx_ring_header *r)
{
	p->r = r;
	p->nslots = r->nslots;
	p->head = LOAD_RELAXED(&r->head);
	p->dropped = LOAD_RELAXED(&r->dropped);
}

bool kvmx_ring_produce(struct kvmx_ring_producer *p, const struct xs_exit_record *rec)
{
	u64 tail = LOAD_ACQUIRE(&p->r->tail);

	/* A tail ahead of head (only a broken consumer writes one) wraps to a huge difference: counted dropped. */
	if (p->head - tail >= p->nslots) {
		STORE_RELEASE(&p->r->dropped, ++p->dropped);
		return false;
	}
	u8 *slot = (u8 *)p->r + KVMX_RING_DATA_OFFSET + (kvmx_size_t)(p->head & (p->nslots - 1)) * KVMX_RING_SLOT_SIZE;
	kvmx_memcpy(slot, rec, xs_record_wire_size(rec));
	STORE_RELEASE(&p->r->head, ++p->head);
	return true;
}

bool kvmx_ring_push(struct kvmx_ring_header *r, const struct xs_exit_record *rec)
{
	struct kvmx_ring_producer p;

	kvmx_ring_producer_init(&p, r);
	return kvmx_ring_produce(&p, rec);
}

u64 kvmx_ring_pending(const struct kvmx_ring_header *r)
{
	return LOAD_ACQUIRE(&r->head) - LOAD_RELAXED(&r->tail);
}

int kvmx_ring_pop(struct kvmx_ring_header *r, kvmx_size_t bytes, struct xs_exit_record *out, u64 *bad,
		  struct kvmx_err *err)
{
	if (bytes < KVMX_RING_DATA_OFFSET || r->magic != KVMX_RING_MAGIC || r->version != KVMX_RING_VERSION ||
	    r->data_offset != KVMX_RING_DATA_OFFSET || r->slot_size != KVMX_RING_SLOT_SIZE)
		return kvmx_fail(err, "ring header is not a version-%u exit-record ring", KVMX_RING_VERSION);
	u32 nslots = r->nslots;
	if (nslots < 2 || (nslots & (nslots - 1)) ||
	    (u64)nslots > (u64)(bytes - KVMX_RING_DATA_OFFSET) / KVMX_RING_SLOT_SIZE)
		return kvmx_fail(err, "ring claims %u slots, which is no power of two or more than its %llu bytes hold",
				 nslots, (unsigned long long)bytes);

	u64 tail = LOAD_RELAXED(&r->tail);
	u64 head = LOAD_ACQUIRE(&r->head);
	if (head == tail)
		return 0;
	if (head - tail > nslots)
		return kvmx_fail(err, "ring head %llu is more than %u records ahead of tail %llu",
				 (unsigned long long)head, nslots, (unsigned long long)tail);

	const u8 *s = (const u8 *)r + KVMX_RING_DATA_OFFSET + (kvmx_size_t)(tail & (nslots - 1)) * KVMX_RING_SLOT_SIZE;
	struct xs_exit_record tmp;
	kvmx_memcpy(&tmp, s, XS_RECORD_CORE_SIZE);
	int rc = 1;
	bool full = tmp.size == XS_RECORD_FULL_SIZE && (tmp.flags & XS_F_GUEST_STATE);
	bool core = tmp.size == XS_RECORD_CORE_SIZE && !(tmp.flags & XS_F_GUEST_STATE);
	if (tmp.version != XS_RECORD_VERSION || !(full || core)) {
		if (bad)
			(*bad)++;
		rc = -2;
	} else {
		kvmx_memset(&tmp.gs, 0, sizeof(tmp.gs));
		if (full)
			kvmx_memcpy(&tmp.gs, s + XS_RECORD_CORE_SIZE, sizeof(tmp.gs));
		kvmx_memcpy(out, &tmp, sizeof(tmp));
	}
	STORE_RELEASE(&r->tail, tail + 1);
	return rc;
}
