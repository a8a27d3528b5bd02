/* SPDX-License-Identifier: MIT */
/*
 * Testing controls by their effect. KVM accepts some controls without honouring them (see the project's
 * notes on this host's KVM: KVM_CAP_X86_DISABLE_EXITS is accepted while HLT still exits), so before a run
 * relies on a control the launcher runs the probe guest (launcher/guests/probe.S) in a throw-away VM with
 * only that control and checks that the effect is there: a filtered RDMSR exits, a read-only page's write
 * exits, an injected vector reaches the guest's handler, a CPUID override is what the guest reads, ...
 */
#ifndef EXITSCOPE_LAUNCHER_PROBE_H
#define EXITSCOPE_LAUNCHER_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "launcher/controls.h"
#include "launcher/kvmdev.h"

/* What the probes learned beyond yes/no: how the launcher must use a control on this host. */
struct xs_probe_facts {
	bool rf_ignored; /* execution breakpoints re-fire although RFLAGS.RF is set: step over them instead */
};

/*
 * Probe every given control of c. For each one the host does not honour, unsupported() gets the key and a
 * reason ("the host accepts it but HLT still exits"); the caller decides whether that is fatal. Returns -1
 * with a message only when probing itself failed (no VM could be built). mem_bytes: the run's guest memory.
 */
int xs_probe_controls(const struct xs_kvmdev *k, const struct xs_controls *c, uint64_t mem_bytes, int kick_signal,
		      void (*unsupported)(void *ctx, enum xs_control_key key, const char *reason), void *ctx,
		      struct xs_probe_facts *facts, char *err, size_t errlen);

#endif
