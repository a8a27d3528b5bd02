// SPDX-License-Identifier: MIT
/* Building and walking 4-level extended page tables. */
#include "kmod-vmx/core/ept.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

#define SIZE_4K 0x1000ull
#define SIZE_2M 0x200000ull
#define TABLE_PERMS EPT_RWX /* non-leaf entries allow everything; leaves decide */

static unsigned int index_of(u64 gpa, int level) /* level 3 = PML4 .. 0 = PT */
{
	return (unsigned int)((gpa >> (12 + 9 * level)) & 0x1ff);
}

static u64 *table_of(const struct kvmx_ept *e, u64 entry)
{
	return e->plat->phys_to_virt(e->plat->ctx, entry & EPT_ADDR_MASK);
}

static u64 *new_table(struct kvmx_ept *e, u64 *phys)
{
	u64 *t = e->plat->alloc_page(e->plat->ctx, phys);

	if (t)
		e->pages++;
	return t;
}

int kvmx_ept_init(struct kvmx_ept *e, const struct kvmx_platform *p, const struct kvmx_caps *caps, struct kvmx_err *err)
{
	kvmx_memset(e, 0, sizeof(*e));
	if ((caps->ept_vpid & (EPT_CAP_WALK4 | EPT_CAP_WB)) != (EPT_CAP_WALK4 | EPT_CAP_WB))
		return kvmx_fail(err, "EPT needs 4-level walks and write-back tables (IA32_VMX_EPT_VPID_CAP=0x%llx)",
				 (unsigned long long)caps->ept_vpid);
	e->plat = p;
	e->large_2m = (caps->ept_vpid & EPT_CAP_2M) != 0;
	e->pml4 = new_table(e, &e->pml4_phys);
	if (!e->pml4)
		return kvmx_fail(err, "out of memory for the EPT PML4");
	return 0;
}

/*
 * The entry at `level` (2 = PD, 1 = PDPT, ...) that covers gpa, creating tables above it. A 2 MiB leaf met
 * on the way down to level 0 is split into 512 4 KiB leaves with the same translation and attributes.
 */
static u64 *walk_create(struct kvmx_ept *e, u64 gpa, int level, struct kvmx_err *err)
{
	u64 *table = e->pml4;

	for (int l = 3; l > level; l--) {
		u64 *ent = &table[index_of(gpa, l)];
		if (*ent & EPT_LARGE) { /* only 2 MiB leaves exist, at level 1 (PD) */
			u64 phys;
			u64 *pt = new_table(e, &phys);
			if (!pt) {
				kvmx_fail(err, "out of memory for an EPT page table");
				return 0;
			}
			u64 attrs = *ent & ~(EPT_ADDR_MASK | EPT_LARGE);
			u64 base = *ent & EPT_ADDR_MASK & ~(SIZE_2M - 1);
			for (unsigned int i = 0; i < 512; i++)
				pt[i] = (base + i * SIZE_4K) | attrs;
			*ent = phys | TABLE_PERMS;
		} else if (!(*ent & EPT_RWX)) {
			u64 phys;
			if (!new_table(e, &phys)) {
				kvmx_fail(err, "out of memory for an EPT paging structure");
				return 0;
			}
			*ent = phys | TABLE_PERMS;
		}
		table = table_of(e, *ent);
	}
	return &table[index_of(gpa, level)];
}

int kvmx_ept_map(struct kvmx_ept *e, u64 gpa, u64 hpa, u64 size, u64 perms, u64 memtype, struct kvmx_err *err)
{
	if ((gpa | hpa | size) & (SIZE_4K - 1))
		return kvmx_fail(err, "EPT mapping gpa 0x%llx hpa 0x%llx size 0x%llx is not 4 KiB aligned",
				 (unsigned long long)gpa, (unsigned long long)hpa, (unsigned long long)size);
	if (perms & ~EPT_RWX)
		return kvmx_fail(err, "EPT permissions 0x%llx have bits other than R, W, X", (unsigned long long)perms);
	if (perms && !(perms & EPT_R))
		return kvmx_fail(err, "EPT permissions %s%s without read would be a misconfiguration",
				 (perms & EPT_W) ? "W" : "", (perms & EPT_X) ? "X" : "");
	if (memtype != EPT_MT_WB && memtype != EPT_MT_UC)
		return kvmx_fail(err, "EPT memory type %llu is neither UC (0) nor WB (6)", (unsigned long long)memtype);
	if (gpa >> 48 || hpa >> 52 || size > (1ull << 48) - gpa)
		return kvmx_fail(err, "EPT mapping gpa 0x%llx size 0x%llx is beyond 48-bit guest-physical space",
				 (unsigned long long)gpa, (unsigned long long)size);

	u64 attrs = perms ? perms | (memtype << EPT_MT_SHIFT) : 0;
	while (size) {
		u64 *ent;
		u64 step;
		if (e->large_2m && !((gpa | hpa) & (SIZE_2M - 1)) && size >= SIZE_2M) {
			ent = walk_create(e, gpa, 1, err);
			if (!ent)
				return -1;
			/* Over an existing page table: fill its 4 KiB leaves instead of leaking it. */
			if ((*ent & EPT_RWX) && !(*ent & EPT_LARGE)) {
				u64 *pt = table_of(e, *ent);
				for (unsigned int i = 0; i < 512; i++)
					pt[i] = attrs ? (hpa + i * SIZE_4K) | attrs : 0;
			} else {
				*ent = attrs ? hpa | attrs | EPT_LARGE : 0;
			}
			step = SIZE_2M;
		} else {
			ent = walk_create(e, gpa, 0, err);
			if (!ent)
				return -1;
			*ent = attrs ? hpa | attrs : 0;
			step = SIZE_4K;
		}
		gpa += step;
		hpa += step;
		size -= step;
	}
	return 0;
}

int kvmx_ept_set_raw_leaf(struct kvmx_ept *e, u64 gpa, u64 entry, struct kvmx_err *err)
{
	u64 *ent = walk_create(e, gpa & ~(SIZE_4K - 1), 0, err);

	if (!ent)
		return -1;
	*ent = entry;
	return 0;
}

bool kvmx_ept_translate(const struct kvmx_ept *e, u64 gpa, u64 *hpa, u64 *perms)
{
	const u64 *table = e->pml4;

	for (int l = 3; l >= 0; l--) {
		u64 ent = table[index_of(gpa, l)];
		if (!(ent & EPT_RWX))
			return false;
		if (l == 0 || (l == 1 && (ent & EPT_LARGE))) {
			u64 page = l ? SIZE_2M : SIZE_4K;
			*hpa = (ent & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1));
			*perms = ent & EPT_RWX;
			return true;
		}
		table = table_of(e, ent);
	}
	return false;
}

u64 kvmx_ept_pointer(const struct kvmx_ept *e)
{
	return e->pml4_phys | (3ull << 3) | EPT_MT_WB;
}

static void free_level(struct kvmx_ept *e, u64 *table, int level)
{
	if (level > 0) {
		for (unsigned int i = 0; i < 512; i++) {
			u64 ent = table[i];
			if ((ent & EPT_RWX) && !(level == 1 && (ent & EPT_LARGE)))
				free_level(e, table_of(e, ent), level - 1);
		}
	}
	e->plat->free_page(e->plat->ctx, table);
	e->pages--;
}

void kvmx_ept_destroy(struct kvmx_ept *e)
{
	if (e->pml4)
		free_level(e, e->pml4, 3);
	e->pml4 = 0;
}
