// SPDX-License-Identifier: MIT
#include "tui/detail.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decoder/decoder.h"
#include "tui/format.h"

void tui_lines_add(struct tui_lines *o, enum tui_line_style style, const char *fmt, ...)
{
	if (o->n >= o->max)
		return;
	struct tui_line *l = &o->lines[o->n++];
	l->style = style;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* Words of text (separated by single spaces) onto lines of the detail width, indented by two. */
static void add_wrapped(struct tui_lines *o, const char *text)
{
	char line[TUI_DETAIL_WIDTH + 1] = "";
	size_t used = 0;
	while (*text) {
		const char *sp = strchr(text, ' ');
		size_t w = sp ? (size_t)(sp - text) : strlen(text);
		if (used && used + 1 + w > TUI_DETAIL_WIDTH - 2) {
			tui_lines_add(o, TUI_LINE_TEXT, "  %s", line);
			used = 0;
		}
		if (w > TUI_DETAIL_WIDTH - 2)
			w = TUI_DETAIL_WIDTH - 2;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%.*s", used ? " " : "", (int)w, text);
		text += sp ? (size_t)(sp - text) + 1 : strlen(text);
	}
	if (used)
		tui_lines_add(o, TUI_LINE_TEXT, "  %s", line);
}

static void add_flags(struct tui_lines *o, uint16_t flags)
{
	/* The record's own flag bits (include/exitscope/record.h), not exit meaning: the decoder has no table. */
	static const char *const names[16] = {"GUEST_STATE",   "LATENCY",    "RUN_TIMES",    "TS_TSC",	  "INSN",
					      "IDT_VECTORING", "UNJOINED",   "FINAL",	     "USERSPACE", "SAMPLED",
					      "RIP",	       "GUEST_PHYS", "GUEST_LINEAR", "INTR_INFO"};
	char buf[160] = "flags:";
	size_t used = strlen(buf);
	for (unsigned int b = 0; b < 16; b++) {
		if (!(flags & (1u << b)))
			continue;
		if (names[b])
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %s", names[b]);
		else
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, " bit%u", b);
		if (used >= sizeof(buf))
			break;
	}
	if (!flags)
		snprintf(buf + used, sizeof(buf) - used, " none");
	add_wrapped(o, buf);
}

static void add_raw(struct tui_lines *o, const struct xs_exit_record *r)
{
	char a[16], b[16], c[16];
	tui_lines_add(o, TUI_LINE_HEADING, "Exit information");
	tui_lines_add(o, TUI_LINE_TEXT, "  qualification 0x%016llx   info2 0x%llx",
		      (unsigned long long)r->qualification, (unsigned long long)r->info2);
	if (r->flags & XS_F_INTR_INFO || r->intr_info || r->error_code)
		tui_lines_add(o, TUI_LINE_TEXT, "  intr_info 0x%08x   error_code 0x%x", r->intr_info, r->error_code);
	if (r->flags & XS_F_INSN)
		tui_lines_add(o, TUI_LINE_TEXT, "  insn_len %u   insn_info 0x%08x", r->insn_len, r->insn_info);
	if (r->flags & XS_F_IDT_VECTORING)
		tui_lines_add(o, TUI_LINE_TEXT, "  idt_vectoring_info 0x%08x   error 0x%x", r->idt_vectoring_info,
			      r->idt_vectoring_error);
	if (r->flags & XS_F_RIP)
		tui_lines_add(o, TUI_LINE_TEXT, "  guest RIP 0x%llx", (unsigned long long)r->guest_rip);
	if (r->flags & (XS_F_GUEST_PHYS | XS_F_GUEST_LINEAR)) {
		char phys[24] = "?", linear[24] = "?";
		if (r->flags & XS_F_GUEST_PHYS)
			snprintf(phys, sizeof(phys), "0x%llx", (unsigned long long)r->guest_phys);
		if (r->flags & XS_F_GUEST_LINEAR)
			snprintf(linear, sizeof(linear), "0x%llx", (unsigned long long)r->guest_linear);
		tui_lines_add(o, TUI_LINE_TEXT, "  guest phys %s   guest linear %s", phys, linear);
	}
	if (r->flags & (XS_F_LATENCY | XS_F_RUN_TIMES))
		tui_lines_add(o, TUI_LINE_TEXT, "  exit-to-entry %s   in KVM_RUN %s   handler %s",
			      tui_fmt_latency(a, sizeof(a), (double)r->latency_ns, r->flags & XS_F_LATENCY,
					      (r->flags & XS_F_TS_TSC) ? XS_TIME_TICKS : XS_TIME_NS),
			      tui_fmt_ns(b, sizeof(b), (double)r->run_ns, r->flags & XS_F_RUN_TIMES),
			      tui_fmt_ns(c, sizeof(c), (double)r->handler_ns, r->flags & XS_F_RUN_TIMES));
}

static void add_detail_union(struct tui_lines *o, const struct xs_exit_record *r)
{
	char text[256];
	if (r->detail_kind == XS_D_NONE)
		return;
	tui_lines_add(o, TUI_LINE_HEADING, "Detail (%s)", xs_detail_kind_name(r->detail_kind));
	if (xs_detail_summary(r, text, sizeof(text)))
		add_wrapped(o, text);
	else
		tui_lines_add(o, TUI_LINE_DIM, "  (unknown detail kind %u)", r->detail_kind);
}

/* The decoder names ES..GS; LDTR and TR are places of the guest-state block only. */
static const char *segment_name(int s)
{
	const char *name = xs_segment_name((unsigned int)s);
	return name ? name : s == XS_SEG_LDTR ? "LDTR" : "TR";
}

/* "0000000000001000", or "?" padded when the field was not read fresh at this exit. */
static const char *reg(char *buf, size_t len, const struct xs_guest_state *gs, uint64_t bit, uint64_t v)
{
	if (gs->valid & bit)
		snprintf(buf, len, "%016llx", (unsigned long long)v);
	else
		snprintf(buf, len, "%16s", "?");
	return buf;
}

static void add_guest_state(struct tui_lines *o, const struct xs_exit_record *r)
{
	if (!(r->flags & XS_F_GUEST_STATE)) {
		tui_lines_add(o, TUI_LINE_HEADING, "Guest state");
		tui_lines_add(o, TUI_LINE_DIM, "  not captured with this exit (source %s)", xs_source_name(r->source));
		return;
	}
	const struct xs_guest_state *gs = &r->gs;
	char a[24], b[24], c[24];
	tui_lines_add(o, TUI_LINE_HEADING, "Guest state (? = not read at this exit)");
	for (int i = 0; i < XS_GPR_COUNT; i += 3) {
		char line[96];
		size_t used = 0;
		for (int j = i; j < i + 3 && j < XS_GPR_COUNT; j++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "  %-3s %s",
						 xs_gpr_name((unsigned int)j),
						 reg(a, sizeof(a), gs, XS_GS_GPR(j), gs->gpr[j]));
		tui_lines_add(o, TUI_LINE_TEXT, "%s", line);
	}
	tui_lines_add(o, TUI_LINE_TEXT, "  RIP %s  RFL %s", reg(a, sizeof(a), gs, XS_GS_RIP, gs->rip),
		      reg(b, sizeof(b), gs, XS_GS_RFLAGS, gs->rflags));
	tui_lines_add(o, TUI_LINE_TEXT, "  CR0 %s  CR2 %s  CR3 %s", reg(a, sizeof(a), gs, XS_GS_CR0, gs->cr0),
		      reg(b, sizeof(b), gs, XS_GS_CR2, gs->cr2), reg(c, sizeof(c), gs, XS_GS_CR3, gs->cr3));
	tui_lines_add(o, TUI_LINE_TEXT, "  CR4 %s  CR8 %s  EFER %s", reg(a, sizeof(a), gs, XS_GS_CR4, gs->cr4),
		      reg(b, sizeof(b), gs, XS_GS_CR8, gs->cr8), reg(c, sizeof(c), gs, XS_GS_EFER, gs->efer));
	tui_lines_add(o, TUI_LINE_TEXT, "  DR6 %s  DR7 %s", reg(a, sizeof(a), gs, XS_GS_DR6, gs->dr6),
		      reg(b, sizeof(b), gs, XS_GS_DR7, gs->dr7));
	uint64_t segbits = XS_GS_SEG_SEL | XS_GS_SEG_BASE | XS_GS_SEG_LIMIT | XS_GS_SEG_AR;
	if (gs->valid & segbits) {
		tui_lines_add(o, TUI_LINE_TEXT, "  %-4s %-6s %-16s %-10s %s", "seg", "sel", "base", "limit", "access");
		for (int s = 0; s < XS_SEG_COUNT; s++) {
			char sel[8] = "?", lim[12] = "?", ar[24] = "?";
			if (gs->valid & XS_GS_SEG_SEL)
				snprintf(sel, sizeof(sel), "0x%04x", gs->seg_sel[s]);
			if (gs->valid & XS_GS_SEG_LIMIT)
				snprintf(lim, sizeof(lim), "0x%08x", gs->seg_limit[s]);
			if (gs->valid & XS_GS_SEG_AR)
				snprintf(ar, sizeof(ar), "0x%05x%s", gs->seg_ar[s],
					 gs->seg_ar[s] & 0x10000 ? " unusable" : "");
			tui_lines_add(o, TUI_LINE_TEXT, "  %-4s %-6s %s %-10s %s", segment_name(s), sel,
				      reg(a, sizeof(a), gs, XS_GS_SEG_BASE, gs->seg_base[s]), lim, ar);
		}
	}
	if (gs->valid & (XS_GS_GDTR | XS_GS_IDTR))
		tui_lines_add(o, TUI_LINE_TEXT, "  GDTR %s/%04x  IDTR %s/%04x",
			      reg(a, sizeof(a), gs, XS_GS_GDTR, gs->gdtr_base), gs->gdtr_limit,
			      reg(b, sizeof(b), gs, XS_GS_IDTR, gs->idtr_base), gs->idtr_limit);
}

size_t tui_detail_build(const struct xs_exit_record *r, uint64_t base_ts, const char *vm, struct tui_line *lines,
			size_t max)
{
	struct tui_lines o = {lines, 0, max};
	char reason[64];
	tui_fmt_reason(reason, sizeof(reason), r->isa, r->reason);
	const char *desc = xs_reason_description(r->isa, r->reason);
	tui_lines_add(&o, TUI_LINE_HEADING, "%s (%u)%s%s", reason,
		      r->isa == XS_ISA_VMX ? XS_VMX_BASIC_REASON(r->reason) : r->reason, desc ? ": " : "",
		      desc ? desc : "");
	tui_lines_add(&o, TUI_LINE_TEXT, "  pid %u%s%s%s  tid %u  vCPU %u  host CPU %u  seq %llu  source %s", r->pid,
		      vm ? " (" : "", vm ? vm : "", vm ? ")" : "", r->tid, r->vcpu, r->cpu, (unsigned long long)r->seq,
		      xs_source_name(r->source));
	if (r->flags & XS_F_TS_TSC)
		tui_lines_add(&o, TUI_LINE_TEXT, "  time %llu TSC ticks", (unsigned long long)r->ts);
	else
		tui_lines_add(&o, TUI_LINE_TEXT, "  time +%.9f s (CLOCK_MONOTONIC %llu ns)",
			      r->ts >= base_ts ? (double)(r->ts - base_ts) / 1e9 : 0.0, (unsigned long long)r->ts);
	add_flags(&o, r->flags);

	struct xs_decoded d;
	xs_decode(r, &d);
	tui_lines_add(&o, TUI_LINE_HEADING, "Decoded%s%s", d.format ? " qualification: " : "",
		      d.format ? d.format : "");
	char text[1024];
	xs_decoded_fields_text(&d, text, sizeof(text));
	if (text[0])
		add_wrapped(&o, text);
	else
		tui_lines_add(&o, TUI_LINE_DIM, "  (no fields for this reason)");

	add_raw(&o, r);
	add_detail_union(&o, r);
	add_guest_state(&o, r);
	return o.n;
}
