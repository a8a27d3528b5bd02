/* SPDX-License-Identifier: MIT */
/* The run metadata every producer records about the machine and the start (docs/record-format.md). */
#ifndef EXITSCOPE_HOST_FACTS_H
#define EXITSCOPE_HOST_FACTS_H

#include "common/sink.h"

/* run.started_at (ISO 8601 UTC, now), run.host, run.kernel, run.cpu_vendor, run.cpu_model. 0 or the first error. */
int xs_meta_host_facts(struct xs_sink *s);

#endif
