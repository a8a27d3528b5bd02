// SPDX-License-Identifier: MIT
#include "analysis/export.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/cpl.h"
#include "analysis/format.h"
#include "common/text.h"
#include "common/util.h"
#include "decoder/decoder.h"

#define COUNTER_WINDOW_NS 1000000000ull

/* A VM of the trace: its process id there, its counter window and per-reason counts. */
struct vm {
	int64_t run;
	uint32_t pid;
	uint32_t trace_pid;
	uint64_t window_start; /* 0: no window yet */
	struct {
		uint8_t isa;
		uint32_t reason;
		uint64_t count;
	} reasons[64];
	size_t nreasons;
	uint8_t *vcpu_named; /* thread_name written for vCPU n (n < nnamed) */
	size_t nnamed;
};

struct stack {
	char *key;
	uint64_t weight;
};

struct xs_exporter {
	FILE *out;
	enum xs_export_format fmt;
	bool weight_latency;
	uint64_t count;
	/* trace */
	struct vm *vms;
	size_t nvms;
	bool first_event;
	/* folded: open addressing over stacks */
	struct stack *stacks;
	size_t nstacks, stack_cap;
};

bool xs_export_format_parse(const char *name, enum xs_export_format *out)
{
	static const char *const names[] = {"trace", "folded", "csv", "jsonl"};
	for (unsigned int i = 0; i < XS_ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum xs_export_format)i;
			return true;
		}
	}
	return false;
}

static const char csv_header[] = "run,ts_ns,vcpu,pid,tid,cpu,isa,reason,reason_name,qualification,guest_rip,symbol,"
				 "cpl,latency_ns,handler_ns,fields,detail,time_unit\n";

/* The unit of a record's ts and latency_ns: the vmx backend stamps emulated TSC ticks, which are no time. */
static const char *time_unit(const struct xs_exit_record *r)
{
	return (r->flags & XS_F_TS_TSC) ? "tsc_ticks" : "ns";
}

struct xs_exporter *xs_exporter_new(FILE *out, enum xs_export_format fmt, bool weight_latency)
{
	struct xs_exporter *x = xs_calloc(1, sizeof(*x));
	x->out = out;
	x->fmt = fmt;
	x->weight_latency = weight_latency;
	x->first_event = true;
	setvbuf(out, NULL, _IOFBF, 1 << 20); /* big writes: the exports are output-bound */
	if (fmt == XS_EXPORT_TRACE)
		fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", out);
	else if (fmt == XS_EXPORT_CSV)
		fputs(csv_header, out);
	return x;
}

static const char *reason_text(uint8_t isa, uint32_t reason, char *buf, size_t len)
{
	const char *name = xs_reason_name(isa, reason);
	if (name)
		return name;
	snprintf(buf, len, "%s_0x%x", xs_isa_name(isa), reason);
	return buf;
}

/* The decoder's one-line detail ("io port=0x3f8 OUT size=1 ..."): what the record's detail union says. */
static const char *detail_text(const struct xs_exit_record *r, char *buf, size_t len)
{
	if (xs_record_text(r, buf, len) >= len)
		return NULL;
	const char *bar = strrchr(buf, '|');
	return bar && bar[1] == ' ' && bar[2] ? bar + 2 : NULL;
}

/* ---- trace ---- */

static void event_sep(struct xs_exporter *x)
{
	if (!x->first_event)
		fputs(",\n", x->out);
	x->first_event = false;
}

static void ts_us(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static struct vm *vm_for(struct xs_exporter *x, int64_t run, uint32_t pid, const char *run_label)
{
	for (size_t i = 0; i < x->nvms; i++)
		if (x->vms[i].run == run && x->vms[i].pid == pid)
			return &x->vms[i];
	x->vms = xs_realloc(x->vms, (x->nvms + 1) * sizeof(*x->vms));
	struct vm *v = &x->vms[x->nvms++];
	memset(v, 0, sizeof(*v));
	v->run = run;
	v->pid = pid;
	v->trace_pid = (uint32_t)x->nvms;
	char name[200];
	snprintf(name, sizeof(name), "%s, pid %u", run_label, pid);
	event_sep(x);
	fprintf(x->out,
		"{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":", v->trace_pid);
	xs_json_fputs(x->out, name);
	fputs("}}", x->out);
	return v;
}

static void counter_flush(struct xs_exporter *x, struct vm *v)
{
	if (!v->window_start)
		return;
	event_sep(x);
	fprintf(x->out, "{\"ph\":\"C\",\"name\":\"exits/s\",\"pid\":%u,\"tid\":0,\"ts\":", v->trace_pid);
	ts_us(x->out, v->window_start);
	fputs(",\"args\":{", x->out);
	for (size_t i = 0; i < v->nreasons; i++) {
		char buf[32];
		if (i)
			putc_unlocked(',', x->out);
		xs_json_fputs(x->out, reason_text(v->reasons[i].isa, v->reasons[i].reason, buf, sizeof(buf)));
		fprintf(x->out, ":%llu", (unsigned long long)v->reasons[i].count);
		v->reasons[i].count = 0; /* a reason seen once stays in the series, at 0 when quiet */
	}
	fputs("}}", x->out);
}

static void counter_add(struct xs_exporter *x, struct vm *v, const struct xs_exit_record *r)
{
	if (!v->window_start) {
		v->window_start = r->ts ? r->ts : 1;
	} else if (r->ts >= v->window_start + COUNTER_WINDOW_NS) {
		counter_flush(x, v);
		uint64_t windows = (r->ts - v->window_start) / COUNTER_WINDOW_NS;
		if (windows > 1) {
			/* a quiet stretch: one zero sample where it starts, so the counter drops to 0 */
			v->window_start += COUNTER_WINDOW_NS;
			counter_flush(x, v);
		}
		v->window_start += (windows - (windows > 1)) * COUNTER_WINDOW_NS;
	}
	for (size_t i = 0; i < v->nreasons; i++) {
		if (v->reasons[i].isa == r->isa && v->reasons[i].reason == r->reason) {
			v->reasons[i].count++;
			return;
		}
	}
	if (v->nreasons < XS_ARRAY_SIZE(v->reasons)) {
		v->reasons[v->nreasons].isa = r->isa;
		v->reasons[v->nreasons].reason = r->reason;
		v->reasons[v->nreasons++].count = 1;
	}
}

static void trace_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const char *run_label,
		      const struct xs_symtab *t)
{
	struct vm *v = vm_for(x, run, r->pid, run_label);
	if (r->vcpu >= v->nnamed && r->vcpu < (1u << 20)) { /* KVM's vCPU ids are far below 2^20 */
		size_t n = (size_t)r->vcpu + 64;
		v->vcpu_named = xs_realloc(v->vcpu_named, n);
		memset(v->vcpu_named + v->nnamed, 0, n - v->nnamed);
		v->nnamed = n;
	}
	if (r->vcpu < v->nnamed && !v->vcpu_named[r->vcpu]) {
		v->vcpu_named[r->vcpu] = 1;
		event_sep(x);
		fprintf(x->out,
			"{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":\"vcpu %u\"}}",
			v->trace_pid, r->vcpu, r->vcpu);
	}
	if (!(r->flags & XS_F_TS_TSC)) /* exits/s needs seconds: a TSC tick count has none */
		counter_add(x, v, r);
	struct xs_decoded d;
	xs_decode(r, &d);
	char name[32], sym[XS_SYM_NAME_MAX + 32], fields[2048];
	event_sep(x);
	fputs("{\"ph\":\"X\",\"name\":", x->out);
	xs_json_fputs(x->out, reason_text(r->isa, r->reason, name, sizeof(name)));
	fprintf(x->out, ",\"cat\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":", xs_isa_name(r->isa), v->trace_pid, r->vcpu);
	ts_us(x->out, r->ts);
	fputs(",\"dur\":", x->out);
	ts_us(x->out, (r->flags & XS_F_LATENCY) ? r->latency_ns : 0);
	fprintf(x->out, ",\"args\":{\"reason\":%u", r->reason);
	if (r->flags & XS_F_RIP) {
		fprintf(x->out, ",\"rip\":\"0x%llx\",\"symbol\":", (unsigned long long)r->guest_rip);
		xs_json_fputs(x->out, xs_symtab_format(t, true, r->guest_rip, sym, sizeof(sym)));
	}
	int cpl = xs_guest_cpl(r);
	if (cpl >= 0)
		fprintf(x->out, ",\"cpl\":%d", cpl);
	if (r->flags & XS_F_LATENCY)
		fprintf(x->out, ",\"latency_%s\":%llu", (r->flags & XS_F_TS_TSC) ? "ticks" : "ns",
			(unsigned long long)r->latency_ns);
	if (r->flags & XS_F_TS_TSC) /* ts and dur are ticks shown as if ns: the slices' order and ratios hold */
		fputs(",\"time_unit\":\"tsc_ticks\"", x->out);
	if (xs_decoded_fields_json(&d, fields, sizeof(fields)) < sizeof(fields) && strcmp(fields, "{}"))
		fprintf(x->out, ",\"fields\":%s", fields);
	const char *detail = detail_text(r, fields, sizeof(fields));
	if (detail) {
		fputs(",\"detail\":", x->out);
		xs_json_fputs(x->out, detail);
	}
	fputs("}}", x->out);
}

/* ---- folded ---- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void stack_put(struct xs_exporter *x, char *key, uint64_t w)
{
	if ((x->nstacks + 1) * 2 > x->stack_cap) {
		size_t cap = x->stack_cap ? x->stack_cap * 2 : 256;
		struct stack *n = xs_calloc(cap, sizeof(*n));
		for (size_t i = 0; i < x->stack_cap; i++) {
			if (!x->stacks[i].key)
				continue;
			size_t s = str_hash(x->stacks[i].key) & (cap - 1);
			while (n[s].key)
				s = (s + 1) & (cap - 1);
			n[s] = x->stacks[i];
		}
		free(x->stacks);
		x->stacks = n;
		x->stack_cap = cap;
	}
	size_t s = str_hash(key) & (x->stack_cap - 1);
	while (x->stacks[s].key) {
		if (!strcmp(x->stacks[s].key, key)) {
			x->stacks[s].weight += w;
			return;
		}
		s = (s + 1) & (x->stack_cap - 1);
	}
	x->stacks[s].key = xs_strdup(key);
	x->stacks[s].weight = w;
	x->nstacks++;
}

/* A frame may not hold ';' (the separator) or a line break. */
static void frame(char *dst, size_t len, const char *src)
{
	size_t i = 0;
	for (; *src && i + 1 < len; src++, i++)
		dst[i] = *src == ';' ? ':' : (*src == '\n' || *src == '\r') ? ' ' : *src;
	dst[i] = 0;
}

static void folded_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const char *run_label,
		       const struct xs_symtab *t)
{
	(void)run;
	char vm[160], reason[48], sym[XS_SYM_NAME_MAX + 32], symf[XS_SYM_NAME_MAX + 32];
	char key[XS_SYM_NAME_MAX + 300];
	char vm_raw[160];
	snprintf(vm_raw, sizeof(vm_raw), "%s pid %u", run_label, r->pid);
	frame(vm, sizeof(vm), vm_raw);
	const char *rname = reason_text(r->isa, r->reason, reason, sizeof(reason));
	/* the function, not the offset: one frame per symbol */
	uint32_t i = (r->flags & XS_F_RIP) ? xs_symtab_find(t, r->guest_rip) : XS_SYM_NONE;
	if (i != XS_SYM_NONE)
		snprintf(sym, sizeof(sym), "%s", xs_symtab_at(t, i)->name);
	else
		snprintf(sym, sizeof(sym), "%s", (r->flags & XS_F_RIP) ? "[no symbol]" : "[no RIP]");
	frame(symf, sizeof(symf), sym);
	snprintf(key, sizeof(key), "%s;vcpu %u;%s %s;%s", vm, r->vcpu, xs_isa_name(r->isa), rname, symf);
	uint64_t w = x->weight_latency ? ((r->flags & XS_F_LATENCY) ? r->latency_ns : 0) : 1;
	stack_put(x, key, w);
}

/* ---- csv, jsonl ---- */

static void csv_str(FILE *out, const char *s)
{
	putc_unlocked('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc_unlocked('"', out);
		putc_unlocked(*s, out);
	}
	putc_unlocked('"', out);
}

static void csv_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const struct xs_symtab *t)
{
	struct xs_decoded d;
	xs_decode(r, &d);
	char name[32], sym[XS_SYM_NAME_MAX + 32], fields[2048];
	fprintf(x->out, "%lld,%llu,%u,%u,%u,%u,%s,%u,", (long long)run, (unsigned long long)r->ts, r->vcpu, r->pid,
		r->tid, r->cpu, xs_isa_name(r->isa), r->reason);
	csv_str(x->out, reason_text(r->isa, r->reason, name, sizeof(name)));
	fprintf(x->out, ",0x%llx,", (unsigned long long)r->qualification);
	if (r->flags & XS_F_RIP)
		fprintf(x->out, "0x%llx", (unsigned long long)r->guest_rip);
	putc_unlocked(',', x->out);
	if (r->flags & XS_F_RIP)
		csv_str(x->out, xs_symtab_format(t, true, r->guest_rip, sym, sizeof(sym)));
	putc_unlocked(',', x->out);
	int cpl = xs_guest_cpl(r);
	if (cpl >= 0)
		fprintf(x->out, "%d", cpl);
	putc_unlocked(',', x->out);
	if (r->flags & XS_F_LATENCY)
		fprintf(x->out, "%llu", (unsigned long long)r->latency_ns);
	putc_unlocked(',', x->out);
	if (r->flags & XS_F_RUN_TIMES)
		fprintf(x->out, "%llu", (unsigned long long)r->handler_ns);
	putc_unlocked(',', x->out);
	if (xs_decoded_fields_text(&d, fields, sizeof(fields)) >= sizeof(fields))
		fields[0] = 0;
	csv_str(x->out, fields);
	putc_unlocked(',', x->out);
	const char *detail = detail_text(r, fields, sizeof(fields));
	csv_str(x->out, detail ? detail : "");
	fprintf(x->out, ",%s\n", time_unit(r));
}

static void jsonl_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const struct xs_symtab *t)
{
	char buf[8192], sym[XS_SYM_NAME_MAX + 32];
	size_t n = xs_record_json(r, buf, sizeof(buf));
	if (n >= sizeof(buf) || n < 2 || buf[n - 1] != '}') {
		fprintf(x->out, "{\"run\":%lld,\"error\":\"record too large to render\"}\n", (long long)run);
		return;
	}
	buf[n - 1] = 0; /* reopen the object to add ours */
	fprintf(x->out, "%s,\"run\":%lld", buf, (long long)run);
	if (r->flags & XS_F_RIP) {
		fputs(",\"symbol\":", x->out);
		xs_json_fputs(x->out, xs_symtab_format(t, true, r->guest_rip, sym, sizeof(sym)));
	}
	int cpl = xs_guest_cpl(r);
	if (cpl >= 0)
		fprintf(x->out, ",\"cpl\":%d", cpl);
	fprintf(x->out, ",\"time_unit\":\"%s\"}\n", time_unit(r));
}

void xs_exporter_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const char *run_label,
		     const struct xs_symtab *t)
{
	switch (x->fmt) {
	case XS_EXPORT_TRACE:
		trace_add(x, r, run, run_label, t);
		break;
	case XS_EXPORT_FOLDED:
		folded_add(x, r, run, run_label, t);
		break;
	case XS_EXPORT_CSV:
		csv_add(x, r, run, t);
		break;
	case XS_EXPORT_JSONL:
		jsonl_add(x, r, run, t);
		break;
	}
	x->count++;
}

static int stack_order(const void *pa, const void *pb)
{
	const struct stack *a = pa, *b = pb;
	return strcmp(a->key, b->key);
}

void xs_exporter_finish(struct xs_exporter *x)
{
	if (x->fmt == XS_EXPORT_TRACE) {
		for (size_t i = 0; i < x->nvms; i++)
			counter_flush(x, &x->vms[i]);
		fputs("\n]}\n", x->out);
	} else if (x->fmt == XS_EXPORT_FOLDED) {
		/* sorted, as flamegraph.pl's own stackcollapse output is */
		size_t w = 0;
		for (size_t i = 0; i < x->stack_cap; i++)
			if (x->stacks[i].key)
				x->stacks[w++] = x->stacks[i];
		qsort(x->stacks, w, sizeof(*x->stacks), stack_order);
		for (size_t i = 0; i < w; i++)
			fprintf(x->out, "%s %llu\n", x->stacks[i].key, (unsigned long long)x->stacks[i].weight);
		x->stack_cap = w; /* now a plain array of w stacks */
	}
	fflush(x->out);
}

uint64_t xs_exporter_count(const struct xs_exporter *x)
{
	return x->count;
}

uint64_t xs_exporter_stacks(const struct xs_exporter *x)
{
	return x->nstacks;
}

void xs_exporter_free(struct xs_exporter *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->stack_cap; i++)
		free(x->stacks[i].key);
	free(x->stacks);
	for (size_t i = 0; i < x->nvms; i++)
		free(x->vms[i].vcpu_named);
	free(x->vms);
	free(x);
}
