/* SPDX-License-Identifier: MIT */
/*
 * Checking ring events (collector/events.h) before anything reads them: they come from the kernel side of a
 * BPF program or are rebuilt from perf samples, and a consumer must not trust either blindly (a program
 * from another exitscope version, a damaged ring, a bug). Pure functions, fuzzed.
 */
#ifndef EXITSCOPE_COLLECTOR_EVENT_PARSE_H
#define EXITSCOPE_COLLECTOR_EVENT_PARSE_H

#include <stddef.h>

#include "collector/events.h"

/*
 * NULL when buf[0..len) is one well-formed event that may be read as its type's struct (type known, size
 * field equal to len and right for the type, flag bits consistent with the size); otherwise what is wrong.
 * buf must be 8-byte aligned.
 */
const char *xs_ev_check(const void *buf, size_t len);

/* The optional blocks of an exit event (NULL when absent); the event must have passed xs_ev_check. */
const struct xs_ev_vcpu_regs *xs_ev_exit_regs(const struct xs_ev_exit *e);
const struct xs_ev_svm_save *xs_ev_exit_svm_save(const struct xs_ev_exit *e);

/* "kvm_exit", "kvm_pio", ...: the tracepoint behind an event type; NULL if unknown. */
const char *xs_ev_type_name(unsigned int type);

#endif
