// SPDX-License-Identifier: MIT
#include "collector/event_parse.h"

#include <stdint.h>

struct ev_type_info {
	const char *name;
	size_t size; /* exact size; exit events may be larger (optional blocks) */
};

static const struct ev_type_info types[XS_EV_TYPE_COUNT] = {
	[XS_EV_EXIT] = {"kvm_exit", sizeof(struct xs_ev_exit)},
	[XS_EV_EXIT_TP] = {"kvm_exit", sizeof(struct xs_ev_exit)},
	[XS_EV_ENTRY] = {"kvm_entry", sizeof(struct xs_ev_entry)},
	[XS_EV_PIO] = {"kvm_pio", sizeof(struct xs_ev_pio)},
	[XS_EV_MMIO] = {"kvm_mmio", sizeof(struct xs_ev_mmio)},
	[XS_EV_MSR] = {"kvm_msr", sizeof(struct xs_ev_msr)},
	[XS_EV_CR] = {"kvm_cr", sizeof(struct xs_ev_cr)},
	[XS_EV_CPUID] = {"kvm_cpuid", sizeof(struct xs_ev_cpuid)},
	[XS_EV_HYPERCALL] = {"kvm_hypercall", sizeof(struct xs_ev_hypercall)},
	[XS_EV_UEXIT] = {"kvm_userspace_exit", sizeof(struct xs_ev_uexit)},
	[XS_EV_INJ_EXC] = {"kvm_inj_exception", sizeof(struct xs_ev_inj_exc)},
	[XS_EV_PAGE_FAULT] = {"kvm_page_fault", sizeof(struct xs_ev_page_fault)},
	[XS_EV_EMULATE] = {"kvm_emulate_insn", sizeof(struct xs_ev_emulate)},
	[XS_EV_NESTED_EXIT] = {"kvm_nested_vmexit", sizeof(struct xs_ev_exit)},
	[XS_EV_RUN] = {"KVM_RUN (kvm_fpu load)", sizeof(struct xs_ev_run)},
};

const char *xs_ev_type_name(unsigned int type)
{
	return type < XS_EV_TYPE_COUNT ? types[type].name : NULL;
}

/* The size an exit event must have for the optional blocks its fields announce. */
static size_t exit_size(const struct xs_ev_exit *e)
{
	size_t n = sizeof(*e);
	if (e->fields & XS_EVX_REGS)
		n += sizeof(struct xs_ev_vcpu_regs);
	if (e->fields & XS_EVX_SVM_SAVE)
		n = XS_EV_EXIT_FULL_SIZE;
	return n;
}

const char *xs_ev_check(const void *buf, size_t len)
{
	if (!buf || ((uintptr_t)buf & 7))
		return "event not 8-byte aligned";
	if (len < sizeof(struct xs_ev_hdr))
		return "event shorter than its header";
	const struct xs_ev_hdr *h = buf;
	if (h->size != len)
		return "event size field disagrees with its length";
	if (h->type == 0 || h->type >= XS_EV_TYPE_COUNT)
		return "unknown event type";
	size_t want = types[h->type].size;
	if (h->type != XS_EV_EXIT) {
		if (len != want)
			return "event size wrong for its type";
		if (h->type == XS_EV_EXIT_TP || h->type == XS_EV_NESTED_EXIT) {
			const struct xs_ev_exit *e = buf;
			if (e->fields & (XS_EVX_REGS | XS_EVX_SVM_SAVE))
				return "classic exit event claims a guest-state block";
		}
		return NULL;
	}
	if (len < want)
		return "exit event too short";
	const struct xs_ev_exit *e = buf;
	if ((e->fields & XS_EVX_SVM_SAVE) && !(e->fields & XS_EVX_REGS))
		return "exit event has a VMCB block without registers";
	/* The program reserves room for the blocks it was asked for, even when a kernel read then failed. */
	if (len != sizeof(*e) && len != XS_EV_EXIT_REGS_SIZE && len != XS_EV_EXIT_FULL_SIZE)
		return "exit event has an unknown size";
	if (exit_size(e) > len)
		return "exit event claims blocks it does not carry";
	return NULL;
}

const struct xs_ev_vcpu_regs *xs_ev_exit_regs(const struct xs_ev_exit *e)
{
	return (e->fields & XS_EVX_REGS) ? (const struct xs_ev_vcpu_regs *)(e + 1) : NULL;
}

const struct xs_ev_svm_save *xs_ev_exit_svm_save(const struct xs_ev_exit *e)
{
	if (!(e->fields & XS_EVX_SVM_SAVE))
		return NULL;
	return (const struct xs_ev_svm_save *)((const char *)(e + 1) + sizeof(struct xs_ev_vcpu_regs));
}
