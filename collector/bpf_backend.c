// SPDX-License-Identifier: MIT
/* The BPF backend: the skeleton of collector/exitscope.bpf.c, configured, loaded, attached and drained. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/agg_read.h"
#include "collector/backend.h"
#include "collector/event_parse.h"
#include "collector/exitscope.skel.h"
#include "collector/ring.h"
#include "common/util.h"

struct xs_col_backend_impl {
	struct exitscope_bpf *skel;
	struct xs_ring *rb;
	size_t ring_bytes;
	struct bpf_link *links[40];
	size_t nlinks;
	xs_col_event_fn fn;
	void *ctx;
	uint64_t bad_events;
	bool both_halves;
	uint32_t classic;      /* enum detail bits: tracepoints whose classic program replaced the tp_btf one */
	char raw_failure[256]; /* why the first tp_btf detail program that did not load failed */
};

/* ---- libbpf's messages: kept for the failure reason, shown with --verbose ---- */

static bool libbpf_verbose;
/* libbpf's warnings since the last open: the most telling one becomes the failure reason */
static char libbpf_first[256], libbpf_specific[256];

static void keep_line(char *dst, size_t len, const char *line)
{
	size_t n = strcspn(line, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(dst, line, n);
	dst[n] = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	if (level != LIBBPF_DEBUG && line[0] != '\n') {
		if (!libbpf_first[0])
			keep_line(libbpf_first, sizeof(libbpf_first), line);
		/* "map 'rb': failed to create: ..." or "prog 'exit_btf': ..." names what failed */
		if (!libbpf_specific[0] && (strstr(line, "map '") || strstr(line, "prog '")))
			keep_line(libbpf_specific, sizeof(libbpf_specific), line);
	}
	if (libbpf_verbose)
		fprintf(stderr, "%s%s", line, strchr(line, '\n') ? "" : "\n");
	return 0;
}

/* ---- which programs ---- */

struct prog_choice {
	struct bpf_program *prog;
	const char *tracepoint; /* kvm tracepoint it needs; NULL for the others */
	int tp;			/* XS_TP_* that selects it (XS_TP_COUNT: always); -1: not loaded */
};

static bool tracepoint_exists(const struct xs_kvm_host *host, const char *name)
{
	if (!host->tracefs)
		return true; /* cannot tell: let the load decide */
	char path[160];
	snprintf(path, sizeof(path), "%s/events/kvm/%s", host->tracefs_dir, name);
	return access(path, F_OK) == 0;
}

static enum xs_col_exit_source exit_source_for(const struct xs_col_opts *o, const struct xs_kvm_host *host)
{
	if (o->exit_source != XS_EXIT_SRC_AUTO)
		return o->exit_source;
	/* SVM: everything is in memory (the VMCB), so the tp_btf half is complete. VMX reads the qualification
	 * lazily from the VMCS, so the classic half must come too; unknown vendors get both as well. */
	return host->btf_vendor == XS_KVM_VENDOR_SVM ? XS_EXIT_SRC_BTF : XS_EXIT_SRC_BOTH;
}

static void fill_config(struct xs_bpf_config *cfg, const struct xs_col_opts *o, const struct xs_kvm_host *host,
			bool exit_tp_loaded, size_t ring_bytes)
{
	xs_col_make_config(cfg, o, host->hw_mode);
	cfg->exit_tp_loaded = exit_tp_loaded;
	cfg->gs_level = o->gs_level;
	/*
	 * Wake the consumer every 1/16 of the ring (far from full, yet one wake-up per thousands of events),
	 * counted per CPU: each CPU wakes it after its share, so all of them together stay within the mark.
	 */
	int ncpu = libbpf_num_possible_cpus();
	size_t mark = ring_bytes / 16 / (size_t)(ncpu > 0 ? ncpu : 1);
	unsigned int shift = 6;
	while ((2ul << shift) <= mark)
		shift++;
	cfg->wakeup_shift = shift;
}

static size_t ring_size(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = page;
	while (n < want && n < (1u << 30))
		n <<= 1;
	return n;
}

static void on_sample(void *ctx, const void *data, size_t size)
{
	struct xs_col_backend_impl *b = ctx;
	if (xs_ev_check(data, size)) {
		b->bad_events++;
		return;
	}
	b->fn(b->ctx, data);
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detaching a tracepoint program waits for an RCU grace period (~80 ms here): detach them all at once, one
 * thread each, rather than one after the other.
 */
static void destroy_links(struct xs_col_backend_impl *b)
{
	pthread_t threads[XS_ARRAY_SIZE(b->links)];
	bool started[XS_ARRAY_SIZE(b->links)];
	for (size_t i = 0; i < b->nlinks; i++)
		started[i] = !pthread_create(&threads[i], NULL, destroy_link, b->links[i]);
	for (size_t i = 0; i < b->nlinks; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			bpf_link__destroy(b->links[i]);
	}
	b->nlinks = 0;
}

static void bpf_close(struct xs_col_backend_impl *b)
{
	if (!b)
		return;
	xs_ring_free(b->rb);
	destroy_links(b);
	exitscope_bpf__destroy(b->skel);
	free(b);
}

static struct xs_col_backend_impl *fail(struct xs_col_backend_impl *b, char *err, size_t errlen, const char *what,
					int e)
{
	const char *why = libbpf_specific[0] ? libbpf_specific : libbpf_first;
	if (e == EPERM)
		why = "needs root, or CAP_BPF and CAP_PERFMON"; /* libbpf then blames RLIMIT_MEMLOCK, wrongly */
	if (why[0])
		snprintf(err, errlen, "%s: %s (%s)", what, strerror(e), why);
	else
		snprintf(err, errlen, "%s: %s", what, strerror(e));
	bpf_close(b);
	return NULL;
}

/* The tracepoints with two programs: tp_btf (the raw arguments) and classic (the trace record, by field name). */
enum detail {
	D_PIO,
	D_MMIO,
	D_MSR,
	D_CR,
	D_CPUID,
	D_HYPERCALL,
	D_INJ_EXCEPTION,
	D_PAGE_FAULT,
	D_FPU,
	D_USERSPACE_EXIT,
	D_COUNT
};
#define D_ALL ((1u << D_COUNT) - 1)

static const char *const detail_names[D_COUNT] = {
	[D_PIO] = "pio",
	[D_MMIO] = "mmio",
	[D_MSR] = "msr",
	[D_CR] = "cr",
	[D_CPUID] = "cpuid",
	[D_HYPERCALL] = "hypercall",
	[D_INJ_EXCEPTION] = "inj_exception",
	[D_PAGE_FAULT] = "page_fault",
	[D_FPU] = "fpu",
	[D_USERSPACE_EXIT] = "userspace_exit",
};

/* The programs of one load, in attach order: what follows an exit first, the exit last, so the first exits
 * seen are whole. classic: enum detail bits whose classic program is used instead of the tp_btf one. */
static size_t choose_programs(struct exitscope_bpf *s, const struct xs_col_opts *o, const struct xs_kvm_host *host,
			      uint32_t classic, struct prog_choice *progs)
{
	uint32_t events = o->events ? o->events : XS_TP_DEFAULT;
	enum xs_col_exit_source src = exit_source_for(o, host);
	int exit_bit = events & XS_TP_BIT(XS_TP_EXIT) ? XS_TP_EXIT : -1;
#define DETAIL(name, bit, d)                                                                      \
	{classic & (1u << (d)) ? s->progs.name##_tp : s->progs.name##_btf, "kvm_" #name, bit},    \
	{                                                                                         \
		classic &(1u << (d)) ? s->progs.name##_btf : s->progs.name##_tp, "kvm_" #name, -1 \
	}
	const struct prog_choice all[] = {
		{s->progs.entry_btf, "kvm_entry", XS_TP_ENTRY},
		DETAIL(pio, XS_TP_PIO, D_PIO),
		DETAIL(mmio, XS_TP_MMIO, D_MMIO),
		DETAIL(msr, XS_TP_MSR, D_MSR),
		DETAIL(cr, XS_TP_CR, D_CR),
		DETAIL(cpuid, XS_TP_CPUID, D_CPUID),
		DETAIL(hypercall, XS_TP_HYPERCALL, D_HYPERCALL),
		DETAIL(inj_exception, XS_TP_INJ_EXCEPTION, D_INJ_EXCEPTION),
		DETAIL(page_fault, XS_TP_PAGE_FAULT, D_PAGE_FAULT),
		{s->progs.emulate_tp, "kvm_emulate_insn", XS_TP_EMULATE_INSN},
		{s->progs.nested_exit_tp, "kvm_nested_vmexit", XS_TP_NESTED_VMEXIT},
		DETAIL(fpu, XS_TP_USERSPACE_EXIT, D_FPU), /* binds a thread to its vCPU at each KVM_RUN */
		DETAIL(userspace_exit, XS_TP_USERSPACE_EXIT, D_USERSPACE_EXIT),
		{s->progs.exit_tp, "kvm_exit", src != XS_EXIT_SRC_BTF ? exit_bit : -1},
		{s->progs.exit_btf, "kvm_exit", src != XS_EXIT_SRC_TP ? exit_bit : -1},
		{s->progs.bench_synthetic, NULL, o->synthetic ? XS_TP_COUNT : -1},
	};
#undef DETAIL
	size_t n = XS_ARRAY_SIZE(all);
	for (size_t i = 0; i < n; i++) {
		progs[i] = all[i];
		bool on = progs[i].tp == XS_TP_COUNT ||
			  (progs[i].tp >= 0 && (events & XS_TP_BIT(progs[i].tp)) &&
			   (!progs[i].tracepoint || tracepoint_exists(host, progs[i].tracepoint)));
		if (!on)
			progs[i].tp = -1;
		bpf_program__set_autoload(progs[i].prog, on);
	}
	return n;
}

/*
 * The tp_btf detail program libbpf's last load failure names ("prog 'pio_btf': BPF program load failed"), as
 * an enum detail, or -1. A kernel whose verifier refuses one tracepoint's raw arguments (6.1 cannot type the
 * `const void *` of kvm_pio) then loses only that program's advantage, not every one's.
 */
static int failed_detail(void)
{
	const char *p = strstr(libbpf_specific, "prog '");
	if (!p)
		return -1;
	p += strlen("prog '");
	for (int d = 0; d < D_COUNT; d++) {
		size_t n = strlen(detail_names[d]);
		if (!strncmp(p, detail_names[d], n) && !strncmp(p + n, "_btf'", 5))
			return d;
	}
	return -1;
}

/* Open, configure and load the skeleton with one set of programs. 0, or a negative errno (b->skel destroyed). */
static int load(struct xs_col_backend_impl *b, const struct xs_col_opts *o, const struct xs_kvm_host *host,
		uint32_t classic, struct prog_choice *progs, size_t *nprogs)
{
	b->skel = exitscope_bpf__open();
	if (!b->skel)
		return -errno;
	struct exitscope_bpf *s = b->skel;
	size_t n = *nprogs = choose_programs(s, o, host, classic, progs);
	bool any = false, exit_tp = false;
	for (size_t i = 0; i < n; i++) {
		any |= progs[i].tp >= 0;
		exit_tp |= progs[i].tp >= 0 && progs[i].prog == s->progs.exit_tp;
	}
	b->both_halves = exit_tp && bpf_program__autoload(s->progs.exit_btf);
	if (!any) {
		exitscope_bpf__destroy(s);
		b->skel = NULL;
		return -ENOENT;
	}
	/* --verbose: the verifier's whole log of every program (libbpf's own buffer cuts long ones short) */
	static char verifier_log[8u << 20];
	if (o->verbose) {
		for (size_t i = 0; i < n; i++) {
			bpf_program__set_log_buf(progs[i].prog, verifier_log, sizeof(verifier_log));
			bpf_program__set_log_level(progs[i].prog, 1);
		}
	}
	size_t ring = b->ring_bytes = ring_size(o->ring_bytes ? o->ring_bytes : XS_COL_DEFAULT_RING_BYTES);
	fill_config((struct xs_bpf_config *)&s->rodata->cfg, o, host, exit_tp, ring);
	int e = bpf_map__set_max_entries(s->maps.rb, (uint32_t)ring);
	/* the cell map is preallocated per CPU: only aggregation mode gets its real size */
	if (!e)
		e = bpf_map__set_max_entries(s->maps.agg,
					     o->aggregate ? (o->agg_cells ? o->agg_cells : XS_AGG_DEFAULT_CELLS) : 1);
	if (!e)
		e = exitscope_bpf__load(s);
	if (e && o->verbose)
		fprintf(stderr, "%s\n", verifier_log);
	if (e) {
		exitscope_bpf__destroy(s);
		b->skel = NULL;
	}
	return e;
}

static struct xs_col_backend_impl *bpf_open(const struct xs_col_opts *o, const struct xs_kvm_host *host,
					    xs_col_event_fn fn, void *ctx, char *err, size_t errlen)
{
	libbpf_verbose = o->verbose;
	libbpf_first[0] = libbpf_specific[0] = 0;
	libbpf_set_print(libbpf_print);
	struct xs_col_backend_impl *b = xs_calloc(1, sizeof(*b));
	b->fn = fn;
	b->ctx = ctx;
	struct prog_choice progs[40];
	size_t n = 0;
	/*
	 * The tp_btf detail programs first (cheaper: no trace record is built for them). Each one the kernel
	 * refuses (its tracepoint's prototype differs, or the verifier cannot type an argument) is replaced by
	 * its classic program, which reads the record by field name, and the load is tried again.
	 */
	uint32_t classic = o->detail_source == XS_DETAIL_SRC_TP ? D_ALL : 0;
	int e;
	for (;;) {
		e = load(b, o, host, classic, progs, &n);
		if (!e || o->detail_source != XS_DETAIL_SRC_AUTO || e == -ENOENT || e == -EPERM)
			break;
		int d = failed_detail();
		if (d < 0 || classic & (1u << d))
			break;
		if (!b->raw_failure[0])
			snprintf(b->raw_failure, sizeof(b->raw_failure), "%s",
				 libbpf_specific[0] ? libbpf_specific : libbpf_first);
		classic |= 1u << d;
		libbpf_first[0] = libbpf_specific[0] = 0;
	}
	b->classic = classic;
	if (e == -ENOENT) {
		snprintf(err, errlen, "none of the selected KVM tracepoints exists on this kernel (is KVM loaded?)");
		bpf_close(b);
		return NULL;
	}
	if (e)
		return fail(b, err, errlen, "cannot load the BPF program", -e);
	for (size_t i = 0; i < n; i++) {
		if (progs[i].tp < 0)
			continue;
		struct bpf_link *l = bpf_program__attach(progs[i].prog);
		if (!l) {
			char what[96];
			snprintf(what, sizeof(what), "cannot attach to %s",
				 progs[i].tracepoint ? progs[i].tracepoint : bpf_program__name(progs[i].prog));
			return fail(b, err, errlen, what, errno);
		}
		b->links[b->nlinks++] = l;
	}
	char ring_err[160];
	b->rb = xs_ring_open(bpf_map__fd(b->skel->maps.rb), b->ring_bytes, on_sample, b, ring_err, sizeof(ring_err));
	if (!b->rb) {
		snprintf(err, errlen, "%s", ring_err);
		bpf_close(b);
		return NULL;
	}
	return b;
}

static int bpf_poll(struct xs_col_backend_impl *b, int timeout_ms)
{
	int n = xs_ring_poll(b->rb, timeout_ms);
	return n < 0 ? n : 0;
}

/* Stop producing at once; the links go in close(), where their slow detach no longer delays the output. */
static void bpf_detach(struct xs_col_backend_impl *b)
{
	__atomic_store_n(&b->skel->bss->stopped, 1, __ATOMIC_RELEASE);
}

static int bpf_drain(struct xs_col_backend_impl *b)
{
	xs_ring_consume(b->rb);
	return 0;
}

static void bpf_cpu_losses(struct xs_col_backend_impl *b, uint64_t *ring_full, uint64_t *lost, size_t ncpu)
{
	(void)lost;
	int n = libbpf_num_possible_cpus();
	if (n <= 0)
		return;
	struct xs_bpf_counters *per = xs_calloc((size_t)n, sizeof(*per));
	uint32_t zero = 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.counters), &zero, per))
		for (int i = 0; i < n && (size_t)i < ncpu; i++)
			ring_full[i] += per[i].ring_full;
	free(per);
}

static void bpf_counters(struct xs_col_backend_impl *b, struct xs_col_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return;
	struct xs_bpf_counters *per = xs_calloc((size_t)ncpu, sizeof(*per));
	uint32_t zero = 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.counters), &zero, per)) {
		for (int i = 0; i < ncpu; i++) {
			out->dropped_ring += per[i].ring_full;
			out->filtered += per[i].filtered;
			out->sampled_out += per[i].sampled_out;
			out->read_fail += per[i].read_fail;
			out->wakeups += per[i].wakeups;
			out->agg_full += per[i].agg_full;
		}
	}
	free(per);
	out->bad_events += b->bad_events;
}

static int bpf_read_agg(struct xs_col_backend_impl *b, xs_col_agg_fn fn, void *ctx)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	int fd = bpf_map__fd(b->skel->maps.agg);
	struct xs_agg_map_val *per = xs_calloc((size_t)ncpu, sizeof(*per));
	struct xs_agg_map_key key, next, *prev = NULL;
	struct xs_agg_map_val sum;
	int e = 0;
	/* cells are never deleted, so walking the keys while the program adds some misses none that existed */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, per)) {
			e = -errno;
			break;
		}
		xs_agg_val_sum(per, (size_t)ncpu, &sum);
		fn(ctx, &key, &sum);
	}
	free(per);
	return e;
}

static void bpf_set_stream(struct xs_col_backend_impl *b, bool on)
{
	__atomic_store_n(&b->skel->bss->agg_stream, on ? 1 : 0, __ATOMIC_RELEASE);
}

static bool bpf_merges_halves(struct xs_col_backend_impl *b)
{
	return b->both_halves;
}

/* Only tp_btf/kvm_exit gets the struct kvm_vcpu pointer the snapshot is read from. */
static const char *bpf_no_guest_state(struct xs_col_backend_impl *b)
{
	if (bpf_program__autoload(b->skel->progs.exit_btf))
		return NULL;
	if (bpf_program__autoload(b->skel->progs.exit_tp))
		return "--exit-source tp gives no vCPU pointer; btf or both do";
	return "kvm_exit is not traced";
}

static void bpf_meta(struct xs_col_backend_impl *b, struct xs_sink *sink)
{
	struct exitscope_bpf *s = b->skel;
	bool btf = bpf_program__autoload(s->progs.exit_btf), tp = bpf_program__autoload(s->progs.exit_tp);
	xs_sink_meta(sink, "collector.exit_programs",
		     btf && tp ? "tp_btf+tracepoint"
		     : btf     ? "tp_btf"
		     : tp      ? "tracepoint"
			       : "none");
	if (!b->classic) {
		xs_sink_meta(sink, "collector.detail_programs", "tp_btf");
	} else if (b->classic == D_ALL) {
		xs_sink_meta(sink, "collector.detail_programs", "tracepoint");
	} else {
		char names[256] = "";
		size_t len = 0;
		for (int d = 0; d < D_COUNT; d++)
			if (b->classic & (1u << d))
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%skvm_%s", len ? ", " : "",
							detail_names[d]);
		xs_sink_metaf(sink, "collector.detail_programs", "tp_btf, tracepoint for %s (tp_btf did not load: %s)",
			      names, b->raw_failure);
	}
}

const struct xs_col_backend_ops xs_col_bpf_backend = {
	.name = "bpf",
	.open = bpf_open,
	.poll = bpf_poll,
	.detach = bpf_detach,
	.drain = bpf_drain,
	.counters = bpf_counters,
	.cpu_losses = bpf_cpu_losses,
	.close = bpf_close,
	.merges_halves = bpf_merges_halves,
	.no_guest_state = bpf_no_guest_state,
	.meta = bpf_meta,
	.read_agg = bpf_read_agg,
	.set_stream = bpf_set_stream,
};
