/* SPDX-License-Identifier: MIT */
/*
 * What the collector keeps: the tracepoints it attaches (the event set) and the exit reasons it records (the
 * reason set), parsed from the command line. The same bitmaps go into the BPF program's read-only
 * configuration and into the user-space checks of the perf backend and the joiner.
 *
 *   reasons  comma-separated [ISA:]REASON; ISA vmx, svm or host; REASON a name as the decoder spells it
 *            (case-insensitive, uapi prefix allowed) or, with an ISA, a number. A bare name selects it in
 *            every table that has it: "cpuid" is VMX 10, SVM 0x72 and the host event CPUID.
 *   events   comma-separated tracepoint names, "kvm_" optional: exit entry pio mmio msr cr cpuid hypercall
 *            userspace_exit inj_exception page_fault emulate_insn nested_vmexit, or "all". Items starting with
 *            + or - add to or remove from the default set (everything but emulate_insn and nested_vmexit).
 */
#ifndef EXITSCOPE_COLLECTOR_FILTER_H
#define EXITSCOPE_COLLECTOR_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/bpf_config.h"

/* The tracepoints, as bits of an event set. */
enum xs_col_tp {
	XS_TP_EXIT,
	XS_TP_ENTRY,
	XS_TP_PIO,
	XS_TP_MMIO,
	XS_TP_MSR,
	XS_TP_CR,
	XS_TP_CPUID,
	XS_TP_HYPERCALL,
	XS_TP_USERSPACE_EXIT,
	XS_TP_INJ_EXCEPTION,
	XS_TP_PAGE_FAULT,
	XS_TP_EMULATE_INSN,
	XS_TP_NESTED_VMEXIT,
	XS_TP_COUNT
};

#define XS_TP_BIT(t) (1u << (t))
#define XS_TP_ALL ((1u << XS_TP_COUNT) - 1)
#define XS_TP_DEFAULT (XS_TP_ALL & ~(XS_TP_BIT(XS_TP_EMULATE_INSN) | XS_TP_BIT(XS_TP_NESTED_VMEXIT)))

/* "kvm_pio" for XS_TP_PIO; NULL if out of range. */
const char *xs_col_tp_name(unsigned int tp);

struct xs_col_filter {
	bool by_reason;
	uint32_t vmx[XS_BPF_VMX_WORDS];
	uint32_t svm[XS_BPF_SVM_WORDS];
	bool svm_other;	       /* SVM codes past the bitmap (VMGEXIT events): selected by number or name */
	uint32_t host;	       /* bit n: enum xs_host_event n */
	uint32_t svm_extra[8]; /* such codes, for the user-space check */
	unsigned int nsvm_extra;
};

/* Parse a reason list into f (cleared first). 0, or -1 with a one-line message in err. */
int xs_col_parse_reasons(const char *list, struct xs_col_filter *f, char *err, size_t errlen);

/* Parse an event list into *events (XS_TP_BIT set). 0, or -1 with a message in err. */
int xs_col_parse_events(const char *list, uint32_t *events, char *err, size_t errlen);

/* Whether an exit of (isa, reason) passes f (always true without a reason set). */
bool xs_col_reason_ok(const struct xs_col_filter *f, unsigned int isa, uint32_t reason);

/* The event set as "kvm_exit,kvm_entry,..." into buf. */
void xs_col_events_text(uint32_t events, char *buf, size_t len);

#endif
