// SPDX-License-Identifier: MIT
#include "collector/joiner.h"

#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "collector/event_parse.h"
#include "collector/guest_state.h"
#include "collector/host_rules.h"
#include "collector/tidmap.h"
#include "common/kvm_detail.h"
#include "common/util.h"

/* What an open record still waits for from the VMM. */
enum await {
	AWAIT_NONE,
	AWAIT_PIO_IN,	 /* host mode: a userspace IO exit whose kvm_pio (IN data) comes at the next KVM_RUN */
	AWAIT_MMIO_READ, /* host mode: an MMIO read whose data comes at the next KVM_RUN */
	AWAIT_RUN,	 /* the VMM's answer in struct kvm_run at the next KVM_RUN (RDMSR, WRMSR, hypercall) */
};

#define HALF_BTF 1
#define HALF_TP 2

/* One vCPU thread. */
struct track {
	bool open;	   /* rec is an open record */
	bool is_exit;	   /* rec came from kvm_exit (hardware semantics) */
	bool hw;	   /* this thread's kvm_exit fires: its details join exits */
	bool primary;	   /* rec has a detail from a per-cause event (not a fallback one) */
	uint8_t halves;	   /* kvm_exit halves in rec */
	bool reason_known; /* rec's reason came from a half that knew it */
	bool since_exit;   /* an event came after the exit: halves only merge when adjacent */
	uint8_t await;	   /* enum await */
	uint32_t uexit;	   /* KVM_EXIT_* of the joined userspace exit, 0 if none */
	bool joinable;	   /* host mode: a userspace exit may still join rec (xs_col_host_joinable) ... */
	uint64_t key;	   /* ... if its struct kvm_run repeats this port / address / hypercall number */
	uint32_t vcpu;	   /* the thread's vCPU, once known */
	uint64_t last_ts;
	struct xs_exit_record rec;
};

struct xs_joiner {
	struct xs_joiner_config cfg;
	xs_joiner_emit_fn emit;
	void *ctx;
	struct xs_tidmap *tracks;
	struct track *last; /* the track of the last event's thread (a vCPU's events come in runs) ... */
	uint32_t last_tid;  /* ... of this thread; valid until the next track is created */
	uint64_t seq;
	struct xs_joiner_stats st;
};

struct xs_joiner *xs_joiner_new(const struct xs_joiner_config *cfg, xs_joiner_emit_fn emit, void *ctx)
{
	struct xs_joiner *j = xs_calloc(1, sizeof(*j));
	j->cfg = *cfg;
	j->emit = emit;
	j->ctx = ctx;
	j->tracks = xs_tidmap_new(sizeof(struct track));
	return j;
}

void xs_joiner_free(struct xs_joiner *j)
{
	if (!j)
		return;
	xs_tidmap_free(j->tracks);
	free(j);
}

void xs_joiner_get_stats(const struct xs_joiner *j, struct xs_joiner_stats *out)
{
	*out = j->st;
}

static struct track *track_of(struct xs_joiner *j, uint32_t tid)
{
	if (j->last && j->last_tid == tid)
		return j->last;
	bool created;
	struct track *t = xs_tidmap_get(j->tracks, tid, &created);
	if (created) {
		t->vcpu = XS_EV_VCPU_UNKNOWN;
		t->hw = j->cfg.hw_mode;
	}
	/* a creation may have moved every track: only this pointer is known good */
	j->last = t;
	j->last_tid = tid;
	return t;
}

/* ---- emitting ---- */

static void close_record(struct xs_joiner *j, struct track *t)
{
	if (!t->open)
		return;
	t->open = false;
	struct xs_exit_record *r = &t->rec;
	if (t->is_exit && j->cfg.merge_halves && t->halves != (HALF_BTF | HALF_TP)) {
		/* The classic half decides sampling: a lone tp_btf half means its exit was sampled out. */
		if (j->cfg.sampling && t->halves == HALF_BTF) {
			j->st.sampled_halves++;
			return;
		}
		j->st.unpaired_halves++;
	}
	if (r->vcpu == XS_EV_VCPU_UNKNOWN)
		r->vcpu = t->vcpu;
	if (!xs_col_reason_ok(j->cfg.filter, r->isa, r->reason)) {
		j->st.filtered++;
		return;
	}
	if (j->cfg.sampling)
		r->flags |= XS_F_SAMPLED;
	r->size = (uint16_t)xs_record_wire_size(r);
	r->seq = j->seq++;
	j->st.records++;
	j->emit(j->ctx, r);
}

static struct xs_exit_record *open_record(struct xs_joiner *j, struct track *t, const struct xs_ev_hdr *h, uint8_t isa,
					  uint32_t reason)
{
	close_record(j, t);
	struct xs_exit_record *r = &t->rec;
	/*
	 * The core only: the guest-state block is filled whole (or left out) by whoever sets XS_F_GUEST_STATE.
	 * Copied from zeros rather than memset: GCC turns a 192-byte memset into `rep stos`, whose start-up cost
	 * was a fifth of the consumer's time at 500k events/s (perf annotate); a constant-size copy becomes
	 * twelve vector moves.
	 */
	static const struct xs_exit_record zero_core;
	memcpy(r, &zero_core, XS_RECORD_CORE_SIZE);
	r->version = XS_RECORD_VERSION;
	r->size = XS_RECORD_CORE_SIZE;
	r->isa = isa;
	r->source = j->cfg.source;
	r->reason = reason;
	r->vcpu = h->vcpu != XS_EV_VCPU_UNKNOWN ? h->vcpu : t->vcpu;
	r->ts = h->ts;
	r->pid = h->pid;
	r->tid = h->tid;
	r->cpu = h->cpu;
	t->open = true;
	t->is_exit = false;
	t->primary = false;
	t->halves = 0;
	t->since_exit = false;
	t->await = AWAIT_NONE;
	t->uexit = 0;
	t->joinable = false;
	return r;
}

/* ---- details ---- */

/* Events whose detail is what the exit was about (the others only describe how KVM handled it). */
static bool is_primary(unsigned int type)
{
	return type >= XS_EV_PIO && type <= XS_EV_HYPERCALL;
}

/* kvm:kvm_pio */
static void pio_detail(struct xs_exit_record *r, const struct xs_ev_pio *e)
{
	union xs_detail *d = &r->detail;
	r->detail_kind = XS_D_IO;
	d->io.port = (xs_u16)e->port;
	d->io.size = (xs_u8)e->size;
	d->io.direction = e->rw ? XS_IO_OUT : XS_IO_IN;
	d->io.count = e->count;
	d->io.value = e->val;
	/* As the launcher: KVM does not say whether one element came from a string instruction. */
	d->io.string = d->io.rep = e->count > 1;
}

/* kvm:kvm_mmio: the address is the exit's guest-physical address too */
static void mmio_detail(struct xs_exit_record *r, const struct xs_ev_mmio *e)
{
	union xs_detail *d = &r->detail;
	r->detail_kind = XS_D_MMIO;
	d->mmio.gpa = e->gpa;
	d->mmio.len = e->len;
	d->mmio.is_write = e->type == XS_EV_MMIO_WRITE;
	d->mmio.value = e->type == XS_EV_MMIO_UNSATISFIED_READ ? 0 : e->val;
	r->guest_phys = e->gpa;
	r->flags |= XS_F_GUEST_PHYS;
}

/* kvm:kvm_cpuid: the leaf and what the guest got */
static void cpuid_detail(struct xs_exit_record *r, const struct xs_ev_cpuid *e)
{
	union xs_detail *d = &r->detail;
	r->detail_kind = XS_D_CPUID;
	d->cpuid.leaf = e->function;
	d->cpuid.subleaf = e->index;
	d->cpuid.eax = (xs_u32)e->rax;
	d->cpuid.ebx = (xs_u32)e->rbx;
	d->cpuid.ecx = (xs_u32)e->rcx;
	d->cpuid.edx = (xs_u32)e->rdx;
}

/* kvm:kvm_emulate_insn: at most 15 instruction bytes */
static void emulate_detail(struct xs_exit_record *r, const struct xs_ev_emulate *e)
{
	union xs_detail *d = &r->detail;
	r->detail_kind = XS_D_EMULATE;
	d->emulate.csbase = e->csbase;
	d->emulate.len = e->len > 15 ? 15 : e->len;
	d->emulate.failed = e->failed;
	d->emulate.flags = e->flags;
	memcpy(d->emulate.insn, e->insn, d->emulate.len);
}

static void set_detail(struct xs_exit_record *r, const struct xs_ev_hdr *h)
{
	union xs_detail *d = &r->detail;
	memset(d, 0, sizeof(*d));
	switch (h->type) {
	case XS_EV_PIO:
		pio_detail(r, (const void *)h);
		break;
	case XS_EV_MMIO:
		mmio_detail(r, (const void *)h);
		break;
	case XS_EV_MSR: {
		const struct xs_ev_msr *e = (const void *)h;
		r->detail_kind = XS_D_MSR;
		d->msr.index = e->ecx;
		d->msr.is_write = e->write != 0;
		d->msr.failed = e->exception != 0;
		d->msr.value = e->data;
		break;
	}
	case XS_EV_CR: {
		const struct xs_ev_cr *e = (const void *)h;
		r->detail_kind = XS_D_CR;
		d->cr.cr = e->cr;
		d->cr.is_write = e->rw != 0;
		d->cr.value = e->val;
		break;
	}
	case XS_EV_CPUID:
		cpuid_detail(r, (const void *)h);
		break;
	case XS_EV_HYPERCALL: {
		const struct xs_ev_hypercall *e = (const void *)h;
		r->detail_kind = XS_D_HYPERCALL;
		d->hypercall.nr = e->nr;
		for (int i = 0; i < 4; i++)
			d->hypercall.args[i] = e->a[i];
		break;
	}
	case XS_EV_INJ_EXC: {
		const struct xs_ev_inj_exc *e = (const void *)h;
		r->detail_kind = XS_D_EXCEPTION;
		d->exception.vector = e->exception;
		d->exception.has_error = e->has_error != 0;
		d->exception.reinjected = e->reinjected != 0;
		d->exception.error_code = e->has_error ? e->error_code : 0;
		break;
	}
	case XS_EV_PAGE_FAULT: {
		const struct xs_ev_page_fault *e = (const void *)h;
		r->detail_kind = XS_D_PAGE_FAULT;
		d->page_fault.address = e->address;
		d->page_fault.error_code = e->error_code;
		break;
	}
	case XS_EV_EMULATE:
		emulate_detail(r, (const void *)h);
		break;
	default:
		r->detail_kind = XS_D_NONE;
		break;
	}
}

/* The guest RIP some detail events carry, for records that have none yet. */
static void take_rip(struct xs_exit_record *r, const struct xs_ev_hdr *h)
{
	if (r->flags & XS_F_RIP)
		return;
	if (h->type == XS_EV_PAGE_FAULT) {
		const struct xs_ev_page_fault *e = (const void *)h;
		if (!(e->fields & XS_EVPF_RIP))
			return;
		r->guest_rip = e->rip;
	} else if (h->type == XS_EV_EMULATE) {
		r->guest_rip = ((const struct xs_ev_emulate *)h)->rip;
	} else if (h->type == XS_EV_NESTED_EXIT) {
		r->guest_rip = ((const struct xs_ev_exit *)h)->rip;
	} else {
		return;
	}
	r->flags |= XS_F_RIP;
}

/* Does event h bring the data a host-mode record waits for? */
static bool completes(const struct track *t, const struct xs_ev_hdr *h)
{
	if (!t->open)
		return false;
	if (t->await == AWAIT_PIO_IN && h->type == XS_EV_PIO) {
		const struct xs_ev_pio *e = (const void *)h;
		/* the port is known when the userspace exit's struct kvm_run was copied */
		return e->rw == 0 && (t->rec.detail_kind != XS_D_IO || t->rec.detail.io.port == e->port);
	}
	if (t->await == AWAIT_MMIO_READ && h->type == XS_EV_MMIO) {
		const struct xs_ev_mmio *e = (const void *)h;
		return e->type == XS_EV_MMIO_READ && e->gpa == t->rec.detail.mmio.gpa;
	}
	return false;
}

/* A detail event joining the open exit of a hardware-mode thread. */
static void join_detail(struct xs_joiner *j, struct track *t, const struct xs_ev_hdr *h)
{
	struct xs_exit_record *r = &t->rec;
	take_rip(r, h);
	if (h->type == XS_EV_PAGE_FAULT && !(r->flags & XS_F_GUEST_PHYS)) {
		/* SVM NPF carries the GPA in EXITINFO2 already; VMX EPT exits get it from KVM's fault. */
		bool tdp = (r->isa == XS_ISA_VMX &&
			    (XS_VMX_BASIC_REASON(r->reason) == 48 || XS_VMX_BASIC_REASON(r->reason) == 49)) ||
			   (r->isa == XS_ISA_SVM && r->reason == 0x400);
		if (tdp) {
			r->guest_phys = ((const struct xs_ev_page_fault *)h)->address;
			r->flags |= XS_F_GUEST_PHYS;
		}
	}
	if (is_primary(h->type)) {
		if (!t->primary) {
			uint64_t keep_phys = r->guest_phys;
			uint16_t had_phys = r->flags & XS_F_GUEST_PHYS;
			set_detail(r, h);
			if (had_phys && h->type != XS_EV_MMIO) {
				r->guest_phys = keep_phys;
				r->flags |= XS_F_GUEST_PHYS;
			}
			t->primary = true;
		} else if (r->detail_kind == XS_D_IO && h->type == XS_EV_PIO) {
			/* an IN completed with the VMM's data */
			r->detail.io.value = ((const struct xs_ev_pio *)h)->val;
		} else if (r->detail_kind == XS_D_MMIO && h->type == XS_EV_MMIO) {
			const struct xs_ev_mmio *e = (const void *)h;
			if (e->type == XS_EV_MMIO_READ)
				r->detail.mmio.value = e->val;
		} else {
			j->st.details_folded++;
		}
		return;
	}
	if (r->detail_kind == XS_D_NONE)
		set_detail(r, h);
}

static void on_uexit(struct xs_joiner *j, struct track *t, const struct xs_ev_uexit *e)
{
	const struct xs_ev_hdr *h = &e->h;
	struct xs_exit_record *r = &t->rec;
	bool joins;
	if (t->hw)
		joins = t->open && t->is_exit && !t->uexit;
	else
		joins = t->open && !t->is_exit && !t->uexit && t->joinable &&
			xs_col_uexit_joins((uint8_t)r->reason, t->key, e->reason, e->have_run ? e->run : NULL);
	if (!joins) {
		if (t->hw)
			j->st.unjoined++;
		r = open_record(j, t, h, XS_ISA_HOST_EVENT, XS_HEV_USERSPACE_EXIT);
		if (t->hw)
			r->flags |= XS_F_UNJOINED;
	}
	t->uexit = e->reason ? e->reason : 0xffffffffu;
	r->flags |= XS_F_USERSPACE;
	if (r->isa == XS_ISA_HOST_EVENT) {
		r->qualification = e->reason;
		r->info2 = (uint64_t)(int64_t)(int32_t)e->err;
	}
	if (!t->primary && e->have_run && r->detail_kind == XS_D_NONE)
		xs_fill_detail_from_head(r, e->run, sizeof(e->run), e->reason);
	if (xs_col_answer_at_next_run(e->reason))
		t->await = AWAIT_RUN;
	else if (!t->hw && e->reason == KVM_EXIT_IO && !t->primary)
		t->await = AWAIT_PIO_IN;
	else if (!t->hw && e->reason == KVM_EXIT_MMIO && r->detail_kind == XS_D_MMIO && !r->detail.mmio.is_write)
		t->await = AWAIT_MMIO_READ;
}

static void on_run(struct xs_joiner *j, struct track *t, const struct xs_ev_run *e)
{
	if (!t->open || t->await != AWAIT_RUN) {
		j->st.orphan_runs++;
		return;
	}
	struct xs_exit_record *r = &t->rec;
	if (!t->primary) {
		/* The VMM's answer (RDMSR data, error, hypercall result) is in this copy; the rest is unchanged. */
		uint32_t reason = t->uexit;
		uint16_t flags = r->flags;
		xs_fill_detail_from_head(r, e->run, sizeof(e->run), reason);
		r->flags |= flags;
	}
	t->await = AWAIT_NONE;
	if (!t->hw)
		close_record(j, t);
}

/* ---- kvm_exit and kvm_entry ---- */

static void fill_exit(struct xs_exit_record *r, const struct xs_ev_exit *e)
{
	if (e->isa == XS_ISA_VMX || e->isa == XS_ISA_SVM)
		r->isa = (uint8_t)e->isa;
	if (e->fields & XS_EVX_REASON)
		r->reason = e->reason;
	if (e->fields & XS_EVX_INFO1)
		r->qualification = e->info1;
	if (e->fields & XS_EVX_INFO2)
		r->info2 = e->info2;
	if (e->fields & XS_EVX_INTR) {
		r->intr_info = e->intr_info;
		r->error_code = e->error_code;
		r->flags |= XS_F_INTR_INFO;
	}
	if (e->fields & XS_EVX_RIP) {
		r->guest_rip = e->rip;
		r->flags |= XS_F_RIP;
	}
	if (e->fields & XS_EVX_IDT_VEC) {
		r->idt_vectoring_info = e->idt_vectoring_info;
		r->flags |= XS_F_IDT_VECTORING;
		if (r->isa == XS_ISA_VMX && !(e->fields & XS_EVX_INFO2))
			r->info2 = e->idt_vectoring_info; /* what KVM's kvm_exit reports as info2 on VMX */
	}
	if (r->isa == XS_ISA_SVM && r->reason == 0x400 && (e->fields & XS_EVX_INFO2)) {
		r->guest_phys = e->info2; /* NPF: EXITINFO2 is the faulting guest-physical address */
		r->flags |= XS_F_GUEST_PHYS;
	}
	const struct xs_ev_vcpu_regs *regs = xs_ev_exit_regs(e);
	if (regs) {
		xs_col_guest_state(&r->gs, r->isa, regs, xs_ev_exit_svm_save(e));
		r->flags |= XS_F_GUEST_STATE;
		if (!(r->flags & XS_F_RIP) && (r->gs.valid & XS_GS_RIP)) {
			r->guest_rip = r->gs.rip;
			r->flags |= XS_F_RIP;
		}
	}
}

static void on_kvm_exit(struct xs_joiner *j, struct track *t, const struct xs_ev_exit *e)
{
	const struct xs_ev_hdr *h = &e->h;
	uint8_t half = h->type == XS_EV_EXIT ? HALF_BTF : HALF_TP;
	t->hw = true;
	struct xs_exit_record *r = &t->rec;
	/* The other half of the same kvm_exit hit: adjacent on the thread, same reason when both know it. */
	if (j->cfg.merge_halves && t->open && t->is_exit && !t->since_exit && t->halves && !(t->halves & half) &&
	    (!(e->fields & XS_EVX_REASON) || !t->reason_known || e->reason == r->reason)) {
		if (half == HALF_TP) {
			/* the classic half is KVM's own reading of the exit fields: it wins */
			fill_exit(r, e);
		} else {
			struct xs_exit_record keep = *r;
			fill_exit(r, e);
			r->reason = keep.reason;
			r->qualification = keep.qualification;
			r->info2 = keep.info2;
			r->intr_info = keep.intr_info;
			r->error_code = keep.error_code;
			r->guest_rip = keep.guest_rip;
			r->flags |= keep.flags & (XS_F_INTR_INFO | XS_F_RIP);
		}
		t->halves |= half;
		t->reason_known |= (e->fields & XS_EVX_REASON) != 0;
		return;
	}
	r = open_record(j, t, h, XS_ISA_UNKNOWN, 0);
	t->is_exit = true;
	t->halves = half;
	t->reason_known = (e->fields & XS_EVX_REASON) != 0;
	fill_exit(r, e);
}

static void on_kvm_entry(struct xs_joiner *j, struct track *t, const struct xs_ev_hdr *h)
{
	t->hw = true;
	if (!t->open || !t->is_exit) {
		j->st.orphan_entries++;
		return;
	}
	struct xs_exit_record *r = &t->rec;
	r->latency_ns = h->ts >= r->ts ? h->ts - r->ts : 0;
	r->flags |= XS_F_LATENCY;
	close_record(j, t);
}

/* ---- dispatch ---- */

static void on_detail(struct xs_joiner *j, struct track *t, const struct xs_ev_hdr *h)
{
	if (t->hw) {
		if (t->open && t->is_exit) {
			join_detail(j, t, h);
			return;
		}
		/* No exit to join: keep the event as a record of its own, flagged, counted. */
		j->st.unjoined++;
		struct xs_exit_record *r = open_record(j, t, h, XS_ISA_HOST_EVENT, xs_col_host_reason_of(h->type));
		r->flags |= XS_F_UNJOINED;
		set_detail(r, h);
		take_rip(r, h);
		close_record(j, t);
		return;
	}
	struct xs_exit_record *r = &t->rec;
	if (completes(t, h)) {
		if (t->await == AWAIT_PIO_IN) {
			/* The IN's userspace exit came first: the record becomes the port access it was. */
			uint16_t flags = r->flags;
			set_detail(r, h);
			r->flags |= flags;
			r->reason = XS_HEV_PIO;
		} else {
			r->detail.mmio.value = ((const struct xs_ev_mmio *)h)->val;
			r->reason = XS_HEV_MMIO;
		}
		t->primary = true;
		t->await = AWAIT_NONE;
		close_record(j, t);
		return;
	}
	r = open_record(j, t, h, XS_ISA_HOST_EVENT, xs_col_host_reason_of(h->type));
	set_detail(r, h);
	take_rip(r, h);
	t->primary = is_primary(h->type);
	t->joinable = xs_col_host_joinable(h, &t->key);
}

void xs_joiner_feed(struct xs_joiner *j, const struct xs_ev_hdr *h)
{
	j->st.events++;
	struct track *t = track_of(j, h->tid);
	t->last_ts = h->ts;
	if (h->vcpu != XS_EV_VCPU_UNKNOWN) {
		t->vcpu = h->vcpu;
		if (t->open && t->rec.vcpu == XS_EV_VCPU_UNKNOWN)
			t->rec.vcpu = h->vcpu;
	}
	switch (h->type) {
	case XS_EV_EXIT:
	case XS_EV_EXIT_TP:
		on_kvm_exit(j, t, (const struct xs_ev_exit *)h);
		return; /* since_exit stays false: the other half may follow */
	case XS_EV_ENTRY:
		on_kvm_entry(j, t, h);
		break;
	case XS_EV_UEXIT:
		on_uexit(j, t, (const struct xs_ev_uexit *)h);
		break;
	case XS_EV_RUN:
		on_run(j, t, (const struct xs_ev_run *)h);
		break;
	default:
		on_detail(j, t, h);
		break;
	}
	t->since_exit = true;
}

struct idle_walk {
	struct xs_joiner *j;
	uint64_t now, idle;
	bool all;
};

static void close_idle(void *ctx, uint32_t tid, void *value)
{
	(void)tid;
	struct idle_walk *w = ctx;
	struct track *t = value;
	if (!t->open)
		return;
	if (!w->all && (t->hw || t->await != AWAIT_NONE || w->now <= t->last_ts || w->now - t->last_ts < w->idle))
		return;
	close_record(w->j, t);
}

void xs_joiner_flush_idle(struct xs_joiner *j, uint64_t now_ns, uint64_t idle_ns)
{
	struct idle_walk w = {j, now_ns, idle_ns, false};
	xs_tidmap_each(j->tracks, close_idle, &w);
}

void xs_joiner_flush(struct xs_joiner *j)
{
	struct idle_walk w = {j, 0, 0, true};
	xs_tidmap_each(j->tracks, close_idle, &w);
}
