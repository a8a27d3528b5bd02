/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's filter: which exits the tables and the latest-exits pane show. Typed by the user after `f`
 * or given with --filter, as space-separated terms, all of which must hold:
 *
 *   pid=N                   the host process running the vCPUs
 *   vm=NAME | vm=N          a VM by the name its process carries (QEMU's -name, the launched guest) or by pid
 *   vcpu=N                  a vCPU id
 *   reason=[ISA:]NAME|CODE  an exit reason by decoder name (IO_INSTRUCTION, IOIO, HLT, ...) or number;
 *                           ISA is vmx, svm, kvm or host; a bare NAME is taken as reason=NAME
 *
 * An empty text clears the filter. Names come from the decoder; without ISA a name is looked up in the isas
 * that records have arrived for first, and must not be ambiguous among them.
 */
#ifndef EXITSCOPE_TUI_FILTER_H
#define EXITSCOPE_TUI_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/agg.h"
#include "exitscope/record.h"

struct tui_filter {
	struct xs_agg_filter agg;
	char vm[48];	/* the VM name given with vm=NAME, else "" */
	char text[160]; /* canonical form for the header ("pid=1234 vcpu=0 reason=vmx:HLT"); "" when none */
};

struct tui_filter_ctx {
	unsigned int isa_seen; /* bit n: records of isa n arrived (tui_model.isa_seen) */
	/* Resolve a VM name to its pid; false with a message in err when none or several match. May be NULL. */
	bool (*vm_lookup)(void *arg, const char *name, uint32_t *pid, char *err, size_t errlen);
	void *arg;
};

/* Parse text into *out. False with a one-line message in err (and *out untouched) on bad input. */
bool tui_filter_parse(const char *text, const struct tui_filter_ctx *ctx, struct tui_filter *out, char *err,
		      size_t errlen);

bool tui_filter_active(const struct tui_filter *f);
bool tui_filter_match(const struct tui_filter *f, const struct xs_exit_record *r);

#endif
