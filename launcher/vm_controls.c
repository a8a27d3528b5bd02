// SPDX-License-Identifier: MIT
/*
 * The controls KVM implements, turned into ioctls: exits.disable (KVM_CAP_X86_DISABLE_EXITS), the MSR filter
 * (KVM_CAP_X86_USER_SPACE_MSR + KVM_X86_SET_MSR_FILTER), CPUID overrides (KVM_SET_CPUID2) and guest debug
 * (KVM_SET_GUEST_DEBUG). A refusal is reported with the control's name. Whether an accepted control really
 * has its effect is launcher/probe.c's job.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/util.h"
#include "launcher/kvmdev.h"
#include "launcher/vm.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int enable_cap(int fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec;
	memset(&ec, 0, sizeof(ec));
	ec.cap = cap;
	ec.args[0] = arg0;
	return ioctl(fd, KVM_ENABLE_CAP, &ec);
}

static int apply_disable_exits(int vm_fd, unsigned int bits, char *err, size_t errlen)
{
	int supported = xs_kvmdev_cap(vm_fd, KVM_CAP_X86_DISABLE_EXITS);
	if ((unsigned int)supported & bits) {
		if (!enable_cap(vm_fd, KVM_CAP_X86_DISABLE_EXITS, bits & (unsigned int)supported) &&
		    !(bits & ~(unsigned int)supported))
			return 0;
	}
	return ERR("exits.disable: the host does not support disabling 0x%x (KVM_CAP_X86_DISABLE_EXITS offers "
		   "0x%x%s)",
		   bits, (unsigned int)supported, (bits & ~(unsigned int)supported) ? "" : ", and refused it");
}

/*
 * One deny range per listed MSR range: a clear bitmap bit means "deny", and denied accesses exit to user
 * space (KVM_MSR_EXIT_REASON_FILTER). controls.c caps each direction at 8 ranges: 16 in all, KVM's limit.
 */
static void add_filter_ranges(struct kvm_msr_filter *f, const struct xs_range_list *l, uint32_t flags, uint8_t *bitmaps,
			      size_t *used)
{
	unsigned int slot = 0;
	while (slot < KVM_MSR_FILTER_MAX_RANGES && f->ranges[slot].nmsrs)
		slot++;
	for (unsigned int i = 0; i < l->n && slot < KVM_MSR_FILTER_MAX_RANGES; i++) {
		struct kvm_msr_filter_range *r = &f->ranges[slot++];
		uint32_t nmsrs = (uint32_t)(l->r[i].hi - l->r[i].lo + 1);
		r->flags = flags;
		r->base = (uint32_t)l->r[i].lo;
		r->nmsrs = nmsrs;
		r->bitmap = bitmaps + *used;
		*used += (nmsrs + 7) / 8;
	}
}

static int apply_msr_filter(int kvm_fd, int vm_fd, const struct xs_controls *c, char *err, size_t errlen)
{
	bool filter = c->msr_read.n || c->msr_write.n;
	if (!filter && !c->msr_unknown)
		return 0;
	const char *name = filter ? (c->msr_read.n ? "msr.exit_read" : "msr.exit_write") : "msr.exit_unknown";
	/* The capability only says "supported"; KVM checks the reasons asked for when it is enabled. */
	if (!xs_kvmdev_cap(kvm_fd, KVM_CAP_X86_USER_SPACE_MSR))
		return ERR("%s: the host has no MSR exits to user space (KVM_CAP_X86_USER_SPACE_MSR)", name);
	uint64_t want = (filter ? KVM_MSR_EXIT_REASON_FILTER : 0) | (c->msr_unknown ? KVM_MSR_EXIT_REASON_UNKNOWN : 0);
	if (enable_cap(vm_fd, KVM_CAP_X86_USER_SPACE_MSR, want))
		return ERR("%s: enabling KVM_CAP_X86_USER_SPACE_MSR (reasons 0x%llx) failed: %s", name,
			   (unsigned long long)want, strerror(errno));
	if (!filter)
		return 0;
	if (!xs_kvmdev_cap(kvm_fd, KVM_CAP_X86_MSR_FILTER))
		return ERR("%s: the host has no MSR filter (KVM_CAP_X86_MSR_FILTER)", name);
	struct kvm_msr_filter f;
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	size_t total = 0;
	for (unsigned int i = 0; i < c->msr_read.n; i++)
		total += (size_t)(c->msr_read.r[i].hi - c->msr_read.r[i].lo + 8) / 8;
	for (unsigned int i = 0; i < c->msr_write.n; i++)
		total += (size_t)(c->msr_write.r[i].hi - c->msr_write.r[i].lo + 8) / 8;
	uint8_t *bitmaps = xs_calloc(total, 1);
	size_t used = 0;
	add_filter_ranges(&f, &c->msr_read, KVM_MSR_FILTER_READ, bitmaps, &used);
	add_filter_ranges(&f, &c->msr_write, KVM_MSR_FILTER_WRITE, bitmaps, &used);
	int rc = ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f);
	int e = errno;
	free(bitmaps);
	if (rc)
		return ERR("%s: KVM_X86_SET_MSR_FILTER failed: %s", name, strerror(e));
	return 0;
}

int xs_vm_apply_vm_controls(int kvm_fd, int vm_fd, const struct xs_controls *c, char *err, size_t errlen)
{
	if (c->disable_exits && apply_disable_exits(vm_fd, c->disable_exits, err, errlen))
		return -1;
	if (c->readonly.n && !xs_kvmdev_cap(vm_fd, KVM_CAP_READONLY_MEM))
		return ERR("memory.readonly: the host has no read-only memory slots (KVM_CAP_READONLY_MEM)");
	return apply_msr_filter(kvm_fd, vm_fd, c, err, errlen);
}

/* ---- CPUID ---- */

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd, char *err, size_t errlen)
{
	for (unsigned int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = xs_calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		c->nent = n;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		int e = errno;
		free(c);
		if (e != E2BIG) {
			(void)ERR("KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
			return NULL;
		}
	}
	(void)ERR("KVM_GET_SUPPORTED_CPUID: too many entries");
	return NULL;
}

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, enum xs_cpuid_reg r)
{
	return r == XS_EAX ? &e->eax : r == XS_EBX ? &e->ebx : r == XS_ECX ? &e->ecx : &e->edx;
}

static void set_apic_id(struct kvm_cpuid2 *c, unsigned int id)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (id << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
	}
}

/* Apply one override; a leaf KVM does not list gets a new entry. Returns false when the table is full. */
static bool apply_override(struct kvm_cpuid2 *c, uint32_t cap, const struct xs_cpuid_override *o)
{
	bool hit = false;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != o->leaf || (o->has_subleaf && e->index != o->subleaf))
			continue;
		*entry_reg(e, o->reg) = o->value;
		hit = true;
	}
	if (hit)
		return true;
	if (c->nent >= cap)
		return false;
	struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = o->leaf;
	e->index = o->subleaf;
	e->flags = o->has_subleaf ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	*entry_reg(e, o->reg) = o->value;
	return true;
}

int xs_vcpu_apply_cpuid(int kvm_fd, const struct xs_vcpu *v, const struct xs_controls *ctl, char *err, size_t errlen)
{
	struct kvm_cpuid2 *c = supported_cpuid(kvm_fd, err, errlen);
	if (!c)
		return -1;
	uint32_t cap = c->nent + XS_CTL_MAX_CPUID;
	c = xs_realloc(c, sizeof(*c) + cap * sizeof(c->entries[0]));
	set_apic_id(c, v->id);
	for (unsigned int i = 0; i < ctl->n_cpuid; i++)
		apply_override(c, cap, &ctl->cpuid[i]);
	int rc = ioctl(v->fd, KVM_SET_CPUID2, c);
	int e = errno;
	free(c);
	if (rc)
		return ERR("%sKVM_SET_CPUID2: %s", ctl->n_cpuid ? "cpuid: " : "", strerror(e));
	return 0;
}

/* ---- guest debug ---- */

static uint64_t dr7_len_bits(unsigned int len)
{
	return len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
}

int xs_vcpu_apply_debug(const struct xs_vcpu *v, const struct xs_controls *c, uint32_t extra, char *err, size_t errlen)
{
	if (!c->singlestep && !c->n_hwbp && !c->intercept && !extra)
		return 0;
	struct kvm_guest_debug dbg;
	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE | extra;
	if (c->singlestep)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	/* With USE_HW_BP every #DB in the guest exits to us: that is also how debug.intercept=db works. */
	if (c->n_hwbp || (c->intercept & XS_INTERCEPT_DB))
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
	if (c->intercept & XS_INTERCEPT_BP)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	uint64_t dr7 = 0x400; /* bit 10 reads as 1 */
	for (unsigned int i = 0; i < c->n_hwbp; i++) {
		dbg.arch.debugreg[i] = c->hwbp[i].addr;
		dr7 |= (1ull << (2 * i)) | ((uint64_t)c->hwbp[i].type << (16 + 4 * i)) |
		       (dr7_len_bits(c->hwbp[i].len) << (18 + 4 * i));
	}
	dbg.arch.debugreg[7] = dr7;
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg))
		return ERR("%s: KVM_SET_GUEST_DEBUG failed: %s",
			   c->singlestep ? "debug.singlestep"
			   : c->n_hwbp	 ? "debug.hwbp"
					 : "debug.intercept",
			   strerror(errno));
	return 0;
}
