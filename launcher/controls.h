/* SPDX-License-Identifier: MIT */
/*
 * Exit controls: the one spec that CLI flags (--control KEY=VALUE), control files (--controls FILE) and
 * scripts use to say which exits a run makes and records. docs/controls.md is the user's reference.
 *
 * This module only parses, validates and prints the spec; it knows no KVM. launcher/vm_controls.c turns
 * controls into KVM calls (the vmx backend's keys: launcher/vmx_controls.c) and launcher/probe.c checks each
 * one by its effect before a run relies on it.
 *
 * Text form: one `key = value` per line (spaces optional), `#` starts a comment. A key given again replaces
 * its earlier value, so a guest's default controls can be overridden and `none` turns a list off.
 */
#ifndef EXITSCOPE_LAUNCHER_CONTROLS_H
#define EXITSCOPE_LAUNCHER_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_CTL_MAX_RANGES 16
#define XS_CTL_MAX_READONLY 8
#define XS_CTL_MAX_MSR_RANGES 8	  /* per direction: KVM takes 16 filter ranges in all */
#define XS_CTL_MAX_MSR_SPAN 12288 /* MSRs one filter range covers (KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8) */
#define XS_CTL_MAX_HWBP 4
#define XS_CTL_MAX_INJECT 8
#define XS_CTL_MAX_CPUID 32
#define XS_CTL_SYMBOL_MAX 48
#define XS_CTL_MIN_PERIOD_NS 10000ull

/* Inclusive range of ports, addresses or MSR indices. */
struct xs_range {
	uint64_t lo, hi;
};

struct xs_range_list {
	bool all; /* every value matches (n is 0) */
	unsigned int n;
	struct xs_range r[XS_CTL_MAX_RANGES];
};

bool xs_range_list_has(const struct xs_range_list *l, uint64_t v);
/* Does any range of l intersect [lo, hi]? */
bool xs_range_list_overlaps(const struct xs_range_list *l, uint64_t lo, uint64_t hi);

/* record.guest_state */
enum xs_gs_capture {
	XS_GS_OFF = 0,	/* no guest state: KVM_RUN copies nothing extra */
	XS_GS_REGS = 1, /* GPRs, RIP, RFLAGS (KVM_SYNC_X86_REGS) */
	XS_GS_FULL = 2, /* and control/segment/descriptor-table registers (+ KVM_SYNC_X86_SREGS) */
};

/* exits.disable bits: the values of KVM_X86_DISABLE_EXITS_* */
#define XS_DISABLE_MWAIT 1u
#define XS_DISABLE_HLT 2u
#define XS_DISABLE_PAUSE 4u
#define XS_DISABLE_CSTATE 8u

/* debug.hwbp */
enum xs_hwbp_type { XS_HWBP_EXEC = 0, XS_HWBP_WRITE = 1, XS_HWBP_RW = 3 }; /* DR7 R/W encodings */

struct xs_hwbp {
	uint64_t addr;
	char symbol[XS_CTL_SYMBOL_MAX]; /* "@name" was given: resolved against the guest (addr set then) */
	enum xs_hwbp_type type;
	unsigned int len; /* 1, 2, 4 or 8 */
};

/* debug.intercept bits */
#define XS_INTERCEPT_DB 1u
#define XS_INTERCEPT_BP 2u

/* inject */
enum xs_inject_kind { XS_INJ_IRQ, XS_INJ_NMI, XS_INJ_EXC };
enum xs_inject_when {
	XS_WHEN_HLT,	/* at every HLT exit */
	XS_WHEN_AT,	/* once, at the vCPU's n-th exit (1-based) */
	XS_WHEN_EVERY,	/* at every n-th exit */
	XS_WHEN_PERIOD, /* every n ns of wall time (a timer kicks the vCPU out of KVM_RUN) */
	XS_WHEN_IO,	/* at every OUT or IN exit on port n (a device's doorbell) */
};

struct xs_inject {
	enum xs_inject_kind kind;
	uint8_t vector; /* irq: 32-255, exc: 0-31, nmi: 2 */
	bool has_error;
	uint32_t error_code;
	enum xs_inject_when when;
	uint64_t n;
};

/* cpuid.LEAF[.SUBLEAF].REG = VALUE */
enum xs_cpuid_reg { XS_EAX, XS_EBX, XS_ECX, XS_EDX };
struct xs_cpuid_override {
	uint32_t leaf, subleaf;
	bool has_subleaf; /* without one the override applies to every subleaf entry of the leaf */
	enum xs_cpuid_reg reg;
	uint32_t value;
};

/* Which keys were given (by a guest's defaults or by the user): bits of xs_controls.given. */
enum xs_control_key {
	XS_CTL_RECORD_IO,
	XS_CTL_RECORD_MMIO,
	XS_CTL_RECORD_GUEST_STATE,
	XS_CTL_MSR_EXIT_READ,
	XS_CTL_MSR_EXIT_WRITE,
	XS_CTL_MSR_EXIT_UNKNOWN,
	XS_CTL_EXITS_DISABLE,
	XS_CTL_DEBUG_SINGLESTEP,
	XS_CTL_DEBUG_HWBP,
	XS_CTL_DEBUG_INTERCEPT,
	XS_CTL_IRQ_WINDOW,
	XS_CTL_INJECT,
	XS_CTL_CPUID,
	XS_CTL_MEMORY_READONLY,
	XS_CTL_COUNT
};

/* vmx.* keys (launcher/vmx_controls.c): kept as canonical text, applied in order by the vmx backend. */
#define XS_CTL_MAX_VMX 48
#define XS_CTL_VMX_KEY_MAX 40
#define XS_CTL_VMX_VALUE_MAX 256
struct xs_vmx_setting {
	char key[XS_CTL_VMX_KEY_MAX];	  /* canonical, without "vmx.": "rdtsc_exiting", "io_bitmap" */
	char value[XS_CTL_VMX_VALUE_MAX]; /* canonical */
};

struct xs_controls {
	uint32_t given;	    /* 1 << enum xs_control_key */
	unsigned int n_vmx; /* vmx.* keys given, each at most once (a key given again replaces its value) */
	struct xs_vmx_setting vmx[XS_CTL_MAX_VMX];
	struct xs_range_list record_io, record_mmio;
	enum xs_gs_capture guest_state;
	struct xs_range_list msr_read, msr_write;
	bool msr_unknown;
	unsigned int disable_exits; /* XS_DISABLE_* */
	bool singlestep;
	unsigned int n_hwbp;
	struct xs_hwbp hwbp[XS_CTL_MAX_HWBP];
	unsigned int intercept; /* XS_INTERCEPT_* */
	bool irq_window;
	unsigned int n_inject;
	struct xs_inject inject[XS_CTL_MAX_INJECT];
	unsigned int n_cpuid;
	struct xs_cpuid_override cpuid[XS_CTL_MAX_CPUID];
	struct xs_range_list readonly;
};

/* Defaults: record every port and MMIO address, full guest state, nothing else. */
void xs_controls_init(struct xs_controls *c);

/* Put one key back to its default and mark it not given (a control refused with --allow-unsupported). */
void xs_controls_clear(struct xs_controls *c, enum xs_control_key k);

/*
 * Set one control. Returns 0, or -1 with a one-line message in err naming the key and the problem
 * ("msr.exit_read: '0xzz' is not a number"). On error *c is unchanged.
 */
int xs_controls_set(struct xs_controls *c, const char *key, const char *value, char *err, size_t errlen);

/* One "key = value" (or "key=value") line; blank lines and comments are accepted and ignored. */
int xs_controls_parse_line(struct xs_controls *c, const char *line, char *err, size_t errlen);

/*
 * A whole control file's text (need not be NUL-terminated). Messages are prefixed "<origin>:<line>: ".
 * Stops at the first error.
 */
int xs_controls_parse_text(struct xs_controls *c, const char *text, size_t len, const char *origin, char *err,
			   size_t errlen);

/* Read and parse a control file (at most 1 MiB). */
int xs_controls_load_file(struct xs_controls *c, const char *path, char *err, size_t errlen);

/*
 * Visit every control that was given, with its canonical key and value (what run metadata stores as
 * control.<key>). cpuid overrides are visited one by one ("cpuid.0x1.ecx").
 */
void xs_controls_visit(const struct xs_controls *c, void (*fn)(void *ctx, const char *key, const char *value),
		       void *ctx);

/* The key's name ("msr.exit_read"). */
const char *xs_control_key_name(enum xs_control_key k);

/* Printing helpers (also used for messages). Return what snprintf returns. */
int xs_inject_format(const struct xs_inject *in, char *buf, size_t len);
int xs_hwbp_format(const struct xs_hwbp *bp, char *buf, size_t len);

#endif
