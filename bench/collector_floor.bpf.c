// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed cost of watching a KVM tracepoint from BPF on this host, measured in the same run as exitscope's
 * own programs (bench/collector.sh, bench/collector_floor.c loads one copy per tracepoint). Three tp_btf
 * programs of increasing work on one tracepoint:
 *
 *   floor_empty  returns at once: the price of being attached at all, including the two clock reads that
 *                kernel.bpf_stats_enabled adds around every program (every figure of the benchmark has them)
 *   floor_time   takes a timestamp (bpf_ktime_get_ns), as every ring event of exitscope does
 *   floor_event  the least a ring event can be: thread, timestamp and CPU in 32 bytes reserved in a ring
 *                buffer and submitted without a wake-up
 *   floor_slot   the same 32 bytes written into a per-CPU array of slots with no ring helper (no lock): what a
 *                record would cost if events were batched per CPU and handed to the ring in bulk
 *   floor_probe  one 8-byte bpf_probe_read_kernel (how exitscope read KVM's structures before
 *                collector/kread.bpf.h, and still does on kernels without bpf_rdonly_cast)
 *   floor_cast   the same 8 bytes through bpf_rdonly_cast (kernel 6.2+; elsewhere it returns at once)
 *
 * Not part of exitscope: a yardstick for its programs' cost per event.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct floor_event {
	u64 pid_tgid;
	u64 ts;
	u32 cpu;
	u32 pad;
	u64 more;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} floor_rb SEC(".maps");

/* floor_slot's per-CPU slots: 64 records and a head, as a per-CPU batch would hold them. */
struct floor_slots {
	u64 head;
	struct floor_event slot[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct floor_slots);
} floor_percpu SEC(".maps");

__u64 floor_sink; /* keeps the timestamp from being optimized away (a type the skeleton knows) */

/* What floor_event and floor_slot write: thread, timestamp and CPU. */
static __always_inline void fill_floor_event(struct floor_event *e)
{
	e->pid_tgid = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
	e->more = 0;
}

/* The attach target (the tracepoint) is set by user space before load. */
SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_empty)
{
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_time)
{
	floor_sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_event)
{
	struct floor_event *e = bpf_ringbuf_reserve(&floor_rb, sizeof(*e), 0);
	if (!e)
		return 0;
	fill_floor_event(e);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_slot)
{
	u32 zero = 0;
	struct floor_slots *b = bpf_map_lookup_elem(&floor_percpu, &zero);
	if (!b)
		return 0;
	fill_floor_event(&b->slot[b->head & 63]);
	b->head++;
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_probe)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &task->utime);
	floor_sink = v;
	return 0;
}

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(floor_cast)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!bpf_rdonly_cast)
		return 0;
	struct task_struct *t = bpf_rdonly_cast(task, bpf_core_type_id_kernel(struct task_struct));
	floor_sink = t->utime;
	return 0;
}
