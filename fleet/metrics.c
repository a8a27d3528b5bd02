// SPDX-License-Identifier: MIT
/* Prometheus text exposition of the shared aggregator (fleet/metrics.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/util.h"
#include "decoder/decoder.h"
#include "fleet/metrics.h"

/* Latency histogram bounds: 2^k - 1 ns for k in [LAT_K_MIN, LAT_K_MAX]; each is the top of a histogram octave
 * of common/agg.h, so the cumulative counts are exact, not interpolated. 255 ns .. ~1.07 s. */
#define LAT_K_MIN 8
#define LAT_K_MAX 30

/* What a pid's exits are exported as. */
enum vm_state { VM_NEW, VM_OWN, VM_OTHER, VM_GONE };

struct vm_slot {
	bool used;
	uint32_t pid;
	enum vm_state state;
	unsigned int rank;   /* VM_OWN: the order it got its slot, for a stable output order */
	uint64_t gone_since; /* VM_OWN: when its process was first seen gone (0: alive) */
	uint32_t *vcpus;     /* VM_OWN: the vCPUs with their own series (at most max_vcpus) */
	unsigned int nvcpus;
};

struct xs_metrics {
	pthread_mutex_t lock;
	struct xs_agg *agg;
	unsigned int max_vms, max_vcpus;
	xs_metrics_vm_name_fn vm_name;
	void *vm_name_arg;
	char guest[64]; /* run.guest */
	uint64_t meta_ring_full, meta_lost, meta_agg_full;
	uint64_t *cpu_ring_full, *cpu_lost; /* [XS_METRICS_CPUS + 1], the last one "other" */
	int have_cpu_losses;
	int running;
	uint64_t scrapes;
	double last_render_s;
	struct vm_slot *vms; /* every pid seen, and whether it has its own series (sticky: see vm_assign) */
	size_t vm_cap, vm_used;
	unsigned int n_own, next_rank;
	int live;	     /* the pids are processes of this host: one that is gone gives its slot up */
	uint32_t named[256]; /* pids whose name was looked up (direct-mapped by pid): at first sight, while the
				process still exists, not only at the next scrape */
	struct xs_sink sink;
};

struct xs_metrics *xs_metrics_new(unsigned int max_vms, unsigned int max_vcpus, xs_metrics_vm_name_fn vm_name,
				  void *vm_name_arg)
{
	struct xs_metrics *m = xs_calloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->agg = xs_agg_new();
	m->max_vms = max_vms;
	m->max_vcpus = max_vcpus;
	m->vm_name = vm_name;
	m->vm_name_arg = vm_name_arg;
	m->cpu_ring_full = xs_calloc(XS_METRICS_CPUS + 1, sizeof(uint64_t));
	m->cpu_lost = xs_calloc(XS_METRICS_CPUS + 1, sizeof(uint64_t));
	m->running = 1;
	return m;
}

void xs_metrics_free(struct xs_metrics *m)
{
	if (!m)
		return;
	xs_agg_free(m->agg);
	for (size_t i = 0; i < m->vm_cap; i++)
		free(m->vms[i].vcpus);
	free(m->vms);
	free(m->cpu_ring_full);
	free(m->cpu_lost);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- the sink ---- */

static struct xs_metrics *of_sink(struct xs_sink *s)
{
	return (struct xs_metrics *)((char *)s - offsetof(struct xs_metrics, sink));
}

/* Look a pid's VM name up when it is first seen, while the process still exists. Called with the lock held. */
static void name_pid(struct xs_metrics *m, uint32_t pid)
{
	uint32_t slot = (pid * 2654435761u) >> 24;
	if (m->vm_name && m->named[slot] != pid) {
		m->named[slot] = pid;
		m->vm_name(m->vm_name_arg, pid); /* the callee caches the name */
	}
}

static int sink_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct xs_metrics *m = of_sink(s);
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < n; i++) {
		xs_agg_add(m->agg, &recs[i]);
		name_pid(m, recs[i].pid);
	}
	s->written += n;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int xs_metrics_add_counted(struct xs_metrics *m, xs_metrics_count_fn fn, void *ctx)
{
	pthread_mutex_lock(&m->lock);
	int rc = fn(ctx, m->agg);
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_PID, &rows);
	for (size_t i = 0; i < n; i++)
		name_pid(m, rows[i].key.pid);
	free(rows);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* "CPU:COUNT,...,other:COUNT" (cli/sources.c) into per_cpu; entries that do not parse are skipped. Called with
 * the lock held. */
static void parse_per_cpu(struct xs_metrics *m, const char *value, uint64_t *per_cpu)
{
	memset(per_cpu, 0, (XS_METRICS_CPUS + 1) * sizeof(*per_cpu));
	char item[64];
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, ",");
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1), p);
		p += n + (p[n] == ',');
		char *colon = strchr(item, ':');
		uint64_t cpu, count;
		if (!colon)
			continue;
		*colon = 0;
		if (!xs_parse_u64(colon + 1, &count))
			continue;
		if (!strcmp(item, "other"))
			per_cpu[XS_METRICS_CPUS] += count;
		else if (xs_parse_u64(item, &cpu))
			per_cpu[cpu < XS_METRICS_CPUS ? cpu : XS_METRICS_CPUS] += count;
	}
	m->have_cpu_losses = 1;
}

static int sink_meta(struct xs_sink *s, const char *key, const char *value)
{
	struct xs_metrics *m = of_sink(s);
	uint64_t v = 0;
	pthread_mutex_lock(&m->lock);
	if (!strcmp(key, "run.guest"))
		snprintf(m->guest, sizeof(m->guest), "%s", value);
	else if (!strcmp(key, "counter.dropped.ring") && xs_parse_u64(value, &v))
		m->meta_ring_full = v;
	else if (!strcmp(key, "counter.lost.perf") && xs_parse_u64(value, &v))
		m->meta_lost = v;
	else if (!strcmp(key, "counter.agg_full") && xs_parse_u64(value, &v))
		m->meta_agg_full = v;
	else if (!strcmp(key, "counter.dropped.ring.per_cpu"))
		parse_per_cpu(m, value, m->cpu_ring_full);
	else if (!strcmp(key, "counter.lost.perf.per_cpu"))
		parse_per_cpu(m, value, m->cpu_lost);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int sink_close(struct xs_sink *s)
{
	(void)s; /* the metrics outlive their sink: the endpoint answers after the source ended */
	return 0;
}

static const struct xs_sink_ops metrics_sink_ops = {sink_write, sink_meta, NULL, sink_close};

struct xs_sink *xs_metrics_sink(struct xs_metrics *m)
{
	m->sink.ops = &metrics_sink_ops;
	m->sink.name = "metrics";
	return &m->sink;
}

void xs_metrics_set_live(struct xs_metrics *m, int live)
{
	pthread_mutex_lock(&m->lock);
	m->live = live;
	pthread_mutex_unlock(&m->lock);
}

void xs_metrics_set_running(struct xs_metrics *m, int running)
{
	pthread_mutex_lock(&m->lock);
	m->running = running;
	pthread_mutex_unlock(&m->lock);
}

struct xs_agg *xs_metrics_snapshot(struct xs_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	struct xs_agg *copy = xs_agg_clone(m->agg);
	pthread_mutex_unlock(&m->lock);
	return copy;
}

uint64_t xs_metrics_records(struct xs_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t n = xs_agg_count(m->agg);
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- rendering ---- */

/* A label value with the text format's escapes (backslash, double quote, newline). */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out), fputc(*s, out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void reason_labels(FILE *out, uint8_t isa, uint32_t reason)
{
	const char *name = xs_reason_name(isa, reason);
	fprintf(out, "isa=\"%s\",reason=\"", xs_isa_name(isa));
	if (name)
		label_value(out, name);
	else
		fprintf(out, "%u", reason);
	fputc('"', out);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int by_count_desc(const void *a, const void *b)
{
	const struct xs_agg_row *x = a, *y = b;
	if (x->stats.count != y->stats.count)
		return x->stats.count < y->stats.count ? 1 : -1;
	return x->key.pid < y->key.pid ? -1 : x->key.pid > y->key.pid;
}

/* Cells grouped for output: the VM's slot order (RANK_OTHER: "other"), the vCPU (UINT32_MAX: "other"), the reason. */
struct series {
	unsigned int vm_rank, vcpu_slot; /* vcpu_slot: UINT32_MAX for "other" */
	uint32_t pid, vcpu;
	uint8_t isa;
	uint32_t reason;
	uint64_t count;
};

static int series_order(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	if (x->vm_rank != y->vm_rank)
		return x->vm_rank < y->vm_rank ? -1 : 1;
	if (x->vcpu_slot != y->vcpu_slot)
		return x->vcpu_slot < y->vcpu_slot ? -1 : 1;
	if (x->isa != y->isa)
		return x->isa < y->isa ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

#define RANK_OTHER UINT32_MAX
/* A VM whose process is gone keeps its series this long (Prometheus's staleness window), so its last exits
 * are scraped before its slot goes to another VM. */
#define GONE_GRACE_NS (300ull * 1000000000ull)

/* The slot of pid, made (VM_NEW) when missing. */
static struct vm_slot *vm_slot(struct xs_metrics *m, uint32_t pid)
{
	if ((m->vm_used + 1) * 2 > m->vm_cap) {
		size_t cap = m->vm_cap ? m->vm_cap * 2 : 64;
		struct vm_slot *v = xs_calloc(cap, sizeof(*v));
		for (size_t i = 0; i < m->vm_cap; i++) {
			if (!m->vms[i].used)
				continue;
			size_t j = (m->vms[i].pid * 2654435761u) & (cap - 1);
			while (v[j].used)
				j = (j + 1) & (cap - 1);
			v[j] = m->vms[i];
		}
		free(m->vms);
		m->vms = v;
		m->vm_cap = cap;
	}
	size_t i = (pid * 2654435761u) & (m->vm_cap - 1);
	while (m->vms[i].used && m->vms[i].pid != pid)
		i = (i + 1) & (m->vm_cap - 1);
	if (!m->vms[i].used) {
		m->vms[i] = (struct vm_slot){.used = true, .pid = pid, .state = VM_NEW};
		m->vm_used++;
	}
	return &m->vms[i];
}

/*
 * Which pids and vCPUs get their own series. Sticky, so every series is a true counter: a VM that got a slot
 * keeps it, and one folded into "other" stays there (moving it out would make "other" go down, which
 * Prometheus reads as a counter reset). New VMs take free slots, the busiest first. With a live source a VM
 * whose process has been gone for GONE_GRACE_NS gives its slot up: its series end, and its exits are not
 * added to "other".
 */
static void vm_assign(struct xs_metrics *m, const struct xs_agg_row *pids, size_t npids, const struct xs_agg_row *vcpus,
		      size_t nvcpus)
{
	uint64_t now = xs_now_ns();
	for (size_t i = 0; m->live && i < m->vm_cap; i++) {
		struct vm_slot *v = &m->vms[i];
		if (!v->used || v->state != VM_OWN || !(kill((pid_t)v->pid, 0) && errno == ESRCH))
			continue;
		if (!v->gone_since)
			v->gone_since = now;
		else if (now - v->gone_since >= GONE_GRACE_NS) { /* its last exits have long been scraped */
			v->state = VM_GONE;
			m->n_own--;
		}
	}
	for (size_t i = 0; i < npids; i++) { /* pids: busiest first */
		struct vm_slot *v = vm_slot(m, pids[i].key.pid);
		if (v->state != VM_NEW)
			continue;
		if (m->n_own < m->max_vms) {
			v->state = VM_OWN;
			v->rank = m->next_rank++;
			m->n_own++;
		} else {
			v->state = VM_OTHER;
		}
	}
	for (size_t i = 0; i < nvcpus; i++) { /* vCPUs: busiest first */
		struct vm_slot *v = vm_slot(m, vcpus[i].key.pid);
		if (v->state != VM_OWN || v->nvcpus >= m->max_vcpus)
			continue;
		unsigned int j = 0;
		while (j < v->nvcpus && v->vcpus[j] != vcpus[i].key.vcpu)
			j++;
		if (j == v->nvcpus) {
			v->vcpus = xs_realloc(v->vcpus, (v->nvcpus + 1) * sizeof(*v->vcpus));
			v->vcpus[v->nvcpus++] = vcpus[i].key.vcpu;
		}
	}
}

/* The exit counters, folded to the cardinality bound. Called with the lock held. */
static void render_exits(struct xs_metrics *m, FILE *out)
{
	struct xs_agg_row *pids, *cells, *vcpus;
	size_t npids = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_PID, &pids);
	size_t nvcpus = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_VCPU, &vcpus);
	size_t ncells = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_CELL, &cells);
	qsort(pids, npids, sizeof(*pids), by_count_desc);
	qsort(vcpus, nvcpus, sizeof(*vcpus), by_count_desc);
	vm_assign(m, pids, npids, vcpus, nvcpus);

	struct series *s = xs_calloc(ncells ? ncells : 1, sizeof(*s));
	size_t ns = 0;
	for (size_t i = 0; i < ncells; i++) {
		const struct xs_agg_key *k = &cells[i].key;
		const struct vm_slot *v = vm_slot(m, k->pid);
		if (v->state == VM_GONE)
			continue;
		struct series *e = &s[ns++];
		e->vm_rank = v->state == VM_OWN ? v->rank : RANK_OTHER;
		e->vcpu_slot = UINT32_MAX;
		for (unsigned int j = 0; v->state == VM_OWN && j < v->nvcpus; j++)
			if (v->vcpus[j] == k->vcpu)
				e->vcpu_slot = k->vcpu;
		e->pid = k->pid;
		e->vcpu = k->vcpu;
		e->isa = k->isa;
		e->reason = k->reason;
		e->count = cells[i].stats.count;
	}
	qsort(s, ns, sizeof(*s), series_order);

	family(out, "exitscope_exits_total", "counter",
	       "VM exits per VM (pid, name), vCPU and exit reason; VMs past --max-vms as pid=\"other\", vCPUs past "
	       "--max-vcpus of a VM as vcpu=\"other\" (slots are kept: every series only grows).");
	for (size_t i = 0; i < ns;) {
		size_t j = i;
		uint64_t sum = 0;
		while (j < ns && s[j].vm_rank == s[i].vm_rank && s[j].vcpu_slot == s[i].vcpu_slot &&
		       s[j].isa == s[i].isa && s[j].reason == s[i].reason)
			sum += s[j++].count;
		fputs("exitscope_exits_total{", out);
		if (s[i].vm_rank == RANK_OTHER) {
			fputs("pid=\"other\",vm=\"other\",vcpu=\"other\",", out);
		} else {
			const char *name = m->vm_name ? m->vm_name(m->vm_name_arg, s[i].pid) : NULL;
			/* A guest launched by this process is named by the run, not by our own command line. */
			if (m->guest[0] && (!name || !*name || s[i].pid == (uint32_t)getpid()))
				name = m->guest;
			if (!name)
				name = "";
			fprintf(out, "pid=\"%u\",vm=\"", s[i].pid);
			label_value(out, name);
			if (s[i].vcpu_slot == UINT32_MAX)
				fputs("\",vcpu=\"other\",", out);
			else
				fprintf(out, "\",vcpu=\"%u\",", s[i].vcpu);
		}
		reason_labels(out, s[i].isa, s[i].reason);
		fprintf(out, "} %llu\n", (unsigned long long)sum);
		i = j;
	}
	size_t folded = 0, gone = 0;
	for (size_t i = 0; i < m->vm_cap; i++) {
		folded += m->vms[i].used && m->vms[i].state == VM_OTHER;
		gone += m->vms[i].used && m->vms[i].state == VM_GONE;
	}
	family(out, "exitscope_vms", "gauge",
	       "VMs (host processes) seen; folded into pid=\"other\"; gone (their slot given up, their series ended).");
	fprintf(out,
		"exitscope_vms{kind=\"seen\"} %zu\nexitscope_vms{kind=\"folded\"} %zu\nexitscope_vms{kind=\"gone\"} "
		"%zu\n",
		npids, folded, gone);
	free(s);
	free(vcpus);
	free(cells);
	free(pids);
}

static void render_latency(struct xs_metrics *m, FILE *out)
{
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_REASON, &rows);
	family(out, "exitscope_exit_latency_seconds", "histogram",
	       "Time from a VM exit to the next entry of the same vCPU, per exit reason (all VMs).");
	for (size_t i = 0; i < n; i++) {
		const struct xs_stats *st = &rows[i].stats;
		if (!st->lat_count)
			continue;
		uint64_t cum = 0;
		unsigned int b = 0;
		for (unsigned int k = LAT_K_MIN; k <= LAT_K_MAX; k++) {
			unsigned int end = xs_hist_bucket(1ull << k); /* buckets below hold values <= 2^k - 1 */
			for (; b < end && b < XS_HIST_BUCKETS; b++)
				cum += st->lat_hist[b];
			fputs("exitscope_exit_latency_seconds_bucket{", out);
			reason_labels(out, rows[i].key.isa, rows[i].key.reason);
			fprintf(out, ",le=\"%.9g\"} %llu\n", (double)((1ull << k) - 1) / 1e9, (unsigned long long)cum);
		}
		fputs("exitscope_exit_latency_seconds_bucket{", out);
		reason_labels(out, rows[i].key.isa, rows[i].key.reason);
		fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)st->lat_count);
		fputs("exitscope_exit_latency_seconds_sum{", out);
		reason_labels(out, rows[i].key.isa, rows[i].key.reason);
		fprintf(out, "} %.9f\n", (double)st->lat_sum / 1e9);
		fputs("exitscope_exit_latency_seconds_count{", out);
		reason_labels(out, rows[i].key.isa, rows[i].key.reason);
		fprintf(out, "} %llu\n", (unsigned long long)st->lat_count);
	}
	free(rows);
}

/* One loss counter per CPU that has any (cpu 0 always, so the family is never empty), or the total alone. */
static void render_loss(const struct xs_metrics *m, FILE *out, const char *name, const uint64_t *per_cpu,
			uint64_t total)
{
	if (!m->have_cpu_losses) {
		fprintf(out, "%s{cpu=\"all\"} %llu\n", name, (unsigned long long)total);
		return;
	}
	for (unsigned int c = 0; c <= XS_METRICS_CPUS; c++) {
		if (!(m->cpu_ring_full[c] || m->cpu_lost[c] || c == 0))
			continue;
		if (c == XS_METRICS_CPUS)
			fprintf(out, "%s{cpu=\"other\"} %llu\n", name, (unsigned long long)per_cpu[c]);
		else
			fprintf(out, "%s{cpu=\"%u\"} %llu\n", name, c, (unsigned long long)per_cpu[c]);
	}
}

static void render_losses(struct xs_metrics *m, FILE *out)
{
	family(out, "exitscope_ring_full_total", "counter",
	       "Events the BPF ring had no room for, per host CPU (cpu=\"all\" where only the total is known).");
	render_loss(m, out, "exitscope_ring_full_total", m->cpu_ring_full, m->meta_ring_full);
	family(out, "exitscope_lost_total", "counter",
	       "Samples the kernel lost before the perf backend read them, per host CPU (cpu=\"all\": total only).");
	render_loss(m, out, "exitscope_lost_total", m->cpu_lost, m->meta_lost);
	family(out, "exitscope_agg_map_full_total", "counter",
	       "Aggregation mode: exits not counted because the kernel's cell map was full (0 otherwise).");
	fprintf(out, "exitscope_agg_map_full_total %llu\n", (unsigned long long)m->meta_agg_full);
}

void xs_metrics_render(struct xs_metrics *m, FILE *out)
{
	uint64_t t0 = xs_now_ns();
	pthread_mutex_lock(&m->lock);
	render_exits(m, out);
	render_latency(m, out);
	render_losses(m, out);
	family(out, "exitscope_records_total", "counter", "Exit records received from the source.");
	fprintf(out, "exitscope_records_total %llu\n", (unsigned long long)xs_agg_count(m->agg));
	family(out, "exitscope_source_running", "gauge", "1 while the source (collector, guest, replay) runs.");
	fprintf(out, "exitscope_source_running %d\n", m->running);
	m->scrapes++;
	uint64_t scrapes = m->scrapes;
	double last = m->last_render_s;
	pthread_mutex_unlock(&m->lock);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	family(out, "exitscope_collector_cpu_seconds_total", "counter",
	       "CPU time of this exitscope process (collector or launcher, aggregation and this endpoint).");
	fprintf(out, "exitscope_collector_cpu_seconds_total{mode=\"user\"} %ld.%06ld\n", (long)ru.ru_utime.tv_sec,
		(long)ru.ru_utime.tv_usec);
	fprintf(out, "exitscope_collector_cpu_seconds_total{mode=\"system\"} %ld.%06ld\n", (long)ru.ru_stime.tv_sec,
		(long)ru.ru_stime.tv_usec);
	family(out, "exitscope_scrapes_total", "counter", "Scrapes of this endpoint rendered.");
	fprintf(out, "exitscope_scrapes_total %llu\n", (unsigned long long)scrapes);
	family(out, "exitscope_scrape_render_seconds", "gauge", "Time the previous scrape took to render.");
	fprintf(out, "exitscope_scrape_render_seconds %.9f\n", last);
	pthread_mutex_lock(&m->lock);
	m->last_render_s = (double)(xs_now_ns() - t0) / 1e9;
	pthread_mutex_unlock(&m->lock);
}
