// SPDX-License-Identifier: MIT
/*
 * The runner: a bare-metal image that runs one user guest on the kmod-vmx core inside Bochs for the vmx
 * backend of `exitscope run` (launcher/vmx_bochs.c). It reads the run descriptor and the guest's RAM that
 * Bochs loaded (run_desc.h), maps the RAM in the EPT (the launcher's hole 0xa0000-0xbffff unmapped, read-only
 * ranges read-only), starts the vCPU in the guest's mode, and answers the guests' protocol as the KVM
 * launcher does (launcher/exit_handle.c): ports 0x500-0x503, all-ones for other INs and MMIO reads, MMIO
 * writes dropped, injection schedules. Every exit record goes out on COM1 as a record file while the guest
 * runs, with its exit-to-entry latency in TSC ticks (filled in at the next VM entry).
 */
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/bare/machine.h"
#include "kmod-vmx/bare/run_desc.h"
#include "kmod-vmx/bare/runner_decode.h"
#include "kmod-vmx/bare/runner_entry.h"
#include "kmod-vmx/bare/xsr_stream.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/guest_regs.h"
#include "kmod-vmx/core/policy.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "launcher/guest_abi.h"

/* The LAPIC timer's vector (machine.c's host_interrupt acknowledges it) when external-interrupt exiting is on. */
#define RUNNER_TIMER_VECTOR GUEST_TIMER_VECTOR

/* Records leave in chunks this small so that a reader sees them while the guest runs. */
#define LIVE_BATCH 8

enum run_end { END_RUNNING, END_DONE, END_GUEST_ERROR, END_LIMIT };

struct runner {
	const struct run_desc *d;
	struct kvmx_vcpu v;
	enum run_end end;
	char message[192];
	struct xs_exit_record held; /* the last exit, sent once the next entry gives its latency */
	bool have_held;
	u64 nexits;
	u16 outstanding[256];
	/* events waiting for the guest to accept them (interrupts while RFLAGS.IF is clear) */
	u32 queue[16], queue_err[16];
	unsigned int queue_n;
	u64 inject_overflow, injected, delivered;
	bool timer_armed;
	u64 timer_reports; /* the LAPIC timer's interrupts the guest took itself and reported */
};

static struct runner R;

static u8 *gpa_ptr(u64 gpa, u64 len)
{
	if (gpa >= R.d->mem_bytes || len > R.d->mem_bytes - gpa)
		return 0;
	if (gpa < XS_GPA_HOLE_END && gpa + len > XS_GPA_HOLE)
		return 0;
	return (u8 *)(__UINTPTR_TYPE__)(RUN_GUEST_BASE + gpa);
}

static void emit_held(u64 entry_ts)
{
	if (!R.have_held)
		return;
	if (entry_ts) {
		R.held.latency_ns = entry_ts - R.held.ts; /* TSC ticks: the run metadata says so */
		R.held.flags |= XS_F_LATENCY;
	}
	xsr_stream_record(&R.held);
	R.have_held = false;
	if (xsr_stream_written() % LIVE_BATCH == 0)
		xsr_stream_flush();
}

static void guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void guest_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(R.message, sizeof(R.message), fmt, ap);
	va_end(ap);
	R.end = END_GUEST_ERROR;
}

/* ---- events ---- */

static u32 event_info(u32 kind, u32 vector, bool has_error)
{
	u32 type = kind == RUN_INJ_NMI	 ? INTR_TYPE_NMI
		   : kind == RUN_INJ_EXC ? INTR_TYPE_HW_EXCEPTION
					 : INTR_TYPE_EXT_INTR;
	return INTR_INFO_VALID | (type << 8) | (kind == RUN_INJ_NMI ? 2 : vector) |
	       (has_error ? INTR_INFO_HAS_ERROR : 0);
}

static bool can_take_interrupt(void)
{
	return (kvmx_vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) &&
	       !(kvmx_vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* Deliver the first queued event if the vCPU can take it now; otherwise ask for an interrupt window. */
static void deliver_queued(void)
{
	if (!R.queue_n || R.v.event_pending)
		return;
	u32 info = R.queue[0];
	bool external = INTR_INFO_TYPE(info) == INTR_TYPE_EXT_INTR;
	if (external && !can_take_interrupt()) {
		kvmx_vcpu_update_controls(&R.v, KVMX_WORD_PROC, CPU_INTR_WINDOW, 0);
		return;
	}
	kvmx_vcpu_queue_event(&R.v, INTR_INFO_TYPE(info), INTR_INFO_VECTOR(info),
			      (info & INTR_INFO_HAS_ERROR) ? (long long)R.queue_err[0] : -1, 0);
	R.outstanding[INTR_INFO_VECTOR(info)]++;
	R.injected++;
	for (unsigned int i = 1; i < R.queue_n; i++) {
		R.queue[i - 1] = R.queue[i];
		R.queue_err[i - 1] = R.queue_err[i];
	}
	R.queue_n--;
}

static void schedule_injections(u32 basic, const struct xs_exit_record *rec)
{
	for (unsigned int i = 0; i < R.d->n_inject; i++) {
		const struct run_inject *in = &R.d->inject[i];
		bool due = false;
		switch (in->when) {
		case RUN_WHEN_HLT:
			due = basic == EXIT_HLT;
			break;
		case RUN_WHEN_AT:
			due = R.nexits == in->n;
			break;
		case RUN_WHEN_EVERY:
			due = in->n && R.nexits % in->n == 0;
			break;
		case RUN_WHEN_IO:
			due = basic == EXIT_IO && rec->detail.io.port == in->n;
			break;
		}
		if (!due)
			continue;
		if (R.queue_n == KVMX_ARRAY_SIZE(R.queue)) {
			R.inject_overflow++;
			continue;
		}
		R.queue[R.queue_n] = event_info(in->kind, in->vector, in->has_error);
		R.queue_err[R.queue_n++] = in->error_code;
	}
}

/* ---- the guests' protocol ---- */

static void vector_report(u32 value)
{
	u32 vector = value & 0xff;
	if (R.timer_armed && vector == RUNNER_TIMER_VECTOR) {
		/* the runner's LAPIC timer reached the guest directly (no exit): end it for the guest, which cannot */
		lapic_write(LAPIC_EOI, 0);
		R.timer_reports++;
		return;
	}
	if (R.outstanding[vector]) {
		R.outstanding[vector]--;
		R.delivered++;
		return;
	}
	if (vector < 32 && (R.d->own_exceptions & (1u << vector)))
		return;
	guest_error("vcpu 0: unexpected vector %u in the guest at rip 0x%x", vector, value >> 8);
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* String I/O: OUTS one element per exit (the instruction repeats), INS every element at once, as KVM reports. */
static bool string_io(struct xs_exit_record *rec)
{
	struct xs_detail_io *io = &rec->detail.io;
	unsigned int asize = (rec->insn_info >> 7) & 7; /* 0: 16-bit, 1: 32-bit, 2: 64-bit */
	u64 amask = asize == 0 ? 0xffff : asize == 1 ? 0xffffffffull : ~0ull;
	bool in = io->direction == XS_IO_IN;
	unsigned int idx = in ? XS_RDI : XS_RSI;
	unsigned int seg = in ? XS_SEG_ES : (rec->insn_info >> 15) & 7;
	u64 count = io->rep ? (R.v.gprs.r[XS_RCX] & amask) : 1;
	u64 n = in ? count : (count ? 1 : 0);
	bool down = kvmx_vmread(VMCS_GUEST_RFLAGS) & (1ull << 10);
	u64 base = kvmx_vmread(VMCS_GUEST_ES_BASE + 2 * seg);
	for (u64 k = 0; k < n; k++) {
		u64 off = R.v.gprs.r[idx] & amask;
		u8 *p = gpa_ptr(base + off, io->size);
		if (!p) {
			guest_error("vcpu 0: %s at 0x%llx outside guest RAM", in ? "INS" : "OUTS",
				    (unsigned long long)(base + off));
			return false;
		}
		if (in)
			for (unsigned int b = 0; b < io->size; b++)
				p[b] = 0xff;
		else if (k == 0)
			for (unsigned int b = 0; b < io->size && b < 8; b++)
				io->value |= (u64)p[b] << (8 * b);
		u64 next = down ? off - io->size : off + io->size;
		R.v.gprs.r[idx] = (R.v.gprs.r[idx] & ~amask) | (next & amask);
		if (io->rep)
			R.v.gprs.r[XS_RCX] = (R.v.gprs.r[XS_RCX] & ~amask) | ((R.v.gprs.r[XS_RCX] - 1) & amask);
	}
	if (in)
		io->value = size_mask(io->size);
	io->count = in ? (u32)count : (u32)n;
	if (!io->rep || !(R.v.gprs.r[XS_RCX] & amask))
		kvmx_vcpu_skip_insn(&R.v);
	return true;
}

static void handle_io(struct xs_exit_record *rec)
{
	struct xs_detail_io *io = &rec->detail.io;
	if (io->string) {
		string_io(rec);
		return;
	}
	kvmx_vcpu_skip_insn(&R.v);
	if (io->direction == XS_IO_IN) {
		u64 m = size_mask(io->size);
		R.v.gprs.r[XS_RAX] = (R.v.gprs.r[XS_RAX] & ~m) | m; /* nothing answers: all-ones */
		io->value = m;
		return;
	}
	switch (io->port) {
	case XS_PORT_DONE:
		R.end = END_DONE;
		break;
	case XS_PORT_VECTOR:
		if (io->size == 4)
			vector_report((u32)io->value);
		break;
	case XS_PORT_FAIL:
		guest_error("vcpu 0: the guest's self-check %u failed", (unsigned int)io->value);
		break;
	}
}

static bool readonly_gpa(u64 gpa)
{
	for (unsigned int i = 0; i < R.d->n_readonly; i++)
		if (gpa >= R.d->readonly[i].lo && gpa <= R.d->readonly[i].hi)
			return true;
	return false;
}

/* An EPT violation in the hole or on a read-only page: an MMIO access, decoded and answered. */
static void handle_mmio(struct xs_exit_record *rec)
{
	u64 gpa = rec->guest_phys;
	bool in_hole = gpa >= XS_GPA_HOLE && gpa < XS_GPA_HOLE_END;
	if (!in_hole && !(readonly_gpa(gpa) && rec->detail.mmio.is_write) && gpa < R.d->mem_bytes) {
		guest_error("vcpu 0: EPT violation at guest-physical 0x%llx (qualification 0x%llx)",
			    (unsigned long long)gpa, (unsigned long long)rec->qualification);
		return;
	}
	if (gpa >= R.d->mem_bytes && !in_hole) {
		guest_error("vcpu 0: access to guest-physical 0x%llx beyond guest memory (%llu MiB)",
			    (unsigned long long)gpa, (unsigned long long)(R.d->mem_bytes >> 20));
		return;
	}
	u64 rip = kvmx_vmread(VMCS_GUEST_RIP);
	u64 code_gpa = kvmx_vmread(VMCS_GUEST_ES_BASE + 2 * XS_SEG_CS) + rip;
	u64 avail = 0x1000 - (code_gpa & 0xfff);
	const u8 *code = gpa_ptr(code_gpa, avail < 15 ? avail : 15);
	struct mmio_insn mi;
	char why[128];
	if (!code) {
		guest_error("vcpu 0: MMIO at 0x%llx from code outside guest RAM (rip 0x%llx)", (unsigned long long)gpa,
			    (unsigned long long)rip);
		return;
	}
	if (mmio_decode(code, avail < 15 ? (unsigned int)avail : 15, R.d->mode, &mi, why, sizeof(why))) {
		guest_error("vcpu 0: MMIO at 0x%llx (rip 0x%llx): %s", (unsigned long long)gpa, (unsigned long long)rip,
			    why);
		return;
	}
	R.v.gprs.r[mi.reg] = mmio_answer(&mi, R.v.gprs.r[mi.reg], &rec->detail.mmio);
	rec->insn_len = mi.len;
	kvmx_vmwrite(VMCS_GUEST_RIP, rip + mi.len);
}

static enum kvmx_stop handler(struct kvmx_vcpu *v, struct xs_exit_record *rec, void *opaque)
{
	(void)opaque;
	emit_held(v->entry_ts);
	R.nexits++;
	u32 basic = XS_VMX_BASIC_REASON(rec->reason);
	enum kvmx_stop stop = KVMX_STOP_NONE;

	schedule_injections(basic, rec);
	switch (basic) {
	case EXIT_IO:
		handle_io(rec);
		break;
	case EXIT_EPT_VIOLATION:
		handle_mmio(rec);
		break;
	case EXIT_HLT:
		kvmx_policy_default(v, rec, 0);
		v->halted = false; /* as KVM without an in-kernel irqchip: the guest resumes after its HLT */
		break;
	case EXIT_INTERRUPT_WINDOW:
		kvmx_vcpu_update_controls(v, KVMX_WORD_PROC, 0, CPU_INTR_WINDOW);
		break;
	case EXIT_VMCALL:
		kvmx_vcpu_skip_insn(v);
		break;
	default:
		stop = kvmx_policy_default(v, rec, 0);
		break;
	}
	if (R.end == END_RUNNING)
		deliver_queued();
	if (stop == KVMX_STOP_TRIPLE_FAULT)
		guest_error("vcpu 0: the guest triple-faulted");
	else if (stop == KVMX_STOP_UNHANDLED)
		guest_error("vcpu 0: exit reason %u at rip 0x%llx has no handler in the runner", basic,
			    (unsigned long long)rec->guest_rip);
	else if (stop == KVMX_STOP_EPT_MISCONFIG)
		guest_error("vcpu 0: EPT misconfiguration at 0x%llx", (unsigned long long)rec->guest_phys);
	else if (stop == KVMX_STOP_ENTRY_FAIL)
		guest_error("vcpu 0: VM entry failed (exit reason 0x%x)", rec->reason);
	if (R.d->max_exits && R.nexits >= R.d->max_exits && R.end == END_RUNNING)
		R.end = END_LIMIT;
	R.held = *rec;
	R.have_held = true;
	if (R.d->core_records && (R.held.flags & XS_F_GUEST_STATE)) { /* record.guest_state = off */
		R.held.flags &= (u16)~XS_F_GUEST_STATE;
		R.held.size = XS_RECORD_CORE_SIZE;
	}
	return R.end == END_RUNNING ? KVMX_STOP_NONE : KVMX_STOP_REQUESTED;
}

/* ---- setup ---- */

/* ATA PIO (primary channel, LBA28): the descriptor and the guest's RAM come from the boot disk. */
static int ata_read(u64 lba, u64 sectors, u8 *dst)
{
	while (sectors) {
		u32 n = sectors > 128 ? 128 : (u32)sectors; /* a count of 0 (256) is not read as 256 by every disk */
		while (inb(0x1f7) & 0x80)
			;
		outb(0x1f6, (u8)(0xe0 | ((lba >> 24) & 0xf)));
		outb(0x1f2, (u8)n);
		outb(0x1f3, (u8)lba);
		outb(0x1f4, (u8)(lba >> 8));
		outb(0x1f5, (u8)(lba >> 16));
		outb(0x1f7, 0x20);
		for (u32 i = 0; i < n; i++) {
			u8 st;
			while ((st = inb(0x1f7)) & 0x80)
				;
			if (st & 1)
				return -1;
			unsigned long words = 256;
			__asm__ volatile("cld; rep insw" : "+D"(dst), "+c"(words) : "d"((u16)0x1f0) : "memory");
		}
		lba += n;
		sectors -= n;
	}
	return 0;
}

static int load_guest_ram(void)
{
	const struct run_desc *d = R.d;
	u8 *base = (u8 *)(__UINTPTR_TYPE__)RUN_GUEST_BASE;
	/*
	 * Zero the guest's RAM (the BIOS may have used it) with one REP STOSQ: a byte loop over 16 MiB took
	 * 48 million emulated instructions, most of the time to the first record.
	 */
	u64 *q = (u64 *)base;
	unsigned long words = d->mem_bytes / 8;
	__asm__ volatile("cld; rep stosq" : "+D"(q), "+c"(words) : "a"(0ul) : "memory");
	for (unsigned int i = 0; i < d->n_segments && i < RUN_MAX_SEGMENTS; i++) {
		if (d->segment[i].gpa + d->segment[i].len > d->mem_bytes ||
		    ata_read(d->segment[i].lba, d->segment[i].len / 512, base + d->segment[i].gpa))
			return -1;
	}
	return 0;
}

/* The guests' entry state, the one the launcher's module host sets too (runner_entry.h); PAT is the host's. */
static void entry_state(struct kvmx_guest_state *gs, unsigned int mode, u64 entry)
{
	struct kvmx_regs r;
	kvmx_entry_regs(&r, mode, entry);
	r.pat = rdmsr(MSR_IA32_PAT);
	kvmx_state_from_regs(&r, gs);
}

static int map_guest(struct kvmx_err *err)
{
	const struct run_desc *d = R.d;
	u64 low = d->mem_bytes < XS_GPA_HOLE ? d->mem_bytes : XS_GPA_HOLE;
	if (kvmx_vcpu_ept_map(&R.v, 0, RUN_GUEST_BASE, low, EPT_RWX, EPT_MT_WB, err))
		return -1;
	if (d->mem_bytes > XS_GPA_HOLE_END &&
	    kvmx_vcpu_ept_map(&R.v, XS_GPA_HOLE_END, RUN_GUEST_BASE + XS_GPA_HOLE_END, d->mem_bytes - XS_GPA_HOLE_END,
			      EPT_RWX, EPT_MT_WB, err))
		return -1;
	for (unsigned int i = 0; i < d->n_readonly; i++) {
		u64 lo = d->readonly[i].lo & ~0xfffull, hi = (d->readonly[i].hi | 0xfff) + 1;
		if (kvmx_vcpu_ept_map(&R.v, lo, RUN_GUEST_BASE + lo, hi - lo, EPT_R | EPT_X, EPT_MT_WB, err))
			return -1;
	}
	return 0;
}

static __attribute__((noreturn)) void finish(const char *status)
{
	if (R.have_held) {
		R.held.flags |= XS_F_FINAL;
		emit_held(0);
	}
	xsr_stream_metaf("runner.exits", "%llu", (unsigned long long)R.nexits);
	xsr_stream_metaf("runner.injected", "%llu", (unsigned long long)R.injected);
	xsr_stream_metaf("runner.delivered", "%llu", (unsigned long long)R.delivered);
	xsr_stream_metaf("runner.inject_overflow", "%llu", (unsigned long long)R.inject_overflow);
	if (R.timer_armed)
		xsr_stream_metaf("vmx.runner_timer_reports", "%llu", (unsigned long long)R.timer_reports);
	if (R.message[0])
		xsr_stream_meta("runner.message", R.message);
	xsr_stream_meta("runner.end", status);
	xsr_stream_end(0);
	bare_halt();
}

void kmain(void);
void kmain(void)
{
	static struct kvmx_cpu cpu;
	static struct kvmx_guest_state gs;
	struct kvmx_err err;

	serial_init();
	/* Records leave through port 0xe9: Bochs writes each byte to its stdout (our FIFO) at once, where the
	 * emulated UART would take 87 us of emulated time per byte. */
	dbg_quiet = true;
	xsr_stream_set_writer(e9_write);
	mtrr_init();
	load_tables();
	lapic_init();
	xsr_stream_begin();
	R.d = (const struct run_desc *)(__UINTPTR_TYPE__)RUN_DESC_ADDR;
	if (ata_read(RUN_DESC_LBA, (sizeof(struct run_desc) + 511) / 512, (u8 *)(__UINTPTR_TYPE__)RUN_DESC_ADDR)) {
		kvmx_snprintf(R.message, sizeof(R.message), "reading the run descriptor from the disk failed");
		finish("host-error");
	}
	if (R.d->magic != RUN_DESC_MAGIC || R.d->version != RUN_DESC_VERSION) {
		kvmx_snprintf(R.message, sizeof(R.message), "no run descriptor at 0x%llx (magic 0x%x, version %u)",
			      (unsigned long long)RUN_DESC_ADDR, R.d->magic, R.d->version);
		finish("host-error");
	}
	if (load_guest_ram()) {
		kvmx_snprintf(R.message, sizeof(R.message), "reading the guest's RAM from the disk failed");
		finish("host-error");
	}
	if (kvmx_cpu_on(&cpu, &bare_platform, &err)) {
		kvmx_snprintf(R.message, sizeof(R.message), "%s", err.msg);
		finish("host-error");
	}
	describe_cpu(&cpu.caps);
	if (kvmx_vcpu_create(&R.v, &cpu, 0, XS_SRC_BARE_VMX, 0, &err) || map_guest(&err)) {
		kvmx_snprintf(R.message, sizeof(R.message), "%s", err.msg);
		finish("host-error");
	}
	entry_state(&gs, R.d->mode, R.d->entry);
	if (kvmx_vcpu_configure(&R.v, &R.d->ctl, &gs, &err)) {
		kvmx_snprintf(R.message, sizeof(R.message), "%s", err.msg);
		finish("refused");
	}
	if (R.d->ctl.extint_exiting || !R.d->ctl.hlt_exiting) {
		/*
		 * A periodic interrupt source: "external-interrupt exiting" catches it as exits; without that control
		 * it goes straight to the guest, which is what wakes a guest whose HLT does not exit.
		 */
		R.timer_armed = true;
		lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
		lapic_write(LAPIC_LVT_TIMER, RUNNER_TIMER_VECTOR | (1u << 17));
		lapic_write(LAPIC_TIMER_INIT, 200000);
	}
	xsr_stream_meta("runner.started", "1");
	xsr_stream_flush();
	while (R.end == END_RUNNING) {
		enum kvmx_stop stop = kvmx_vcpu_run(&R.v, handler, 0);
		if (stop == KVMX_STOP_VMFAIL) {
			guest_error("vcpu 0: VMLAUNCH/VMRESUME failed (VM-instruction error %u)", R.v.insn_error);
			break;
		}
		if (stop == KVMX_STOP_ENTRY_FAIL && R.end == END_RUNNING) {
			emit_held(R.v.entry_ts);
			R.held = R.v.rec;
			R.have_held = true;
			guest_error("vcpu 0: VM entry failed (exit reason 0x%x, qualification %llu)", R.v.rec.reason,
				    (unsigned long long)R.v.rec.qualification);
		}
	}
	finish(R.end == END_DONE ? "ok" : R.end == END_LIMIT ? "exit-limit" : "guest-error");
}
