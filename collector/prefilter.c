// SPDX-License-Identifier: MIT
#include "collector/prefilter.h"

#include <linux/kvm.h>
#include <stdlib.h>

#include "collector/host_rules.h"
#include "collector/tidmap.h"
#include "common/util.h"

struct state {
	bool skip;
	uint8_t kind;
	uint32_t uexit;
	bool joinable; /* xs_col_host_joinable of the event that opened the exit */
	uint64_t key;
};

struct xs_prefilter {
	struct xs_bpf_config cfg;
	struct xs_tidmap *tids;
	uint64_t tick;
	struct xs_prefilter_counters c;
};

struct xs_prefilter *xs_prefilter_new(const struct xs_bpf_config *cfg)
{
	struct xs_prefilter *p = xs_calloc(1, sizeof(*p));
	p->cfg = *cfg;
	p->tids = xs_tidmap_new(sizeof(struct state));
	return p;
}

void xs_prefilter_free(struct xs_prefilter *p)
{
	if (!p)
		return;
	xs_tidmap_free(p->tids);
	free(p);
}

void xs_prefilter_get_counters(const struct xs_prefilter *p, struct xs_prefilter_counters *out)
{
	*out = p->c;
}

static bool bit(const uint32_t *w, unsigned int nwords, uint32_t b)
{
	return b / 32 < nwords && (w[b / 32] >> (b % 32)) & 1;
}

static bool reason_ok(const struct xs_bpf_config *c, uint32_t isa, uint32_t reason)
{
	if (!c->reason_filter)
		return true;
	if (isa == XS_ISA_VMX)
		return bit(c->vmx_reasons, XS_BPF_VMX_WORDS, reason & 0xffff);
	if (isa == XS_ISA_SVM)
		return reason >= XS_BPF_SVM_WORDS * 32 ? c->svm_other : bit(c->svm_reasons, XS_BPF_SVM_WORDS, reason);
	if (isa == XS_ISA_HOST_EVENT)
		return (c->host_reasons >> (reason & 31)) & 1;
	return false;
}

static bool decide(struct xs_prefilter *p, uint32_t isa, uint32_t reason)
{
	if (!reason_ok(&p->cfg, isa, reason)) {
		p->c.filtered++;
		return false;
	}
	if (p->cfg.sample_n > 1 && p->tick++ % p->cfg.sample_n) {
		p->c.sampled_out++;
		return false;
	}
	return true;
}

/* Host mode: the per-cause event opens an exit, or completes the current one (then follows it). */
static bool host_event(struct xs_prefilter *p, struct state *st, const struct xs_ev_hdr *ev)
{
	uint8_t want_kind = 0;
	uint32_t want_uexit = 0;
	if (ev->type == XS_EV_PIO && ((const struct xs_ev_pio *)ev)->rw == 0) {
		want_kind = XS_HEV_USERSPACE_EXIT;
		want_uexit = KVM_EXIT_IO;
	} else if (ev->type == XS_EV_MMIO && ((const struct xs_ev_mmio *)ev)->type == XS_EV_MMIO_READ) {
		want_kind = XS_HEV_MMIO;
		want_uexit = KVM_EXIT_MMIO;
	}
	if (want_kind && st->kind == want_kind && st->uexit == want_uexit) {
		st->uexit = 0;
		st->kind = 0;
		return !st->skip;
	}
	st->kind = xs_col_host_reason_of(ev->type);
	st->skip = !decide(p, XS_ISA_HOST_EVENT, st->kind);
	st->uexit = 0;
	st->joinable = xs_col_host_joinable(ev, &st->key);
	return !st->skip;
}

static bool uexit(struct xs_prefilter *p, struct state *st, const struct xs_ev_uexit *e)
{
	if (p->cfg.hw_mode)
		return !st->skip;
	if (!st->uexit && st->joinable &&
	    xs_col_uexit_joins(st->kind, st->key, e->reason, e->have_run ? e->run : NULL)) {
		st->uexit = e->reason;
		return !st->skip;
	}
	st->skip = !decide(p, XS_ISA_HOST_EVENT, xs_col_uexit_stands_for(e->reason));
	st->kind = XS_HEV_USERSPACE_EXIT;
	st->uexit = e->reason;
	st->joinable = false;
	return !st->skip;
}

bool xs_prefilter_keep(struct xs_prefilter *p, const struct xs_ev_hdr *ev)
{
	const struct xs_bpf_config *c = &p->cfg;
	if (c->tgid && ev->pid != c->tgid)
		return false;
	if (c->vcpu_filter && ev->vcpu != c->vcpu) {
		p->c.filtered++;
		return false;
	}
	if (!c->track_exits)
		return true;
	struct state *st = xs_tidmap_get(p->tids, ev->tid, NULL);
	switch (ev->type) {
	case XS_EV_EXIT:
	case XS_EV_EXIT_TP: {
		const struct xs_ev_exit *e = (const void *)ev;
		st->skip = !decide(p, e->isa, e->reason);
		return !st->skip;
	}
	case XS_EV_ENTRY:
	case XS_EV_RUN:
		return !st->skip;
	case XS_EV_UEXIT:
		return uexit(p, st, (const struct xs_ev_uexit *)ev);
	default:
		return c->hw_mode ? !st->skip : host_event(p, st, ev);
	}
}
