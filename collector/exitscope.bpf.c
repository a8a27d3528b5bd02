// SPDX-License-Identifier: GPL-2.0
/*
 * exitscope's kernel side: one small program per KVM tracepoint, writing ring events (collector/events.h)
 * into one BPF ring buffer. It only captures and filters; user space joins the events of a vCPU into exit
 * records (collector/joiner.c).
 *
 * Portability: every KVM structure is declared here as a CO-RE "flavour" (name___xs) holding only the fields
 * read, so the object loads on kernels with KVM built in or as modules (whose BTF libbpf searches too), on
 * VMX, SVM and other vendors (the PVM host this project is developed on), whatever vmlinux.h it was built
 * against. Fields that differ between kernels are read by name with their real size.
 *
 * Classic tracepoint programs return 1 so that perf and other tracers on the same event still see it.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collector/events.h"
#include "collector/agg_map.h"
#include "collector/bpf_config.h"
#include "collector/kvm_core.bpf.h"
#include "collector/kread.bpf.h"

char LICENSE[] SEC("license") = "GPL"; /* kvm tracepoints and bpf_probe_read_kernel need a GPL program */

/* ---- configuration, fixed before load (collector/bpf_config.h) ---- */

const volatile struct xs_bpf_config cfg = {};

/* Set by user space when it stops: detaching takes the kernel tens of ms per tracepoint, this is instant. */
volatile __u32 stopped;

/* Aggregation mode: also stream every exit through the ring while set (a dashboard pane that shows single exits). */
volatile __u32 agg_stream;

/* ---- maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space sets the real size */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct xs_bpf_counters);
} counters SEC(".maps");

struct vcpu_cache {
	u64 notifier;
	u64 pid_tgid;
	u32 vcpu_id;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vcpu_cache);
} vcpu_cache SEC(".maps");

/* Aggregation mode, hardware mode: the cell of the thread's current exit, whose kvm_entry adds its latency. */
struct agg_pending {
	u64 ts; /* kvm_exit time; 0: no exit pending */
	u64 detail;
	u32 reason;
	u32 vcpu;
	u8 isa;
	u8 detail_kind;
	u8 pad[6];
};

/*
 * Per vCPU thread: which vCPU it runs, and the filter decision of its current exit. Task-local storage: found
 * from the task itself (no hashing, several times cheaper than a hash map here), never evicted, freed with
 * the thread.
 */
struct tid_state {
	u64 vcpu; /* struct kvm_vcpu * of the thread's last KVM_RUN */
	u64 run;  /* its struct kvm_run * */
	u32 vcpu_id;
	u8 skip;     /* the current exit was filtered or sampled out: drop its events */
	u8 kind;     /* host mode: host-event reason of the current exit (enum xs_host_event) */
	u8 uexit;    /* KVM_EXIT_* of the userspace exit joined to it, 0 if none yet */
	u8 need_run; /* the VMM's answer (RDMSR data, MSR error, hypercall ret) arrives at the next KVM_RUN */
	u8 joinable; /* host mode: a userspace exit may still join the current exit ... */
	u8 pad[7];
	u64 key;	       /* ... if its struct kvm_run repeats this port / address / hypercall number */
	struct agg_pending ag; /* aggregation mode: the exit counted and waiting for its kvm_entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tid_state);
} tids SEC(".maps");

/* Aggregation mode (cfg.aggregate): counts and latency histograms per cell, instead of ring events. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XS_AGG_DEFAULT_CELLS); /* user space sets the real size */
	__type(key, struct xs_agg_map_key);
	__type(value, struct xs_agg_map_val);
} agg SEC(".maps");

/* A new cell's first value (too large for the BPF stack). */
const struct xs_agg_map_val agg_zero = {};

/* ---- helpers ---- */

/*
 * A field of a classic tracepoint's record: a direct load from the context, its offset (and width) relocated
 * by CO-RE to the running kernel's layout. No helper call: the fields are the hot path of every event.
 */
#define TP_FIELD(field) ((u64)(field))

static __always_inline struct xs_bpf_counters *ctr(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

#define COUNT(field)                                 \
	do {                                         \
		struct xs_bpf_counters *__c = ctr(); \
		if (__c)                             \
			__c->field++;                \
	} while (0)

/* The vCPU loaded on this thread: KVM registers the vCPU's preempt notifier on the task in vcpu_load(). */
static __always_inline struct kvm_vcpu___xs *loaded_vcpu(struct hlist_node **first_out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct hlist_node *first = task->preempt_notifiers.first;
	*first_out = first;
	if (!first)
		return NULL;
	return (struct kvm_vcpu___xs *)((char *)first - bpf_core_field_offset(struct kvm_vcpu___xs, preempt_notifier));
}

static __always_inline u32 vcpu_id_of(struct kvm_vcpu___xs *vcpu)
{
	if (!vcpu)
		return XS_EV_VCPU_UNKNOWN;
	u64 id;
	if (kread_word(&id, &vcpu->vcpu_id))
		return XS_EV_VCPU_UNKNOWN;
	return (u32)id; /* int vcpu_id: the low half */
}

/*
 * The vCPU id of the running thread, remembered per CPU by notifier address and thread: the same thread on the
 * same vCPU costs one load from the task instead of a kernel read.
 */
static __always_inline u32 current_vcpu_id(u64 pid_tgid)
{
	struct hlist_node *first;
	struct kvm_vcpu___xs *vcpu = loaded_vcpu(&first);
	if (!vcpu)
		return XS_EV_VCPU_UNKNOWN;
	u32 zero = 0;
	struct vcpu_cache *c = bpf_map_lookup_elem(&vcpu_cache, &zero);
	if (c && c->notifier == (u64)first && c->pid_tgid == pid_tgid)
		return c->vcpu_id;
	u32 id = vcpu_id_of(vcpu);
	if (c) {
		c->notifier = (u64)first;
		c->pid_tgid = pid_tgid;
		c->vcpu_id = id;
	}
	return id;
}

static __always_inline bool pid_ok(u64 pid_tgid)
{
	return !stopped && (!cfg.tgid || (u32)(pid_tgid >> 32) == cfg.tgid);
}

static __always_inline bool vcpu_ok(u32 vcpu)
{
	return !cfg.vcpu_filter || vcpu == cfg.vcpu;
}

/*
 * nwords is a power of two. The range check is the meaning; the mask after the empty asm is for the verifier,
 * which otherwise sees the compiler index the map with a register it never bounded.
 */
static __always_inline bool bit_set(const volatile u32 *map, u32 nwords, u32 bit)
{
	if (bit >= nwords * 32)
		return false;
	u32 w = bit / 32;
	asm volatile("" : "+r"(w));
	w &= nwords - 1;
	return (map[w] >> (bit % 32)) & 1;
}

/* Reason filter: the exit's reason in the isa's set. */
static __always_inline bool reason_ok(u32 isa, u32 reason)
{
	if (!cfg.reason_filter)
		return true;
	if (isa == XS_ISA_VMX)
		return bit_set(cfg.vmx_reasons, XS_BPF_VMX_WORDS, reason & 0xffff);
	if (isa == XS_ISA_SVM) {
		if (reason >= XS_BPF_SVM_WORDS * 32)
			return cfg.svm_other;
		return bit_set(cfg.svm_reasons, XS_BPF_SVM_WORDS, reason);
	}
	if (isa == XS_ISA_HOST_EVENT)
		return (cfg.host_reasons >> (reason & 31)) & 1;
	return false;
}

/* 1-in-N sampling of exits (per CPU). */
static __always_inline bool sample_ok(void)
{
	if (cfg.sample_n <= 1)
		return true;
	struct xs_bpf_counters *c = ctr();
	if (!c)
		return true;
	return c->sample_tick++ % cfg.sample_n == 0;
}

/* The filter decision for a new exit; counted. */
static __always_inline bool decide(u32 isa, u32 reason)
{
	if (!reason_ok(isa, reason)) {
		COUNT(filtered);
		return false;
	}
	if (!sample_ok()) {
		COUNT(sampled_out);
		return false;
	}
	return true;
}

/* The running thread's state, or NULL if it has none yet. */
static __always_inline struct tid_state *state_of(void)
{
	return bpf_task_storage_get(&tids, bpf_get_current_task_btf(), NULL, 0);
}

/* The running thread's state, created if needed (NULL only if the kernel cannot allocate it). */
static __always_inline struct tid_state *state_get(void)
{
	struct tid_state fresh = {.vcpu_id = XS_EV_VCPU_UNKNOWN};
	return bpf_task_storage_get(&tids, bpf_get_current_task_btf(), &fresh, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

static __always_inline void *ev_reserve(u64 size, u8 type, u64 pid_tgid, u32 vcpu)
{
	struct xs_ev_hdr *h = bpf_ringbuf_reserve(&rb, size, 0);
	if (!h) {
		COUNT(ring_full);
		return NULL;
	}
	h->type = type;
	h->flags = cfg.sample_n > 1 ? XS_EVH_SAMPLED : 0;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->ts = bpf_ktime_get_ns();
	h->vcpu = vcpu;
	h->pad = 0;
	return h;
}

/*
 * Submit without waking the consumer, except each time this CPU has written another 2^wakeup_shift bytes
 * (user space divides the wake-up mark by the number of CPUs): one wake-up per thousands of events, not one
 * per event, which made the traced workload 3.6x slower. A per-CPU count costs no helper call, unlike asking
 * the ring how much it holds. The consumer also polls with a timeout, so a quiet ring is still drained.
 */
static __always_inline void ev_submit(void *e)
{
	u64 flags = BPF_RB_NO_WAKEUP;
	struct xs_bpf_counters *c = ctr();
	if (c) {
		u64 before = c->bytes;
		c->bytes = before + ((struct xs_ev_hdr *)e)->size + 8; /* with the ring's own record header */
		if (before >> cfg.wakeup_shift != c->bytes >> cfg.wakeup_shift) {
			flags = BPF_RB_FORCE_WAKEUP;
			c->wakeups++;
		}
	}
	bpf_ringbuf_submit(e, flags);
}

/*
 * Whether an event that belongs to the current exit of its thread passes: the exit's decision, made by
 * kvm_exit (hardware mode) or by the first host event of the exit (host mode). Only tracked while a reason
 * filter or sampling is on.
 */
static __always_inline bool follows_exit(void)
{
	if (!cfg.track_exits)
		return true;
	struct tid_state *st = state_of();
	return !st || !st->skip;
}

/*
 * What a per-cause event means for the exit it is part of, in host mode (collector/host_rules.c has the same
 * rules for user space): it completes the current exit (an IN whose userspace exit came first: kind
 * USERSPACE_EXIT, uexit IO; an MMIO read whose data the VMM supplied: kind MMIO, uexit MMIO), or it opens a
 * new one, which a userspace exit may then join if the event is an OUT, an MMIO write or unsatisfied read or a
 * hypercall whose port / address / number (key) the exit's struct kvm_run repeats.
 */
struct host_ev {
	u32 reason; /* enum xs_host_event */
	u8 completes_kind;
	u8 completes_uexit;
	u8 joinable;
	u64 key;
};

/* Host mode: whether the event completes the thread's current exit (true) or opens a new one, decided. */
static __always_inline bool host_step(struct tid_state *st, const struct host_ev *he)
{
	if (he->completes_kind && st->kind == he->completes_kind && st->uexit == he->completes_uexit) {
		st->uexit = 0;
		st->kind = 0;
		st->joinable = 0;
		return true;
	}
	st->skip = !decide(XS_ISA_HOST_EVENT, he->reason);
	st->kind = he->reason;
	st->uexit = 0;
	st->joinable = he->joinable;
	st->key = he->key;
	return false;
}

static __always_inline bool host_event_ok(const struct host_ev *he)
{
	if (!cfg.track_exits || cfg.hw_mode)
		return true;
	struct tid_state *st = state_get();
	if (!st)
		return true;
	host_step(st, he);
	return !st->skip;
}

/* Hardware mode: details follow their kvm_exit; host mode: they are the exits. */
static __always_inline bool detail_ok(const struct host_ev *he)
{
	return cfg.hw_mode ? follows_exit() : host_event_ok(he);
}

/* Process and vCPU filters of a detail event; its vCPU id. */
static __always_inline bool detail_wanted(u64 pid_tgid, u32 *vcpu_id)
{
	if (!pid_ok(pid_tgid))
		return false;
	*vcpu_id = current_vcpu_id(pid_tgid);
	if (!vcpu_ok(*vcpu_id)) {
		COUNT(filtered);
		return false;
	}
	return true;
}

/* ---- aggregation mode (cfg.aggregate) ----
 *
 * The same exits as the joiner makes of the ring events (collector/joiner.c), counted where they are decided:
 * hardware mode at kvm_exit (the latency at its kvm_entry), host mode at the per-cause event or unexplained
 * userspace exit that opens one. Nothing is reserved, so nothing can be dropped; a cell the map has no room
 * for is counted in agg_full.
 */

#define XS_EEXIST 17

static __always_inline struct xs_agg_map_val *agg_cell(u32 pid, u32 vcpu, u8 isa, u32 reason, u8 dkind, u64 detail)
{
	struct xs_agg_map_key k = {
		.pid = pid, .vcpu = vcpu, .reason = reason, .isa = isa, .detail_kind = dkind, .detail = detail};
	struct xs_agg_map_val *v = bpf_map_lookup_elem(&agg, &k);
	if (v)
		return v;
	long e = bpf_map_update_elem(&agg, &k, (void *)&agg_zero, BPF_NOEXIST);
	if (e && e != -XS_EEXIST) {
		COUNT(agg_full);
		return NULL;
	}
	v = bpf_map_lookup_elem(&agg, &k);
	if (!v)
		COUNT(agg_full);
	return v;
}

static __always_inline void agg_add(u32 pid, u32 vcpu, u8 isa, u32 reason, u8 dkind, u64 detail, u64 n)
{
	struct xs_agg_map_val *v = agg_cell(pid, vcpu, isa, reason, dkind, detail);
	if (v)
		v->count += n; /* n = (u64)-1 takes one away (a count moving to another cell of this CPU) */
}

/* floor(log2(ns)) + 1, 0 for 0, capped: the bucket of collector/agg_map.h. */
static __always_inline u32 lat_bucket(u64 ns)
{
	u32 b = 0;
	if (ns >> 32) {
		b += 32;
		ns >>= 32;
	}
	if (ns >> 16) {
		b += 16;
		ns >>= 16;
	}
	if (ns >> 8) {
		b += 8;
		ns >>= 8;
	}
	if (ns >> 4) {
		b += 4;
		ns >>= 4;
	}
	if (ns >> 2) {
		b += 2;
		ns >>= 2;
	}
	if (ns >> 1) {
		b += 1;
		ns >>= 1;
	}
	b += (u32)ns;
	return b < XS_AGG_LAT_BUCKETS ? b : XS_AGG_LAT_BUCKETS - 1;
}

/* Hardware mode: a kept kvm_exit is counted now and remembered for its kvm_entry. */
static __always_inline void agg_exit(u64 pid_tgid, u32 vcpu, u32 isa, u32 reason)
{
	struct tid_state *st = state_get();
	if (!st) {
		COUNT(agg_full);
		return;
	}
	agg_add(pid_tgid >> 32, vcpu, isa, reason, XS_AGG_D_NONE, 0, 1);
	st->ag.ts = bpf_ktime_get_ns();
	st->ag.reason = reason;
	st->ag.vcpu = vcpu;
	st->ag.isa = isa;
	st->ag.detail_kind = XS_AGG_D_NONE;
	st->ag.detail = 0;
}

/* Hardware mode: kvm_pio / kvm_msr name the port or MSR of the pending exit: its count moves to that cell. */
static __always_inline void agg_exit_detail(u64 pid_tgid, u8 dkind, u64 detail)
{
	struct tid_state *st = state_of();
	if (!st || !st->ag.ts || st->ag.detail_kind != XS_AGG_D_NONE)
		return;
	u32 pid = pid_tgid >> 32;
	agg_add(pid, st->ag.vcpu, st->ag.isa, st->ag.reason, XS_AGG_D_NONE, 0, (u64)-1);
	agg_add(pid, st->ag.vcpu, st->ag.isa, st->ag.reason, dkind, detail, 1);
	st->ag.detail_kind = dkind;
	st->ag.detail = detail;
}

/* Hardware mode: kvm_entry ends the pending exit: its latency goes into the exit's cell. */
static __always_inline void agg_entry(u64 pid_tgid)
{
	struct tid_state *st = state_of();
	if (!st || !st->ag.ts)
		return;
	u64 now = bpf_ktime_get_ns();
	u64 lat = now > st->ag.ts ? now - st->ag.ts : 0;
	st->ag.ts = 0;
	struct xs_agg_map_val *v =
		agg_cell(pid_tgid >> 32, st->ag.vcpu, st->ag.isa, st->ag.reason, st->ag.detail_kind, st->ag.detail);
	if (!v)
		return;
	v->lat_count++;
	v->lat_sum += lat;
	if (lat > v->lat_max)
		v->lat_max = lat;
	/* the mask is for the verifier (6.1 loses the bound of lat_bucket's result): the range is 0..63 anyway */
	u64 b = lat_bucket(lat);
	asm volatile("" : "+r"(b));
	v->hist[b & (XS_AGG_LAT_BUCKETS - 1)]++;
}

/*
 * Host mode: a userspace IO exit no host event explains is an IN, which becomes a PIO exit when KVM takes the
 * VMM's data (kvm_pio completes it, agg_host_event). It is counted then, or as the userspace exit it stayed when
 * the thread's next exit opens first (as the joiner does); never counted first and moved, so a reader's
 * counts only grow. pend: the thread's state before that next exit's step.
 */
struct agg_pend {
	u8 kind, uexit, skip;
};

static __always_inline struct agg_pend agg_pend_of(const struct tid_state *st)
{
	return (struct agg_pend){st->kind, st->uexit, st->skip};
}

static __always_inline void agg_superseded(u32 pid, u32 vcpu, struct agg_pend p)
{
	if (p.kind == XS_HEV_USERSPACE_EXIT && p.uexit == KVM_EXIT_IO && !p.skip)
		agg_add(pid, vcpu, XS_ISA_HOST_EVENT, XS_HEV_USERSPACE_EXIT, XS_AGG_D_NONE, 0, 1);
}

/*
 * Host mode: the per-cause event either opens an exit (counted under its reason and detail) or completes the
 * current one: an IN whose userspace exit came first is counted as the port access it was.
 */
static __always_inline bool agg_host_event(u64 pid_tgid, u32 vcpu, const struct host_ev *he, u8 dkind, u64 detail)
{
	struct tid_state *st = state_get();
	if (!st) {
		COUNT(agg_full);
		return true;
	}
	u32 pid = pid_tgid >> 32;
	struct agg_pend before = agg_pend_of(st);
	if (host_step(st, he)) {
		if (!st->skip && he->completes_kind == XS_HEV_USERSPACE_EXIT)
			agg_add(pid, vcpu, XS_ISA_HOST_EVENT, he->reason, dkind, detail, 1);
		return !st->skip;
	}
	agg_superseded(pid, vcpu, before);
	if (!st->skip)
		agg_add(pid, vcpu, XS_ISA_HOST_EVENT, he->reason, dkind, detail, 1);
	return !st->skip;
}

/* A detail event in aggregation mode (after detail_wanted): counted; whether its exit is kept (for the stream). */
static __always_inline bool agg_detail(u64 pid_tgid, u32 vcpu, const struct host_ev *he, u8 dkind, u64 detail)
{
	if (!cfg.hw_mode)
		return agg_host_event(pid_tgid, vcpu, he, dkind, detail);
	if (dkind != XS_AGG_D_NONE)
		agg_exit_detail(pid_tgid, dkind, detail);
	return follows_exit();
}

/* Whether the per-exit path goes on with a detail event: aggregation mode counts it here, and streams it only on
 * demand. */
static __always_inline bool detail_passes(u64 pid_tgid, u32 vcpu, const struct host_ev *he, u8 dkind, u64 detail)
{
	if (cfg.aggregate) {
		bool keep = agg_detail(pid_tgid, vcpu, he, dkind, detail);
		return keep && agg_stream;
	}
	return detail_ok(he);
}

/* ---- kvm_exit ---- */

static __always_inline void read_svm_exit(struct kvm_vcpu___xs *vcpu, struct xs_ev_exit *e, struct xs_ev_svm_save *save)
{
	struct vcpu_svm___xs *svm = (void *)vcpu;
	u64 vmcb_addr;
	if (kread_word(&vmcb_addr, &svm->vmcb) || !vmcb_addr)
		return;
	struct vmcb___xs *vmcb = (void *)vmcb_addr;
	e->reason = KREAD_UINT(vmcb->control.exit_code);
	e->info1 = KREAD_UINT(vmcb->control.exit_info_1);
	e->info2 = KREAD_UINT(vmcb->control.exit_info_2);
	e->intr_info = KREAD_UINT(vmcb->control.exit_int_info);
	e->error_code = KREAD_UINT(vmcb->control.exit_int_info_err);
	e->fields |= XS_EVX_REASON | XS_EVX_INFO1 | XS_EVX_INFO2 | XS_EVX_INTR;
	if (!save)
		return;
	save->nested_ctl = KREAD_UINT(vmcb->control.nested_ctl);
	save->int_ctl = KREAD_UINT(vmcb->control.int_ctl);
	if (save->nested_ctl & 4) /* SEV-ES: the save area is encrypted */
		return;
	/* ES..TR are ten consecutive 16-byte vmcb_seg entries on every kernel. */
	if (kread_words((u64 *)save->seg, sizeof(save->seg) / 8, &vmcb->save.es)) {
		COUNT(read_fail);
		return;
	}
	save->efer = KREAD_UINT(vmcb->save.efer);
	save->cr4 = KREAD_UINT(vmcb->save.cr4);
	save->cr3 = KREAD_UINT(vmcb->save.cr3);
	save->cr0 = KREAD_UINT(vmcb->save.cr0);
	save->dr7 = KREAD_UINT(vmcb->save.dr7);
	save->dr6 = KREAD_UINT(vmcb->save.dr6);
	save->rflags = KREAD_UINT(vmcb->save.rflags);
	save->rip = KREAD_UINT(vmcb->save.rip);
	save->rsp = KREAD_UINT(vmcb->save.rsp);
	save->rax = KREAD_UINT(vmcb->save.rax);
	save->cr2 = KREAD_UINT(vmcb->save.cr2);
	e->fields |= XS_EVX_SVM_SAVE;
}

static __always_inline void read_vmx_exit(struct kvm_vcpu___xs *vcpu, struct xs_ev_exit *e, u32 regs_avail)
{
	struct vcpu_vmx___xs *vmx = (void *)vcpu;
	e->reason = KREAD_UINT(vmx->exit_reason.full);
	e->idt_vectoring_info = KREAD_UINT(vmx->idt_vectoring_info);
	e->fields |= XS_EVX_REASON | XS_EVX_IDT_VEC;
	/* KVM reads the qualification and interruption info from the VMCS lazily: take them only if cached. */
	if (regs_avail & (1u << KVM_EXREG_EXIT_INFO_1)) {
		e->info1 = KREAD_UINT(vmx->exit_qualification);
		e->fields |= XS_EVX_INFO1;
	}
	if (regs_avail & (1u << KVM_EXREG_EXIT_INFO_2)) {
		e->intr_info = KREAD_UINT(vmx->exit_intr_info);
		e->fields |= XS_EVX_INTR;
	}
}

static __always_inline void fill_exit_btf(struct xs_ev_exit *e, struct kvm_vcpu___xs *vcpu, u32 isa,
					  struct xs_ev_vcpu_regs *regs, struct xs_ev_svm_save *save)
{
	e->isa = isa;
	e->fields = 0;
	/* vcpu is the tracepoint's own typed argument: struct kvm_vcpu's fields are direct loads */
	u32 regs_avail = vcpu->arch.regs_avail;
	if (regs_avail & (1u << 16)) {
		e->rip = vcpu->arch.regs[16];
		e->fields |= XS_EVX_RIP;
	}
	if (regs) {
		regs->regs_avail = regs_avail;
		regs->pad = 0;
#pragma unroll
		for (int i = 0; i < 17; i++)
			regs->regs[i] = vcpu->arch.regs[i];
		regs->cr0 = vcpu->arch.cr0;
		regs->cr2 = vcpu->arch.cr2;
		regs->cr3 = vcpu->arch.cr3;
		regs->cr4 = vcpu->arch.cr4;
		regs->efer = vcpu->arch.efer;
		e->fields |= XS_EVX_REGS;
	}
	if (isa == XS_ISA_SVM && bpf_core_type_exists(struct vcpu_svm___xs))
		read_svm_exit(vcpu, e, save);
	else if (isa == XS_ISA_VMX && bpf_core_type_exists(struct vcpu_vmx___xs))
		read_vmx_exit(vcpu, e, regs_avail);
}

/* The exit's filter decision, remembered for its detail events and kvm_entry. */
static __always_inline bool exit_decision(u32 isa, u32 reason, bool reason_known)
{
	if (!cfg.track_exits)
		return true;
	bool keep = reason_known ? decide(isa, reason) : sample_ok();
	struct tid_state *st = state_get();
	if (st)
		st->skip = !keep;
	return keep;
}

/* Aggregation mode, tp_btf half: counts only when the classic half (which knows the reason) is not loaded. */
static __always_inline void agg_exit_btf(u64 pid_tgid, struct kvm_vcpu___xs *vcpu, u32 vcpu_id, u32 isa)
{
	if (cfg.exit_tp_loaded)
		return;
	struct xs_ev_exit x = {};
	fill_exit_btf(&x, vcpu, isa, NULL, NULL);
	bool known = x.fields & XS_EVX_REASON;
	if (exit_decision(isa, x.reason, known))
		agg_exit(pid_tgid, vcpu_id, isa == XS_ISA_VMX || isa == XS_ISA_SVM ? isa : XS_ISA_UNKNOWN, x.reason);
}

/* tp_btf: the vCPU pointer, so the exit's fields come from KVM's structures and a guest-state snapshot is possible. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(exit_btf, struct kvm_vcpu___xs *vcpu, u32 isa)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return 0;
	u32 vcpu_id = vcpu->vcpu_id; /* the tracepoint's own argument: a direct load */
	if (!vcpu_ok(vcpu_id)) {
		COUNT(filtered);
		return 0;
	}
	if (cfg.aggregate && !agg_stream) {
		agg_exit_btf(pid_tgid, vcpu, vcpu_id, isa);
		return 0;
	}
	struct xs_ev_exit *e;
	if (cfg.gs_level >= XS_BPF_GS_FULL)
		e = ev_reserve(XS_EV_EXIT_FULL_SIZE, XS_EV_EXIT, pid_tgid, vcpu_id);
	else if (cfg.gs_level == XS_BPF_GS_REGS)
		e = ev_reserve(XS_EV_EXIT_REGS_SIZE, XS_EV_EXIT, pid_tgid, vcpu_id);
	else
		e = ev_reserve(sizeof(*e), XS_EV_EXIT, pid_tgid, vcpu_id);
	if (!e) {
		if (cfg.aggregate) /* the stream lost it, the count must not */
			agg_exit_btf(pid_tgid, vcpu, vcpu_id, isa);
		return 0;
	}
	struct xs_ev_vcpu_regs *regs = cfg.gs_level >= XS_BPF_GS_REGS ? (void *)(e + 1) : NULL;
	struct xs_ev_svm_save *save = cfg.gs_level >= XS_BPF_GS_FULL ? (void *)(regs + 1) : NULL;
	e->reason = 0;
	e->info1 = e->info2 = 0;
	e->intr_info = e->error_code = e->idt_vectoring_info = 0;
	e->rip = 0;
	fill_exit_btf(e, vcpu, isa, regs, save);
	bool keep;
	if (!cfg.exit_tp_loaded)
		keep = exit_decision(isa, e->reason, e->fields & XS_EVX_REASON);
	else
		/*
		 * The classic half (loaded too on VMX) decides, and alone samples: the two halves of one hit may
		 * run in either order. The reason filter is deterministic, so both apply it; a half whose
		 * partner was sampled out is dropped by the joiner.
		 */
		keep = !cfg.reason_filter || !(e->fields & XS_EVX_REASON) || reason_ok(isa, e->reason);
	if (keep && cfg.aggregate && !cfg.exit_tp_loaded)
		agg_exit(pid_tgid, vcpu_id, isa == XS_ISA_VMX || isa == XS_ISA_SVM ? isa : XS_ISA_UNKNOWN, e->reason);
	if (!keep) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	ev_submit(e);
	return 0;
}

/* Classic tracepoint: the fields KVM itself read for the trace (complete on VMX, where tp_btf cannot be). */
SEC("tracepoint/kvm/kvm_exit")
int exit_tp(struct trace_event_raw_kvm_exit___xs *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return 1;
	u32 vcpu_id = TP_FIELD(ctx->vcpu_id);
	if (!vcpu_ok(vcpu_id)) {
		COUNT(filtered);
		return 1;
	}
	u32 isa = TP_FIELD(ctx->isa);
	u32 reason = TP_FIELD(ctx->exit_reason);
	if (!exit_decision(isa, reason, true))
		return 1;
	if (cfg.aggregate) {
		agg_exit(pid_tgid, vcpu_id, isa, reason);
		if (!agg_stream)
			return 1;
	}
	struct xs_ev_exit *e = ev_reserve(sizeof(*e), XS_EV_EXIT_TP, pid_tgid, vcpu_id);
	if (!e)
		return 1;
	e->isa = isa;
	e->reason = reason;
	e->info1 = TP_FIELD(ctx->info1);
	e->info2 = TP_FIELD(ctx->info2);
	e->intr_info = TP_FIELD(ctx->intr_info);
	e->error_code = TP_FIELD(ctx->error_code);
	e->rip = TP_FIELD(ctx->guest_rip);
	e->idt_vectoring_info = 0;
	e->fields = XS_EVX_ALL_INFO;
	ev_submit(e);
	return 1;
}

SEC("tracepoint/kvm/kvm_nested_vmexit")
int nested_exit_tp(struct trace_event_raw_kvm_exit___xs *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_NESTED_VMEXIT}, XS_AGG_D_NONE, 0))
		return 1;
	struct xs_ev_exit *e = ev_reserve(sizeof(*e), XS_EV_NESTED_EXIT, pid_tgid, vcpu_id);
	if (!e)
		return 1;
	e->isa = TP_FIELD(ctx->isa);
	e->reason = TP_FIELD(ctx->exit_reason);
	e->info1 = TP_FIELD(ctx->info1);
	e->info2 = TP_FIELD(ctx->info2);
	e->intr_info = TP_FIELD(ctx->intr_info);
	e->error_code = TP_FIELD(ctx->error_code);
	e->rip = TP_FIELD(ctx->guest_rip);
	e->idt_vectoring_info = 0;
	e->fields = XS_EVX_ALL_INFO;
	ev_submit(e);
	return 1;
}

/* ---- kvm_entry: ends the exit (latency) ---- */

SEC("tp_btf/kvm_entry")
int BPF_PROG(entry_btf, struct kvm_vcpu___xs *vcpu)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return 0;
	u32 vcpu_id = vcpu->vcpu_id;
	if (!vcpu_ok(vcpu_id)) {
		COUNT(filtered);
		return 0;
	}
	if (cfg.aggregate) {
		agg_entry(pid_tgid);
		if (!agg_stream)
			return 0;
	}
	if (!follows_exit())
		return 0;
	struct xs_ev_entry *e = ev_reserve(sizeof(*e), XS_EV_ENTRY, pid_tgid, vcpu_id);
	if (e)
		ev_submit(e);
	return 0;
}

/* ---- detail events ----
 *
 * Each has a tp_btf program (the raw tracepoint arguments: no trace record is assembled for it, and other
 * tracers still see the event) and a classic tracepoint program reading the record KVM assembled, for
 * kernels whose tracepoint prototypes differ (user space loads the classic ones when the tp_btf ones do not
 * load). Both hand the same values to one emit_*() function.
 */

/* The value comes from `data` (the raw argument) when from_data, else it is the classic record's `val`. */
static __always_inline void emit_pio(u32 rw, u32 port, u32 size, u32 count, bool from_data, const void *data, u32 val)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id))
		return;
	/* An IN that went to user space is traced when KVM takes the VMM's data: it completes that exit. */
	struct host_ev he = {.reason = XS_HEV_PIO,
			     .completes_kind = rw == 0 ? XS_HEV_USERSPACE_EXIT : 0,
			     .completes_uexit = KVM_EXIT_IO,
			     .joinable = rw != 0,
			     .key = port};
	if (!detail_passes(pid_tgid, vcpu_id, &he, XS_AGG_D_PORT, port))
		return;
	struct xs_ev_pio *e = ev_reserve(sizeof(*e), XS_EV_PIO, pid_tgid, vcpu_id);
	if (!e)
		return;
	if (from_data) {
		/* what the classic record's val holds: the first element, by its size */
		u64 word;
		kread_word(&word, data); /* data is KVM's pio_data page */
		val = (u32)word & (size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff);
	}
	e->rw = rw;
	e->port = port;
	e->size = size;
	e->count = count;
	e->val = val;
	e->pad = 0;
	ev_submit(e);
}

SEC("tp_btf/kvm_pio")
int BPF_PROG(pio_btf, unsigned int rw, unsigned int port, unsigned int size, unsigned int count, const void *data)
{
	emit_pio(rw, port, size, count, true, data, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_pio")
int pio_tp(struct trace_event_raw_kvm_pio___xs *ctx)
{
	emit_pio(TP_FIELD(ctx->rw), TP_FIELD(ctx->port), TP_FIELD(ctx->size), TP_FIELD(ctx->count), false, NULL,
		 TP_FIELD(ctx->val));
	return 1;
}

/* The value comes from `valp` (the raw argument, NULL for an unsatisfied read) when from_ptr, else from `val`. */
static __always_inline void emit_mmio(u32 type, u32 len, u64 gpa, bool from_ptr, const void *valp, u64 val)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id))
		return;
	struct host_ev he = {.reason = XS_HEV_MMIO,
			     .completes_kind = type == XS_EV_MMIO_READ ? XS_HEV_MMIO : 0,
			     .completes_uexit = KVM_EXIT_MMIO,
			     .joinable = type != XS_EV_MMIO_READ,
			     .key = gpa};
	if (!detail_passes(pid_tgid, vcpu_id, &he, XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_mmio *e = ev_reserve(sizeof(*e), XS_EV_MMIO, pid_tgid, vcpu_id);
	if (!e)
		return;
	if (from_ptr) {
		/* the classic record copies min(8, len) bytes when there is data (not for an unsatisfied read) */
		kread_word(&val, valp);
		if (len < 8)
			val &= (1ull << (8 * (len & 7))) - 1;
	}
	e->type = type;
	e->len = len;
	e->gpa = gpa;
	e->val = val;
	ev_submit(e);
}

SEC("tp_btf/kvm_mmio")
int BPF_PROG(mmio_btf, int type, int len, u64 gpa, void *val)
{
	emit_mmio(type, len, gpa, true, val, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_mmio")
int mmio_tp(struct trace_event_raw_kvm_mmio___xs *ctx)
{
	emit_mmio(TP_FIELD(ctx->type), TP_FIELD(ctx->len), TP_FIELD(ctx->gpa), false, NULL, TP_FIELD(ctx->val));
	return 1;
}

static __always_inline void emit_msr(u32 write, u32 ecx, u64 data, u32 exception)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_MSR}, XS_AGG_D_MSR, ecx))
		return;
	struct xs_ev_msr *e = ev_reserve(sizeof(*e), XS_EV_MSR, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->write = write;
	e->ecx = ecx;
	e->data = data;
	e->exception = exception;
	e->pad = 0;
	ev_submit(e);
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(msr_btf, unsigned int write, u32 ecx, u64 data, bool exception)
{
	emit_msr(write, ecx, data, exception);
	return 0;
}

SEC("tracepoint/kvm/kvm_msr")
int msr_tp(struct trace_event_raw_kvm_msr___xs *ctx)
{
	emit_msr(TP_FIELD(ctx->write), TP_FIELD(ctx->ecx), TP_FIELD(ctx->data), TP_FIELD(ctx->exception));
	return 1;
}

static __always_inline void emit_cr(u32 rw, u32 cr, u64 val)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_CR}, XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_cr *e = ev_reserve(sizeof(*e), XS_EV_CR, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->rw = rw;
	e->cr = cr;
	e->val = val;
	ev_submit(e);
}

SEC("tp_btf/kvm_cr")
int BPF_PROG(cr_btf, unsigned int rw, unsigned int cr, unsigned long val)
{
	emit_cr(rw, cr, val);
	return 0;
}

SEC("tracepoint/kvm/kvm_cr")
int cr_tp(struct trace_event_raw_kvm_cr___xs *ctx)
{
	emit_cr(TP_FIELD(ctx->rw), TP_FIELD(ctx->cr), TP_FIELD(ctx->val));
	return 1;
}

static __always_inline void emit_cpuid(u32 function, u32 index, u64 rax, u64 rbx, u64 rcx, u64 rdx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_CPUID}, XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_cpuid *e = ev_reserve(sizeof(*e), XS_EV_CPUID, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->function = function;
	e->index = index;
	e->rax = rax;
	e->rbx = rbx;
	e->rcx = rcx;
	e->rdx = rdx;
	ev_submit(e);
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(cpuid_btf, unsigned int function, unsigned int index, unsigned long rax, unsigned long rbx,
	     unsigned long rcx, unsigned long rdx)
{
	emit_cpuid(function, index, rax, rbx, rcx, rdx);
	return 0;
}

SEC("tracepoint/kvm/kvm_cpuid")
int cpuid_tp(struct trace_event_raw_kvm_cpuid___xs *ctx)
{
	emit_cpuid(TP_FIELD(ctx->function), TP_FIELD(ctx->index), TP_FIELD(ctx->rax), TP_FIELD(ctx->rbx),
		   TP_FIELD(ctx->rcx), TP_FIELD(ctx->rdx));
	return 1;
}

static __always_inline void emit_hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_HYPERCALL, .joinable = 1, .key = nr},
			   XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_hypercall *e = ev_reserve(sizeof(*e), XS_EV_HYPERCALL, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->nr = nr;
	e->a[0] = a0;
	e->a[1] = a1;
	e->a[2] = a2;
	e->a[3] = a3;
	ev_submit(e);
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(hypercall_btf, unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3)
{
	emit_hypercall(nr, a0, a1, a2, a3);
	return 0;
}

SEC("tracepoint/kvm/kvm_hypercall")
int hypercall_tp(struct trace_event_raw_kvm_hypercall___xs *ctx)
{
	emit_hypercall(TP_FIELD(ctx->nr), TP_FIELD(ctx->a0), TP_FIELD(ctx->a1), TP_FIELD(ctx->a2), TP_FIELD(ctx->a3));
	return 1;
}

static __always_inline void emit_inj_exception(u32 exception, u32 has_error, u32 error_code, u32 reinjected)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_INJ_EXCEPTION}, XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_inj_exc *e = ev_reserve(sizeof(*e), XS_EV_INJ_EXC, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->exception = exception & 0xff; /* the classic record keeps a u8 */
	e->has_error = has_error;
	e->error_code = error_code;
	e->reinjected = reinjected;
	ev_submit(e);
}

SEC("tp_btf/kvm_inj_exception")
int BPF_PROG(inj_exception_btf, unsigned int exception, bool has_error, unsigned int error_code, bool reinjected)
{
	emit_inj_exception(exception, has_error, error_code, reinjected);
	return 0;
}

SEC("tracepoint/kvm/kvm_inj_exception")
int inj_exception_tp(struct trace_event_raw_kvm_inj_exception___xs *ctx)
{
	emit_inj_exception(TP_FIELD(ctx->exception), TP_FIELD(ctx->has_error), TP_FIELD(ctx->error_code),
			   bpf_core_field_exists(ctx->reinjected) ? TP_FIELD(ctx->reinjected) : 0);
	return 1;
}

static __always_inline void emit_page_fault(u64 address, u64 error_code, u64 rip, u32 fields)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_PAGE_FAULT}, XS_AGG_D_NONE, 0))
		return;
	struct xs_ev_page_fault *e = ev_reserve(sizeof(*e), XS_EV_PAGE_FAULT, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->address = address;
	e->error_code = error_code;
	e->rip = rip;
	e->fields = fields;
	e->pad = 0;
	ev_submit(e);
}

SEC("tp_btf/kvm_page_fault")
int BPF_PROG(page_fault_btf, struct kvm_vcpu___xs *vcpu, u64 fault_address, u64 error_code)
{
	/* the classic record's guest_rip is kvm_rip_read(): the cached RIP when KVM has it */
	u64 rip = 0;
	u32 fields = 0;
	if (vcpu->arch.regs_avail & (1u << 16)) {
		rip = vcpu->arch.regs[16];
		fields = XS_EVPF_RIP;
	}
	emit_page_fault(fault_address, error_code, rip, fields);
	return 0;
}

SEC("tracepoint/kvm/kvm_page_fault")
int page_fault_tp(struct trace_event_raw_kvm_page_fault___xs *ctx)
{
	bool has_rip = bpf_core_field_exists(ctx->guest_rip);
	emit_page_fault(TP_FIELD(ctx->fault_address), TP_FIELD(ctx->error_code), has_rip ? TP_FIELD(ctx->guest_rip) : 0,
			has_rip ? XS_EVPF_RIP : 0);
	return 1;
}

SEC("tracepoint/kvm/kvm_emulate_insn")
int emulate_tp(struct trace_event_raw_kvm_emulate_insn___xs *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 vcpu_id;
	if (!detail_wanted(pid_tgid, &vcpu_id) ||
	    !detail_passes(pid_tgid, vcpu_id, &(struct host_ev){.reason = XS_HEV_EMULATE_INSN}, XS_AGG_D_NONE, 0))
		return 1;
	struct xs_ev_emulate *e = ev_reserve(sizeof(*e), XS_EV_EMULATE, pid_tgid, vcpu_id);
	if (!e)
		return 1;
	e->rip = TP_FIELD(ctx->rip);
	e->csbase = TP_FIELD(ctx->csbase);
	e->len = TP_FIELD(ctx->len);
	e->flags = TP_FIELD(ctx->flags);
	e->failed = TP_FIELD(ctx->failed);
	e->pad = e->pad2 = 0;
	if (bpf_core_read(e->insn, sizeof(e->insn), &ctx->insn))
		__builtin_memset(e->insn, 0, sizeof(e->insn));
	ev_submit(e);
	return 1;
}

/* ---- the VMM's side: KVM_RUN and the userspace exit ---- */

/*
 * KVM_RUN has loaded the vCPU (kvm_fpu "load" fires right after vcpu_load(), before KVM takes anything the VMM
 * left in struct kvm_run): bind the thread to its vCPU, because kvm_userspace_exit runs after the vCPU is put
 * and cannot find it otherwise; and if the last userspace exit carried an answer back into KVM, copy what the
 * VMM left in struct kvm_run.
 */
static __always_inline void vcpu_run_starts(void)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return;
	struct hlist_node *first;
	struct kvm_vcpu___xs *vcpu = loaded_vcpu(&first);
	if (!vcpu)
		return;
	struct tid_state *st = state_get();
	if (!st)
		return;
	/* The same vCPU as at the thread's last KVM_RUN (the usual case): nothing to read. */
	if (st->vcpu != (u64)vcpu) {
		st->vcpu = (u64)vcpu;
		kread_word(&st->run, &vcpu->run);
		st->vcpu_id = vcpu_id_of(vcpu);
	}
	if (!st->need_run)
		return;
	st->need_run = 0;
	if (!vcpu_ok(st->vcpu_id) || (cfg.track_exits && st->skip))
		return;
	struct xs_ev_run *e = ev_reserve(sizeof(*e), XS_EV_RUN, pid_tgid, st->vcpu_id);
	if (!e)
		return;
	if (kread_words((u64 *)e->run, sizeof(e->run) / 8, (void *)st->run)) {
		COUNT(read_fail);
		__builtin_memset(e->run, 0, sizeof(e->run));
	}
	ev_submit(e);
}

/* kvm_fpu fires twice per KVM_RUN (load, then unload before the vCPU is put): only the load matters. */
SEC("tp_btf/kvm_fpu")
int BPF_PROG(fpu_btf, int load)
{
	if (load)
		vcpu_run_starts();
	return 0;
}

SEC("tracepoint/kvm/kvm_fpu")
int fpu_tp(struct trace_event_raw_kvm_fpu___xs *ctx)
{
	if (TP_FIELD(ctx->load))
		vcpu_run_starts();
	return 1;
}

/* The head of struct kvm_run as copied: exit union at 32 (linux/kvm.h, a stable ABI). */
#define RUN_IO_DIRECTION 32 /* u8 */
#define RUN_IO_PORT 34	    /* u16 */
#define RUN_UNION_U64 32    /* mmio.phys_addr, hypercall.nr */
#define KVM_EXIT_IO_OUT 1

/* Does this userspace exit belong to the host event that opened the current exit? (host_rules.c) */
static __always_inline bool uexit_joins(const struct tid_state *st, u32 reason, const u8 *run, bool have_run)
{
	if (st->uexit || !st->joinable)
		return false;
	u64 key = 0;
	switch (reason) {
	case KVM_EXIT_IO:
		if (st->kind != XS_HEV_PIO)
			return false;
		if (!have_run)
			return true;
		return run[RUN_IO_DIRECTION] == KVM_EXIT_IO_OUT &&
		       (u64)(run[RUN_IO_PORT] | run[RUN_IO_PORT + 1] << 8) == st->key;
	case KVM_EXIT_MMIO:
		if (st->kind != XS_HEV_MMIO)
			return false;
		break;
	case KVM_EXIT_HYPERCALL:
		if (st->kind != XS_HEV_HYPERCALL)
			return false;
		break;
	default:
		return false; /* MSR accesses that go to user space never fire kvm_msr */
	}
	if (!have_run)
		return true;
	__builtin_memcpy(&key, run + RUN_UNION_U64, sizeof(key));
	return key == st->key;
}

/* Host mode: whether the userspace exit joins the thread's current exit (true) or is one of its own, decided. */
static __always_inline bool uexit_step(struct tid_state *st, u32 reason, const u8 *run, bool have_run)
{
	if (uexit_joins(st, reason, run, have_run)) {
		st->uexit = reason;
		return true;
	}
	/*
	 * A userspace exit no host event explains is an exit of its own; an IN's (or an MMIO read's) becomes a
	 * PIO (MMIO) exit when KVM takes the VMM's data, so it is judged as one.
	 */
	u32 as = reason == KVM_EXIT_IO ? XS_HEV_PIO : reason == KVM_EXIT_MMIO ? XS_HEV_MMIO : XS_HEV_USERSPACE_EXIT;
	st->skip = !decide(XS_ISA_HOST_EVENT, as);
	st->kind = XS_HEV_USERSPACE_EXIT;
	st->uexit = reason;
	st->joinable = 0;
	return false;
}

/* The userspace exit's filter decision (only tracked with a reason filter or sampling). */
static __always_inline bool uexit_ok(struct tid_state *st, u32 reason, const u8 *run, bool have_run)
{
	if (!cfg.track_exits || !st)
		return true;
	if (cfg.hw_mode)
		return !st->skip;
	uexit_step(st, reason, run, have_run);
	return !st->skip;
}

/*
 * Aggregation mode, host mode: a userspace exit no host event explains is counted as one (an IN's when it
 * completes: agg_pend). In hardware mode it belongs to its kvm_exit.
 */
static __always_inline bool agg_uexit(u64 pid_tgid, struct tid_state *st, u32 vcpu, u32 reason)
{
	if (cfg.hw_mode)
		return !st || !st->skip;
	if (!st)
		st = state_get();
	if (!st) {
		COUNT(agg_full);
		return true;
	}
	u64 run[6]; /* up to the exit union's first word (RUN_UNION_U64) */
	bool have_run = !kread_words(run, 6, (void *)st->run);
	struct agg_pend before = agg_pend_of(st);
	if (uexit_step(st, reason, (const u8 *)run, have_run))
		return !st->skip;
	agg_superseded(pid_tgid >> 32, vcpu, before);
	if (!st->skip && reason != KVM_EXIT_IO) /* an IN: counted when it completes (agg_pend) */
		agg_add(pid_tgid >> 32, vcpu, XS_ISA_HOST_EVENT, XS_HEV_USERSPACE_EXIT, XS_AGG_D_NONE, 0, 1);
	return !st->skip;
}

static __always_inline void emit_uexit(u32 reason, u32 err)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return;
	struct tid_state *st = state_of();
	u32 vcpu_id = st ? st->vcpu_id : XS_EV_VCPU_UNKNOWN;
	if (!vcpu_ok(vcpu_id)) {
		COUNT(filtered);
		return;
	}
	if (cfg.aggregate && (!agg_uexit(pid_tgid, st, vcpu_id, reason) || !agg_stream))
		return;
	if (st)
		st->need_run =
			reason == KVM_EXIT_X86_RDMSR || reason == KVM_EXIT_X86_WRMSR || reason == KVM_EXIT_HYPERCALL;
	struct xs_ev_uexit *e = ev_reserve(sizeof(*e), XS_EV_UEXIT, pid_tgid, vcpu_id);
	if (!e)
		return;
	e->reason = reason;
	e->err = err;
	e->pad = 0;
	/* The copy comes first: whether the exit joins the current one depends on it. */
	e->have_run = st && !kread_words((u64 *)e->run, sizeof(e->run) / 8, (void *)st->run);
	if (!e->have_run)
		__builtin_memset(e->run, 0, sizeof(e->run));
	if (!cfg.aggregate && !uexit_ok(st, reason, e->run, e->have_run)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	ev_submit(e);
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(userspace_exit_btf, u32 reason, int err)
{
	emit_uexit(reason, (u32)err);
	return 0;
}

SEC("tracepoint/kvm/kvm_userspace_exit")
int userspace_exit_tp(struct trace_event_raw_kvm_userspace_exit___xs *ctx)
{
	emit_uexit(TP_FIELD(ctx->reason), TP_FIELD(ctx->errno));
	return 1;
}

/* ---- benchmarks only ---- */

/*
 * A synthetic producer for bench/collector_synth.c: each getppid() of the process under the -p filter becomes
 * a kvm_cpuid-shaped event on the same ring path, so the consumer can be measured at rates this host's KVM
 * cannot reach. Loaded only when a benchmark asks for it (xs_col_opts.synthetic), never by exitscope record.
 */
SEC("tracepoint/syscalls/sys_enter_getppid")
int bench_synthetic(void *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!pid_ok(pid_tgid))
		return 1;
	struct xs_ev_cpuid *e = ev_reserve(sizeof(*e), XS_EV_CPUID, pid_tgid, 0);
	if (!e)
		return 1;
	e->function = 0x40000000;
	e->index = 0;
	e->rax = e->rbx = e->rcx = e->rdx = 0;
	ev_submit(e);
	return 1;
}
