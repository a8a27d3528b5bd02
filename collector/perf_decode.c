// SPDX-License-Identifier: MIT
#include "collector/perf_decode.h"

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Little-endian reads from an unaligned buffer. */
static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int xs_perf_sample_parse(const void *rec, size_t len, struct xs_perf_sample *s)
{
	const uint8_t *p = rec;
	if (len < sizeof(struct perf_event_header) + 4 + 4 + 8 + 4 + 4 + 4)
		return -1;
	const struct perf_event_header *h = rec;
	if (h->type != PERF_RECORD_SAMPLE || h->size != len)
		return -1;
	size_t o = sizeof(*h);
	s->pid = (uint32_t)rd(p + o, 4);
	s->tid = (uint32_t)rd(p + o + 4, 4);
	s->time = rd(p + o + 8, 8);
	s->cpu = (uint32_t)rd(p + o + 16, 4);
	s->raw_size = (uint32_t)rd(p + o + 24, 4);
	o += 28;
	if (s->raw_size > len - o)
		return -1;
	s->raw = p + o;
	return 0;
}

int xs_perf_lost_parse(const void *rec, size_t len, uint64_t *lost)
{
	const struct perf_event_header *h = rec;
	if (len < sizeof(*h) + 16 || h->type != PERF_RECORD_LOST || h->size != len)
		return -1;
	*lost = rd((const uint8_t *)rec + sizeof(*h) + 8, 8);
	return 0;
}

/* ---- field tables ---- */

struct field_spec {
	const char *name;
	uint16_t dst_off, dst_size;
	uint32_t present_bit; /* 0: required */
};

#define F(type, member) offsetof(type, member), sizeof(((type *)0)->member)
#define HDR_VCPU(type) offsetof(type, h.vcpu), 4

/* A bit for "the record carries vcpu_id" (kept out of the event's own masks). */
#define HAS_VCPU 0x80000000u

static const struct field_spec exit_fields[] = {
	{"exit_reason", F(struct xs_ev_exit, reason), 0},
	{"guest_rip", F(struct xs_ev_exit, rip), 0},
	{"isa", F(struct xs_ev_exit, isa), 0},
	{"info1", F(struct xs_ev_exit, info1), 0},
	{"info2", F(struct xs_ev_exit, info2), 0},
	{"intr_info", F(struct xs_ev_exit, intr_info), 0},
	{"error_code", F(struct xs_ev_exit, error_code), 0},
	{"vcpu_id", HDR_VCPU(struct xs_ev_exit), HAS_VCPU},
	{NULL, 0, 0, 0},
};
static const struct field_spec entry_fields[] = {
	{"vcpu_id", HDR_VCPU(struct xs_ev_entry), HAS_VCPU},
	{NULL, 0, 0, 0},
};
static const struct field_spec pio_fields[] = {
	{"rw", F(struct xs_ev_pio, rw), 0},	{"port", F(struct xs_ev_pio, port), 0},
	{"size", F(struct xs_ev_pio, size), 0}, {"count", F(struct xs_ev_pio, count), 0},
	{"val", F(struct xs_ev_pio, val), 0},	{NULL, 0, 0, 0},
};
static const struct field_spec mmio_fields[] = {
	{"type", F(struct xs_ev_mmio, type), 0},
	{"len", F(struct xs_ev_mmio, len), 0},
	{"gpa", F(struct xs_ev_mmio, gpa), 0},
	{"val", F(struct xs_ev_mmio, val), 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec msr_fields[] = {
	{"write", F(struct xs_ev_msr, write), 0},
	{"ecx", F(struct xs_ev_msr, ecx), 0},
	{"data", F(struct xs_ev_msr, data), 0},
	{"exception", F(struct xs_ev_msr, exception), 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec cr_fields[] = {
	{"rw", F(struct xs_ev_cr, rw), 0},
	{"cr", F(struct xs_ev_cr, cr), 0},
	{"val", F(struct xs_ev_cr, val), 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec cpuid_fields[] = {
	{"function", F(struct xs_ev_cpuid, function), 0},
	{"index", F(struct xs_ev_cpuid, index), 0},
	{"rax", F(struct xs_ev_cpuid, rax), 0},
	{"rbx", F(struct xs_ev_cpuid, rbx), 0},
	{"rcx", F(struct xs_ev_cpuid, rcx), 0},
	{"rdx", F(struct xs_ev_cpuid, rdx), 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec hypercall_fields[] = {
	{"nr", F(struct xs_ev_hypercall, nr), 0},
	{"a0", offsetof(struct xs_ev_hypercall, a[0]), 8, 0},
	{"a1", offsetof(struct xs_ev_hypercall, a[1]), 8, 0},
	{"a2", offsetof(struct xs_ev_hypercall, a[2]), 8, 0},
	{"a3", offsetof(struct xs_ev_hypercall, a[3]), 8, 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec uexit_fields[] = {
	{"reason", F(struct xs_ev_uexit, reason), 0},
	{"errno", F(struct xs_ev_uexit, err), 0},
	{NULL, 0, 0, 0},
};
static const struct field_spec inj_fields[] = {
	{"exception", F(struct xs_ev_inj_exc, exception), 0},
	{"has_error", F(struct xs_ev_inj_exc, has_error), 0},
	{"error_code", F(struct xs_ev_inj_exc, error_code), 0},
	{"reinjected", F(struct xs_ev_inj_exc, reinjected), 0x1},
	{NULL, 0, 0, 0},
};
static const struct field_spec pf_fields[] = {
	{"fault_address", F(struct xs_ev_page_fault, address), 0},
	{"error_code", F(struct xs_ev_page_fault, error_code), 0},
	{"guest_rip", F(struct xs_ev_page_fault, rip), XS_EVPF_RIP},
	{"vcpu_id", HDR_VCPU(struct xs_ev_page_fault), HAS_VCPU},
	{NULL, 0, 0, 0},
};
static const struct field_spec emulate_fields[] = {
	{"rip", F(struct xs_ev_emulate, rip), 0},
	{"csbase", F(struct xs_ev_emulate, csbase), 0},
	{"len", F(struct xs_ev_emulate, len), 0},
	{"insn", F(struct xs_ev_emulate, insn), 0},
	{"flags", F(struct xs_ev_emulate, flags), 0},
	{"failed", F(struct xs_ev_emulate, failed), 0},
	{NULL, 0, 0, 0},
};
/* sys_enter_ioctl: decoded into a scratch pair, not an event */
struct ioctl_args {
	uint64_t fd, cmd;
};
static const struct field_spec ioctl_fields[] = {
	{"fd", F(struct ioctl_args, fd), 0},
	{"cmd", F(struct ioctl_args, cmd), 0},
	{NULL, 0, 0, 0},
};

static const struct {
	const struct field_spec *fields;
	uint16_t size;
	const char *tracepoint;
} specs[XS_EV_TYPE_COUNT] = {
	[0] = {ioctl_fields, sizeof(struct ioctl_args), "sys_enter_ioctl"},
	[XS_EV_EXIT_TP] = {exit_fields, sizeof(struct xs_ev_exit), "kvm_exit"},
	[XS_EV_ENTRY] = {entry_fields, sizeof(struct xs_ev_entry), "kvm_entry"},
	[XS_EV_PIO] = {pio_fields, sizeof(struct xs_ev_pio), "kvm_pio"},
	[XS_EV_MMIO] = {mmio_fields, sizeof(struct xs_ev_mmio), "kvm_mmio"},
	[XS_EV_MSR] = {msr_fields, sizeof(struct xs_ev_msr), "kvm_msr"},
	[XS_EV_CR] = {cr_fields, sizeof(struct xs_ev_cr), "kvm_cr"},
	[XS_EV_CPUID] = {cpuid_fields, sizeof(struct xs_ev_cpuid), "kvm_cpuid"},
	[XS_EV_HYPERCALL] = {hypercall_fields, sizeof(struct xs_ev_hypercall), "kvm_hypercall"},
	[XS_EV_UEXIT] = {uexit_fields, sizeof(struct xs_ev_uexit), "kvm_userspace_exit"},
	[XS_EV_INJ_EXC] = {inj_fields, sizeof(struct xs_ev_inj_exc), "kvm_inj_exception"},
	[XS_EV_PAGE_FAULT] = {pf_fields, sizeof(struct xs_ev_page_fault), "kvm_page_fault"},
	[XS_EV_EMULATE] = {emulate_fields, sizeof(struct xs_ev_emulate), "kvm_emulate_insn"},
	[XS_EV_NESTED_EXIT] = {exit_fields, sizeof(struct xs_ev_exit), "kvm_nested_vmexit"},
};

const char *xs_tp_name_of_event(uint8_t ev_type)
{
	return ev_type < XS_EV_TYPE_COUNT ? specs[ev_type].tracepoint : NULL;
}

int xs_tp_map_build(struct xs_tp_map *m, uint8_t ev_type, const struct xs_tp_format *fmt, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (ev_type >= XS_EV_TYPE_COUNT || !specs[ev_type].fields) {
		snprintf(err, errlen, "event type %u has no tracepoint layout", ev_type);
		return -1;
	}
	m->id = fmt->id;
	m->ev_type = ev_type;
	m->ev_size = specs[ev_type].size;
	for (const struct field_spec *fs = specs[ev_type].fields; fs->name; fs++) {
		const struct xs_tp_field *tf = xs_tp_format_field(fmt, fs->name);
		if (!tf) {
			if (fs->present_bit)
				continue;
			snprintf(err, errlen, "%s: no field '%s'", specs[ev_type].tracepoint, fs->name);
			return -1;
		}
		if (!tf->is_array && tf->size > 8) {
			snprintf(err, errlen, "%s: field '%s' is %u bytes", specs[ev_type].tracepoint, fs->name,
				 tf->size);
			return -1;
		}
		if (m->n == XS_TP_MAP_MAX) {
			snprintf(err, errlen, "%s: too many fields", specs[ev_type].tracepoint);
			return -1;
		}
		m->f[m->n].src_off = tf->offset;
		m->f[m->n].src_size = tf->size;
		m->f[m->n].dst_off = fs->dst_off;
		m->f[m->n].dst_size = fs->dst_size;
		m->f[m->n].is_signed = tf->is_signed;
		m->f[m->n].is_array = tf->is_array;
		m->f[m->n].present_bit = fs->present_bit;
		m->present |= fs->present_bit;
		if ((uint32_t)tf->offset + tf->size > m->min_raw)
			m->min_raw = (uint16_t)(tf->offset + tf->size);
		m->n++;
	}
	return 0;
}

static void store(uint8_t *dst, size_t dst_size, uint64_t v)
{
	for (size_t i = 0; i < dst_size && i < 8; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

/* Fill dst (ev_size bytes) from the raw record; returns the present mask. */
static uint32_t decode_fields(const struct xs_tp_map *m, const uint8_t *raw, uint8_t *dst)
{
	for (unsigned int i = 0; i < m->n; i++) {
		const uint8_t *src = raw + m->f[i].src_off;
		uint8_t *d = dst + m->f[i].dst_off;
		if (m->f[i].is_array) {
			size_t n = m->f[i].src_size < m->f[i].dst_size ? m->f[i].src_size : m->f[i].dst_size;
			memcpy(d, src, n);
			continue;
		}
		uint64_t v = rd(src, m->f[i].src_size);
		if (m->f[i].is_signed && m->f[i].src_size < 8 && (v >> (8 * m->f[i].src_size - 1)) & 1)
			v |= ~0ull << (8 * m->f[i].src_size);
		store(d, m->f[i].dst_size, v);
	}
	return m->present;
}

int xs_tp_decode(const struct xs_tp_map *m, const struct xs_perf_sample *s, void *out)
{
	if (!m->ev_type || s->raw_size < m->min_raw || s->raw_size < 2 || rd(s->raw, 2) != m->id)
		return -1;
	memset(out, 0, m->ev_size);
	struct xs_ev_hdr *h = out;
	h->vcpu = XS_EV_VCPU_UNKNOWN;
	uint32_t present = decode_fields(m, s->raw, out);
	h->type = m->ev_type;
	h->size = m->ev_size;
	h->cpu = s->cpu;
	h->pid = s->pid;
	h->tid = s->tid;
	h->ts = s->time;
	switch (m->ev_type) {
	case XS_EV_EXIT_TP:
	case XS_EV_NESTED_EXIT:
		((struct xs_ev_exit *)out)->fields = XS_EVX_ALL_INFO;
		break;
	case XS_EV_PAGE_FAULT:
		((struct xs_ev_page_fault *)out)->fields = present & XS_EVPF_RIP;
		break;
	case XS_EV_UEXIT:
		((struct xs_ev_uexit *)out)->have_run = 0;
		break;
	}
	return 0;
}

int xs_tp_decode_ioctl(const struct xs_tp_map *m, const struct xs_perf_sample *s, uint64_t *fd, uint64_t *cmd)
{
	if (m->ev_type || s->raw_size < m->min_raw || s->raw_size < 2 || rd(s->raw, 2) != m->id)
		return -1;
	struct ioctl_args a = {0, 0};
	decode_fields(m, s->raw, (uint8_t *)&a);
	*fd = a.fd;
	*cmd = a.cmd;
	return 0;
}
