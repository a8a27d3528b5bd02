// SPDX-License-Identifier: MIT
/*
 * The perf backend: perf_event_open on the same tracepoints the BPF program uses, one mmap'd ring per CPU
 * (every tracepoint of a CPU redirected into it), raw samples decoded through the tracefs formats, merged
 * across CPUs in time order, filtered like the BPF program would (collector/prefilter.h), fed to the joiner.
 *
 * What it cannot do: read kernel memory. So exit records have no guest-state snapshot, and a userspace exit
 * that no tracepoint describes (an MSR-filter exit) has no detail. The vCPU of a thread is learned from the
 * vcpu_id that kvm_exit, kvm_entry and kvm_page_fault carry, and from its KVM_RUN ioctls: the file behind
 * the descriptor is named "anon_inode:kvm-vcpu:N".
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/backend.h"
#include "collector/event_parse.h"
#include "collector/perf_decode.h"
#include "collector/prefilter.h"
#include "collector/tidmap.h"
#include "common/util.h"

#define KVM_RUN_CMD 0xae80u
#define MAX_RECORD (64u << 10) /* perf_event_header.size is 16 bits */

/* Every event type the perf backend produces fits here. */
union perf_ev {
	struct xs_ev_hdr h;
	struct xs_ev_exit exit;
	struct xs_ev_entry entry;
	struct xs_ev_pio pio;
	struct xs_ev_mmio mmio;
	struct xs_ev_msr msr;
	struct xs_ev_cr cr;
	struct xs_ev_cpuid cpuid;
	struct xs_ev_hypercall hypercall;
	struct xs_ev_uexit uexit;
	struct xs_ev_inj_exc inj;
	struct xs_ev_page_fault pf;
	struct xs_ev_emulate emulate;
};

/* A decoded sample waiting to be delivered in time order. */
struct pending {
	uint64_t ts, order;
	union perf_ev ev; /* h.type 0: a KVM_RUN of thread h.tid, on vCPU h.vcpu */
};

struct ring {
	int fd;
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	size_t size; /* data area, a power of two */
	uint64_t last_ts;
	int cpu;       /* the CPU whose events this ring holds */
	uint64_t lost; /* samples the kernel lost on this CPU (PERF_RECORD_LOST) */
};

struct binding {
	uint32_t vcpu;
	bool known;
	uint64_t fd; /* the descriptor of the last KVM_RUN, to skip the lookup when it repeats */
	bool fd_known;
};

struct xs_col_backend_impl {
	struct xs_tp_map maps[XS_EV_TYPE_COUNT];
	unsigned int nmaps;
	int *fds;
	size_t nfds;
	struct ring *rings;
	size_t nrings;
	struct pollfd *pfds;
	struct pending *pend;
	size_t npend, cap_pend;
	uint64_t order, round_max, prev_round_max;
	struct xs_prefilter *pf;
	struct xs_tidmap *bind; /* tid -> vCPU, in time order */
	struct xs_tidmap *runs; /* tid -> the descriptor of its last KVM_RUN and that vCPU, as read */
	uint64_t lost, bad;
	xs_col_event_fn fn;
	void *ctx;
	uint8_t scratch[MAX_RECORD];
};

static long perf_event_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* ---- the vCPU of a thread ---- */

static bool vcpu_of_fd(uint32_t pid, uint64_t fd, uint32_t *vcpu)
{
	char path[64], link[128];
	snprintf(path, sizeof(path), "/proc/%u/fd/%llu", pid, (unsigned long long)fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	static const char prefix[] = "anon_inode:kvm-vcpu:";
	if (strncmp(link, prefix, sizeof(prefix) - 1))
		return false;
	uint64_t v;
	if (!xs_parse_range(link + sizeof(prefix) - 1, 0, 0xfffffffeu, &v))
		return false;
	*vcpu = (uint32_t)v;
	return true;
}

/*
 * The vCPU of a KVM_RUN's descriptor, resolved when the sample is read (the sooner, the likelier the process
 * still exists) and remembered per thread while the descriptor stays the same.
 */
static uint32_t resolve_run(struct xs_col_backend_impl *b, uint32_t pid, uint32_t tid, uint64_t fd)
{
	struct binding *c = xs_tidmap_get(b->runs, tid, NULL);
	if (c->fd_known && c->fd == fd)
		return c->known ? c->vcpu : XS_EV_VCPU_UNKNOWN;
	c->fd = fd;
	c->fd_known = true;
	c->known = vcpu_of_fd(pid, fd, &c->vcpu);
	return c->known ? c->vcpu : XS_EV_VCPU_UNKNOWN;
}

static void deliver(struct xs_col_backend_impl *b, struct pending *p)
{
	struct xs_ev_hdr *h = &p->ev.h;
	if (!h->type) { /* a KVM_RUN: the thread runs this vCPU from now on */
		if (h->vcpu != XS_EV_VCPU_UNKNOWN) {
			struct binding *bd = xs_tidmap_get(b->bind, h->tid, NULL);
			bd->vcpu = h->vcpu;
			bd->known = true;
		}
		return;
	}
	if (h->vcpu != XS_EV_VCPU_UNKNOWN) {
		struct binding *bd = xs_tidmap_get(b->bind, h->tid, NULL);
		bd->vcpu = h->vcpu;
		bd->known = true;
	} else {
		struct binding *bd = xs_tidmap_find(b->bind, h->tid);
		if (bd && bd->known)
			h->vcpu = bd->vcpu;
	}
	if (xs_ev_check(h, h->size)) {
		b->bad++;
		return;
	}
	if (xs_prefilter_keep(b->pf, h))
		b->fn(b->ctx, h);
}

/* ---- reading the rings ---- */

static int by_time(const void *x, const void *y)
{
	const struct pending *a = x, *c = y;
	if (a->ts != c->ts)
		return a->ts < c->ts ? -1 : 1;
	return a->order < c->order ? -1 : a->order > c->order;
}

static struct pending *pending_slot(struct xs_col_backend_impl *b)
{
	if (b->npend == b->cap_pend) {
		b->cap_pend = b->cap_pend ? 2 * b->cap_pend : 4096;
		b->pend = xs_realloc(b->pend, b->cap_pend * sizeof(*b->pend));
	}
	return &b->pend[b->npend];
}

static const struct xs_tp_map *map_of(const struct xs_col_backend_impl *b, const struct xs_perf_sample *s)
{
	if (s->raw_size < 2)
		return NULL;
	uint32_t id = (uint32_t)s->raw[0] | (uint32_t)s->raw[1] << 8;
	for (unsigned int i = 0; i < b->nmaps; i++) {
		if (b->maps[i].id == id)
			return &b->maps[i];
	}
	return NULL;
}

static void take_sample(struct xs_col_backend_impl *b, struct ring *r, const void *rec, size_t len)
{
	struct xs_perf_sample s;
	const struct xs_tp_map *m;
	if (xs_perf_sample_parse(rec, len, &s) || !(m = map_of(b, &s))) {
		b->bad++;
		return;
	}
	struct pending *p = pending_slot(b);
	if (m->ev_type == 0) {
		uint64_t fd, cmd;
		if (xs_tp_decode_ioctl(m, &s, &fd, &cmd)) {
			b->bad++;
			return;
		}
		if ((uint32_t)cmd != KVM_RUN_CMD)
			return;
		memset(&p->ev.h, 0, sizeof(p->ev.h));
		p->ev.h.pid = s.pid;
		p->ev.h.tid = s.tid;
		p->ev.h.vcpu = resolve_run(b, s.pid, s.tid, fd);
	} else if (xs_tp_decode(m, &s, &p->ev)) {
		b->bad++;
		return;
	}
	p->ts = s.time;
	p->order = b->order++;
	b->npend++;
	r->last_ts = s.time;
	if (s.time > b->round_max)
		b->round_max = s.time;
}

/* A record that may wrap around the end of the ring, as one contiguous buffer. */
static const void *record_at(struct xs_col_backend_impl *b, struct ring *r, uint64_t pos, size_t len)
{
	size_t off = pos & (r->size - 1);
	if (off + len <= r->size)
		return r->data + off;
	size_t first = r->size - off;
	memcpy(b->scratch, r->data + off, first);
	memcpy(b->scratch + first, r->data, len - first);
	return b->scratch;
}

static void read_ring(struct xs_col_backend_impl *b, struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		memcpy(&h, record_at(b, r, tail, sizeof(h)), sizeof(h));
		if (h.size < sizeof(h) || tail + h.size > head) {
			/* a damaged ring: skip what is there rather than loop on it */
			b->bad++;
			tail = head;
			break;
		}
		const void *rec = record_at(b, r, tail, h.size);
		if (h.type == PERF_RECORD_SAMPLE) {
			take_sample(b, r, rec, h.size);
		} else if (h.type == PERF_RECORD_LOST) {
			uint64_t n;
			if (!xs_perf_lost_parse(rec, h.size, &n)) {
				b->lost += n;
				r->lost += n;
			} else
				b->bad++;
		}
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

/* Deliver, in time order, what can no longer be preceded by a sample still unread on another CPU. */
static void deliver_upto(struct xs_col_backend_impl *b, uint64_t limit, bool all)
{
	qsort(b->pend, b->npend, sizeof(*b->pend), by_time);
	size_t n = 0;
	while (n < b->npend && (all || b->pend[n].ts <= limit))
		deliver(b, &b->pend[n++]);
	memmove(b->pend, b->pend + n, (b->npend - n) * sizeof(*b->pend));
	b->npend -= n;
}

static void read_round(struct xs_col_backend_impl *b, bool all)
{
	for (size_t i = 0; i < b->nrings; i++)
		read_ring(b, &b->rings[i]);
	/* A sample stamped before the previous round's newest one was in its ring by now (perf's rule). */
	deliver_upto(b, b->prev_round_max, all);
	b->prev_round_max = b->round_max;
}

/* ---- setup ---- */

struct tp_choice {
	int tp;		 /* XS_TP_* */
	uint8_t ev_type; /* 0: sys_enter_ioctl */
	const char *system, *name;
};

static const struct tp_choice choices[] = {
	{XS_TP_ENTRY, XS_EV_ENTRY, "kvm", "kvm_entry"},
	{XS_TP_PIO, XS_EV_PIO, "kvm", "kvm_pio"},
	{XS_TP_MMIO, XS_EV_MMIO, "kvm", "kvm_mmio"},
	{XS_TP_MSR, XS_EV_MSR, "kvm", "kvm_msr"},
	{XS_TP_CR, XS_EV_CR, "kvm", "kvm_cr"},
	{XS_TP_CPUID, XS_EV_CPUID, "kvm", "kvm_cpuid"},
	{XS_TP_HYPERCALL, XS_EV_HYPERCALL, "kvm", "kvm_hypercall"},
	{XS_TP_INJ_EXCEPTION, XS_EV_INJ_EXC, "kvm", "kvm_inj_exception"},
	{XS_TP_PAGE_FAULT, XS_EV_PAGE_FAULT, "kvm", "kvm_page_fault"},
	{XS_TP_EMULATE_INSN, XS_EV_EMULATE, "kvm", "kvm_emulate_insn"},
	{XS_TP_NESTED_VMEXIT, XS_EV_NESTED_EXIT, "kvm", "kvm_nested_vmexit"},
	{XS_TP_USERSPACE_EXIT, 0, "syscalls", "sys_enter_ioctl"},
	{XS_TP_USERSPACE_EXIT, XS_EV_UEXIT, "kvm", "kvm_userspace_exit"},
	{XS_TP_EXIT, XS_EV_EXIT_TP, "kvm", "kvm_exit"},
};

static void perf_close(struct xs_col_backend_impl *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nrings; i++) {
		if (b->rings[i].meta)
			munmap(b->rings[i].meta, b->rings[i].size + (size_t)sysconf(_SC_PAGESIZE));
	}
	for (size_t i = 0; i < b->nfds; i++)
		close(b->fds[i]);
	free(b->fds);
	free(b->rings);
	free(b->pfds);
	free(b->pend);
	xs_prefilter_free(b->pf);
	xs_tidmap_free(b->bind);
	xs_tidmap_free(b->runs);
	free(b);
}

static struct xs_col_backend_impl *fail(struct xs_col_backend_impl *b, char *err, size_t errlen, const char *fmt,
					const char *arg, int e)
{
	char what[160];
	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	perf_close(b);
	return NULL;
}

static size_t data_size(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = page;
	while (n < want && n < (256u << 20))
		n <<= 1;
	return n;
}

static int open_cpu(struct xs_col_backend_impl *b, int cpu, const uint8_t *which, size_t ring_bytes, char *err,
		    size_t errlen)
{
	int leader = -1;
	for (unsigned int i = 0; i < b->nmaps; i++) {
		struct perf_event_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.size = sizeof(attr);
		attr.config = b->maps[i].id;
		attr.sample_period = 1;
		attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW;
		attr.use_clockid = 1;
		attr.clockid = CLOCK_MONOTONIC;
		attr.disabled = 1;
		attr.watermark = 1;
		attr.wakeup_watermark = (uint32_t)(ring_bytes / 8);
		long fd = perf_event_open(&attr, cpu);
		if (fd < 0) {
			if (errno == ENODEV && leader < 0)
				return 1; /* offline CPU */
			snprintf(err, errlen, "perf_event_open(%s, cpu %d): %s", xs_tp_name_of_event(which[i]), cpu,
				 strerror(errno));
			return -1;
		}
		b->fds[b->nfds++] = (int)fd;
		if (which[i] == 0 && ioctl((int)fd, PERF_EVENT_IOC_SET_FILTER, "cmd == 44672") < 0) {
			snprintf(err, errlen, "cannot filter sys_enter_ioctl to KVM_RUN: %s", strerror(errno));
			return -1;
		}
		if (leader < 0) {
			size_t page = (size_t)sysconf(_SC_PAGESIZE);
			void *m = mmap(NULL, ring_bytes + page, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
			if (m == MAP_FAILED) {
				snprintf(err, errlen, "cannot map the perf ring of cpu %d: %s", cpu, strerror(errno));
				return -1;
			}
			struct ring *r = &b->rings[b->nrings++];
			r->fd = (int)fd;
			r->meta = m;
			r->data = (uint8_t *)m + page;
			r->size = ring_bytes;
			r->cpu = cpu;
			leader = (int)fd;
		} else if (ioctl((int)fd, PERF_EVENT_IOC_SET_OUTPUT, leader) < 0) {
			snprintf(err, errlen, "cannot share the perf ring of cpu %d: %s", cpu, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static struct xs_col_backend_impl *perf_open(const struct xs_col_opts *o, const struct xs_kvm_host *host,
					     xs_col_event_fn fn, void *ctx, char *err, size_t errlen)
{
	struct xs_col_backend_impl *b = xs_calloc(1, sizeof(*b));
	b->fn = fn;
	b->ctx = ctx;
	b->bind = xs_tidmap_new(sizeof(struct binding));
	b->runs = xs_tidmap_new(sizeof(struct binding));
	uint32_t events = o->events ? o->events : XS_TP_DEFAULT;
	uint8_t which[XS_EV_TYPE_COUNT];
	for (size_t i = 0; i < XS_ARRAY_SIZE(choices); i++) {
		const struct tp_choice *c = &choices[i];
		if (!(events & XS_TP_BIT(c->tp)))
			continue;
		char path[160];
		snprintf(path, sizeof(path), "%s/events/%s/%s", host->tracefs_dir, c->system, c->name);
		if (access(path, F_OK))
			continue; /* not on this kernel: the BPF backend skips it too */
		struct xs_tp_format fmt;
		char why[256];
		if (xs_tp_format_load(host->tracefs_dir, c->system, c->name, &fmt, why, sizeof(why)) ||
		    xs_tp_map_build(&b->maps[b->nmaps], c->ev_type, &fmt, why, sizeof(why))) {
			snprintf(err, errlen, "%s", why);
			perf_close(b);
			return NULL;
		}
		which[b->nmaps++] = c->ev_type;
	}
	if (!b->nmaps) {
		snprintf(err, errlen, "none of the selected KVM tracepoints exists on this kernel");
		perf_close(b);
		return NULL;
	}
	int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	b->fds = xs_calloc((size_t)ncpu * b->nmaps, sizeof(*b->fds));
	b->rings = xs_calloc((size_t)ncpu, sizeof(*b->rings));
	size_t ring_bytes = data_size(o->ring_bytes ? o->ring_bytes : XS_COL_DEFAULT_PERF_RING_BYTES);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		if (open_cpu(b, cpu, which, ring_bytes, err, errlen) < 0) {
			perf_close(b);
			return NULL;
		}
	}
	/* Enable in the order of `choices`: what follows an exit first, kvm_exit last. */
	for (size_t i = 0; i < b->nfds; i++) {
		if (ioctl(b->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
			return fail(b, err, errlen, "cannot enable %s", "a perf event", errno);
	}
	b->pfds = xs_calloc(b->nrings, sizeof(*b->pfds));
	for (size_t i = 0; i < b->nrings; i++) {
		b->pfds[i].fd = b->rings[i].fd;
		b->pfds[i].events = POLLIN;
	}
	struct xs_bpf_config cfg;
	xs_col_make_config(&cfg, o, host->hw_mode);
	b->pf = xs_prefilter_new(&cfg);
	return b;
}

static int perf_poll(struct xs_col_backend_impl *b, int timeout_ms)
{
	int n = poll(b->pfds, b->nrings, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	read_round(b, false);
	return 0;
}

static void perf_detach(struct xs_col_backend_impl *b)
{
	for (size_t i = 0; i < b->nfds; i++)
		ioctl(b->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

static int perf_drain(struct xs_col_backend_impl *b)
{
	read_round(b, true);
	return 0;
}

static void perf_counters(struct xs_col_backend_impl *b, struct xs_col_counters *out)
{
	struct xs_prefilter_counters pc;
	xs_prefilter_get_counters(b->pf, &pc);
	out->lost_perf += b->lost;
	out->bad_events += b->bad;
	out->filtered += pc.filtered;
	out->sampled_out += pc.sampled_out;
}

static void perf_cpu_losses(struct xs_col_backend_impl *b, uint64_t *ring_full, uint64_t *lost, size_t ncpu)
{
	(void)ring_full; /* perf rings overwrite nothing: a full ring loses samples, counted as lost */
	for (size_t i = 0; i < b->nrings; i++)
		if (b->rings[i].cpu >= 0 && (size_t)b->rings[i].cpu < ncpu)
			lost[b->rings[i].cpu] += b->rings[i].lost;
}

static bool perf_merges_halves(struct xs_col_backend_impl *b)
{
	(void)b;
	return false;
}

static const char *perf_no_guest_state(struct xs_col_backend_impl *b)
{
	(void)b;
	return "the perf backend cannot read the vCPU's memory; the bpf backend can";
}

const struct xs_col_backend_ops xs_col_perf_backend = {
	.name = "perf",
	.open = perf_open,
	.poll = perf_poll,
	.detach = perf_detach,
	.drain = perf_drain,
	.counters = perf_counters,
	.cpu_losses = perf_cpu_losses,
	.close = perf_close,
	.merges_halves = perf_merges_halves,
	.no_guest_state = perf_no_guest_state,
};
