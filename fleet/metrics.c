// SPDX-License-Identifier: MIT
/* Prometheus text exposition of the shared aggregator (fleet/metrics.h). */
#include <pthread.h>
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

struct xs_metrics {
	pthread_mutex_t lock;
	struct xs_agg *agg;
	unsigned int max_vms, max_vcpus;
	xs_metrics_vm_name_fn vm_name;
	void *vm_name_arg;
	char guest[64]; /* run.guest */
	uint64_t meta_ring_full, meta_lost;
	uint64_t *cpu_ring_full, *cpu_lost; /* [XS_METRICS_CPUS + 1], the last one "other" */
	int have_cpu_losses;
	int running;
	uint64_t scrapes;
	double last_render_s;
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

static int sink_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct xs_metrics *m = of_sink(s);
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < n; i++) {
		xs_agg_add(m->agg, &recs[i]);
		uint32_t pid = recs[i].pid, slot = (pid * 2654435761u) >> 24;
		if (m->vm_name && m->named[slot] != pid) {
			m->named[slot] = pid;
			m->vm_name(m->vm_name_arg, pid); /* the callee caches the name */
		}
	}
	s->written += n;
	pthread_mutex_unlock(&m->lock);
	return 0;
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

/* Cells grouped for output: the VM's rank (max_vms = "other"), the vCPU's rank within it, the reason. */
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

static unsigned int rank_of(const struct xs_agg_row *top, size_t ntop, uint32_t pid)
{
	for (size_t i = 0; i < ntop; i++)
		if (top[i].key.pid == pid)
			return (unsigned int)i;
	return UINT32_MAX;
}

/* The exit counters, folded to the cardinality bound. Called with the lock held. */
static void render_exits(struct xs_metrics *m, FILE *out)
{
	struct xs_agg_row *pids, *cells;
	size_t npids = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_PID, &pids);
	qsort(pids, npids, sizeof(*pids), by_count_desc);
	size_t ntop = npids < m->max_vms ? npids : m->max_vms;
	size_t ncells = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_CELL, &cells);

	/* Per top VM, its vCPUs by count: the first max_vcpus keep their own series. */
	struct xs_agg_row *vcpus;
	size_t nvcpus = xs_agg_rollup(m->agg, NULL, XS_AGG_BY_VCPU, &vcpus);
	qsort(vcpus, nvcpus, sizeof(*vcpus), by_count_desc);
	unsigned int *vcpu_rank = xs_calloc(nvcpus ? nvcpus : 1, sizeof(*vcpu_rank));
	unsigned int *seen = xs_calloc(ntop ? ntop : 1, sizeof(*seen));
	for (size_t i = 0; i < nvcpus; i++) {
		unsigned int r = rank_of(pids, ntop, vcpus[i].key.pid);
		vcpu_rank[i] = r == UINT32_MAX ? UINT32_MAX : seen[r]++;
	}

	struct series *s = xs_calloc(ncells ? ncells : 1, sizeof(*s));
	for (size_t i = 0; i < ncells; i++) {
		const struct xs_agg_key *k = &cells[i].key;
		unsigned int r = rank_of(pids, ntop, k->pid);
		s[i].vm_rank = r == UINT32_MAX ? (unsigned int)ntop : r;
		s[i].vcpu_slot = UINT32_MAX;
		if (r != UINT32_MAX)
			for (size_t j = 0; j < nvcpus; j++)
				if (vcpus[j].key.pid == k->pid && vcpus[j].key.vcpu == k->vcpu) {
					if (vcpu_rank[j] < m->max_vcpus)
						s[i].vcpu_slot = k->vcpu;
					break;
				}
		s[i].pid = k->pid;
		s[i].vcpu = k->vcpu;
		s[i].isa = k->isa;
		s[i].reason = k->reason;
		s[i].count = cells[i].stats.count;
	}
	qsort(s, ncells, sizeof(*s), series_order);

	family(out, "exitscope_exits_total", "counter",
	       "VM exits per VM (pid, name), vCPU and exit reason; VMs beyond the busiest --max-vms as pid=\"other\", "
	       "vCPUs beyond --max-vcpus of a VM as vcpu=\"other\".");
	for (size_t i = 0; i < ncells;) {
		size_t j = i;
		uint64_t sum = 0;
		while (j < ncells && s[j].vm_rank == s[i].vm_rank && s[j].vcpu_slot == s[i].vcpu_slot &&
		       s[j].isa == s[i].isa && s[j].reason == s[i].reason)
			sum += s[j++].count;
		fputs("exitscope_exits_total{", out);
		if (s[i].vm_rank == ntop) {
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
	family(out, "exitscope_vms", "gauge", "VMs (host processes) seen, and how many are folded into pid=\"other\".");
	fprintf(out, "exitscope_vms{kind=\"seen\"} %zu\nexitscope_vms{kind=\"folded\"} %zu\n", npids, npids - ntop);
	free(s);
	free(seen);
	free(vcpu_rank);
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
