// SPDX-License-Identifier: MIT
/* The scenario harness: fresh vCPU per run, records drained from the ring, checks with the decoder. */
#include "kmod-vmx/bare/scenario.h"
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/bare/xsr_stream.h"
#include "decoder/strings.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "kmod-vmx/core/x86.h"

void scn_fail(struct scn *s, const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!s->failures++)
		scn_dump(s);
	dbg_printf("#   %s: %s:%d: %s\n", s->name, file, line, msg);
}

void scn_skip(struct scn *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(s->skip_reason, sizeof(s->skip_reason), fmt, ap);
	va_end(ap);
	s->skipped = true;
}

void scn_todo(struct scn *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(s->skip_reason, sizeof(s->skip_reason), fmt, ap);
	va_end(ap);
	s->todo = true;
}

bool scn_under_bochs(void)
{
	return inb(0xe9) == 0xe9;
}

static void quiet_lapic(void)
{
	/* Stop the timer a guest may have armed and take any interrupt it left pending (host_interrupt EOIs). */
	lapic_write(LAPIC_TIMER_INIT, 0);
	__asm__ volatile("sti; nop; nop; nop; cli" ::: "memory");
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ull));
}

/* Sequence numbers run on across the vCPUs of the whole boot: the serial stream is one run. */
static u64 next_seq;

void scn_begin(struct scn *s, const void *rip)
{
	if (s->vcpu_live) {
		next_seq = s->v.seq;
		kvmx_vcpu_destroy(&s->v);
	}
	s->vcpu_live = false;
	quiet_lapic();
	guest_log_reset();
	kvmx_memset(&s->c, 0, sizeof(s->c));
	guest_state_64(&s->gs, rip);
	s->n = 0;
	s->not_kept = 0;
	s->have_last = false;
	s->stop = KVMX_STOP_NONE;
	if (kvmx_vcpu_create(&s->v, s->cpu, 0, XS_SRC_BARE_VMX, s->ring, &s->err)) {
		CHECK(s, 0, "vcpu: %s", s->err.msg);
		return;
	}
	s->v.max_exits = 100000;
	s->v.seq = next_seq;
	s->vcpu_live = true;
}

bool scn_require(struct scn *s, const enum kvmx_ctl *ctls, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!kvmx_control_allowed(&s->cpu->caps, ctls[i])) {
			const struct kvmx_control_info *ci = kvmx_control_info(ctls[i]);
			scn_skip(s, "this CPU model has no %s control '%s'", kvmx_word_name(ci->word), ci->name);
			return false;
		}
	}
	return true;
}

bool scn_ept_identity(struct scn *s)
{
	if (kvmx_vcpu_ept_map(&s->v, 0, 0, GUEST_RAM_END, EPT_RWX, EPT_MT_WB, &s->err) ||
	    kvmx_vcpu_ept_map(&s->v, LAPIC_BASE, LAPIC_BASE, KVMX_PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC, &s->err)) {
		CHECK(s, 0, "EPT: %s", s->err.msg);
		return false;
	}
	return true;
}

bool scn_configure(struct scn *s)
{
	if (!s->vcpu_live)
		return false;
	if (kvmx_vcpu_configure(&s->v, &s->c, &s->gs, &s->err)) {
		CHECK(s, 0, "configure refused: %s", s->err.msg);
		return false;
	}
	return true;
}

static void drain(struct scn *s)
{
	struct xs_exit_record r;
	struct kvmx_err err;
	u64 bad = 0;
	int rc;

	while ((rc = kvmx_ring_pop(s->ring, kvmx_ring_bytes(s->ring->nslots), &r, &bad, &err)) != 0) {
		if (rc < 0) {
			CHECK(s, 0, "ring: %s", rc == -1 ? err.msg : "malformed record");
			if (rc == -1)
				return;
			continue;
		}
		xsr_stream_record(&r);
		s->last = r;
		s->have_last = true;
		if (s->n < SCN_MAX_RECS)
			s->recs[s->n++] = r;
		else
			s->not_kept++;
	}
}

enum kvmx_stop scn_run_once(struct scn *s)
{
	s->stop = kvmx_vcpu_run(&s->v, 0, 0);
	drain(s);
	return s->stop;
}

static void describe_stop(struct scn *s)
{
	const struct xs_exit_record *r = scn_last(s);

	if (s->stop == KVMX_STOP_VMFAIL) {
		CHECK(s, 0, "VM entry failed: VM-instruction error %u", s->v.insn_error);
	} else if (r) {
		const char *name = xs_reason_name(XS_ISA_VMX, r->reason);
		CHECK(s, 0, "run stopped (%s) at exit %s (0x%x) qual 0x%llx rip 0x%llx", kvmx_stop_name(s->stop),
		      name ? name : "?", r->reason, (unsigned long long)r->qualification,
		      (unsigned long long)r->guest_rip);
	} else {
		CHECK(s, 0, "run stopped (%s) without an exit record", kvmx_stop_name(s->stop));
	}
}

bool scn_run_to_vmcall(struct scn *s)
{
	for (;;) {
		enum kvmx_stop st = scn_run_once(s);
		if (st == KVMX_STOP_VMCALL)
			return true;
		if (st != KVMX_STOP_IO) {
			describe_stop(s);
			return false;
		}
		/* Complete the I/O as a PC with nothing at the port would: IN reads all ones. */
		const struct xs_exit_record *r = scn_last(s);
		if (r && r->detail.io.direction == XS_IO_IN && !r->detail.io.string) {
			u64 mask = r->detail.io.size == 4   ? 0xffffffffull
				   : r->detail.io.size == 2 ? 0xffffull
							    : 0xffull;
			kvmx_vcpu_set_gpr(&s->v, XS_RAX, kvmx_vcpu_gpr(&s->v, XS_RAX) | mask);
		}
		kvmx_vcpu_skip_insn(&s->v);
	}
}

bool scn_go(struct scn *s)
{
	return scn_configure(s) && scn_run_to_vmcall(s);
}

const struct xs_exit_record *scn_find(const struct scn *s, u32 basic, unsigned int nth)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!(s->recs[i].reason & XS_VMX_REASON_FAILED_VMENTRY) &&
		    XS_VMX_BASIC_REASON(s->recs[i].reason) == basic && nth-- == 0)
			return &s->recs[i];
	return 0;
}

unsigned int scn_count(const struct scn *s, u32 basic)
{
	unsigned int n = 0;

	while (scn_find(s, basic, n))
		n++;
	return n;
}

bool scn_contains(const char *text, const char *needle)
{
	for (; *text; text++) {
		const char *t = text, *n = needle;
		while (*n && *t == *n)
			t++, n++;
		if (!*n)
			return true;
	}
	return false;
}

void scn_dump(const struct scn *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		const struct xs_exit_record *r = &s->recs[i];
		const char *name = xs_reason_name(XS_ISA_VMX, r->reason);
		dbg_printf("#     record %llu: %s (0x%x) rip 0x%llx qual 0x%llx intr 0x%x\n",
			   (unsigned long long)r->seq, name ? name : "?", r->reason, (unsigned long long)r->guest_rip,
			   (unsigned long long)r->qualification, r->intr_info);
	}
	if (s->not_kept)
		dbg_printf("#     (%llu more records not kept)\n", (unsigned long long)s->not_kept);
}

const struct xs_exit_record *scn_last(const struct scn *s)
{
	return s->have_last ? &s->last : 0;
}

const struct xs_exit_record *scn_expect(struct scn *s, u32 basic, unsigned int count, const void *at)
{
	const char *name = xs_reason_name(XS_ISA_VMX, basic);
	const struct xs_exit_record *r = scn_find(s, basic, 0);
	unsigned int got = scn_count(s, basic);

	if (got != count)
		scn_fail(s, __FILE__, __LINE__, "%u %s exit(s), want %u", got, name ? name : "?", count);
	if (!r)
		return 0;
	CHECK(s, (r->flags & XS_F_RIP) && (r->flags & XS_F_GUEST_STATE), "record lacks RIP or guest state (flags 0x%x)",
	      r->flags);
	if (at)
		CHECK(s, r->guest_rip == addr(at), "%s exit at rip 0x%llx, want 0x%llx", name ? name : "?",
		      (unsigned long long)r->guest_rip, (unsigned long long)addr(at));
	CHECK(s, r->gs.rip == r->guest_rip, "guest-state RIP 0x%llx differs from the record's 0x%llx",
	      (unsigned long long)r->gs.rip, (unsigned long long)r->guest_rip);
	return r;
}

void scn_expect_none(struct scn *s, u32 basic)
{
	unsigned int got = scn_count(s, basic);
	const char *name = xs_reason_name(XS_ISA_VMX, basic);

	if (got)
		scn_fail(s, __FILE__, __LINE__, "control off: %u %s exit(s), want none", got, name ? name : "?");
}

static const struct xs_field *field_of(const struct xs_exit_record *r, const char *field, struct xs_decoded *d)
{
	xs_decode_values(XS_ISA_VMX, r->reason, r->qualification, r->info2, r->intr_info, -1, d);
	return xs_decoded_field(d, field);
}

void scn_check_field(struct scn *s, const struct xs_exit_record *r, const char *field, u64 want, int line)
{
	struct xs_decoded d;
	const struct xs_field *f;

	if (!r)
		return;
	f = field_of(r, field, &d);
	if (!f)
		scn_fail(s, __FILE__, line, "decoded exit %s (qual 0x%llx) has no field '%s'", d.name ? d.name : "?",
			 (unsigned long long)r->qualification, field);
	else if (f->value != want)
		scn_fail(s, __FILE__, line, "decoded %s = 0x%llx, want 0x%llx", field, (unsigned long long)f->value,
			 (unsigned long long)want);
}

void scn_check_field_name(struct scn *s, const struct xs_exit_record *r, const char *field, const char *want, int line)
{
	struct xs_decoded d;
	const struct xs_field *f;

	if (!r)
		return;
	f = field_of(r, field, &d);
	if (!f || !f->value_name)
		scn_fail(s, __FILE__, line, "decoded exit %s (qual 0x%llx) has no named field '%s'",
			 d.name ? d.name : "?", (unsigned long long)r->qualification, field);
	else if (xs_strcmp(f->value_name, want))
		scn_fail(s, __FILE__, line, "decoded %s = %s, want %s", field, f->value_name, want);
}

void scn_check_no_fields(struct scn *s, const struct xs_exit_record *r, int line)
{
	struct xs_decoded d;

	if (!r)
		return;
	xs_decode_values(XS_ISA_VMX, r->reason, r->qualification, r->info2, r->intr_info, -1, &d);
	if (d.nfields)
		scn_fail(s, __FILE__, line, "exit %s (qual 0x%llx) decodes to %u fields, want none (first: %s)",
			 d.name ? d.name : "?", (unsigned long long)r->qualification, d.nfields, d.fields[0].name);
}

void scn_check_reason_name(struct scn *s, const struct xs_exit_record *r, const char *want, int line)
{
	const char *name;

	if (!r)
		return;
	name = xs_reason_name(XS_ISA_VMX, r->reason);
	if (!name || xs_strcmp(name, want))
		scn_fail(s, __FILE__, line, "reason 0x%x is named %s, want %s", r->reason, name ? name : "(none)",
			 want);
}
