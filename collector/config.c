// SPDX-License-Identifier: MIT
#include <string.h>

#include "collector/backend.h"

void xs_col_make_config(struct xs_bpf_config *cfg, const struct xs_col_opts *o, bool hw_mode)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->tgid = o->pid;
	cfg->vcpu_filter = o->vcpu_filter;
	cfg->vcpu = o->vcpu;
	cfg->reason_filter = o->reasons.by_reason;
	memcpy(cfg->vmx_reasons, o->reasons.vmx, sizeof(cfg->vmx_reasons));
	memcpy(cfg->svm_reasons, o->reasons.svm, sizeof(cfg->svm_reasons));
	cfg->svm_other = o->reasons.svm_other;
	cfg->host_reasons = o->reasons.host;
	cfg->sample_n = o->sample_n;
	/* Only a reason filter or sampling needs each exit's decision remembered per thread. */
	cfg->track_exits = o->reasons.by_reason || o->sample_n > 1;
	/* Aggregation mode counts the exits the joiner would make: in host mode it needs the same per-thread rules. */
	cfg->aggregate = o->aggregate;
	if (o->aggregate)
		cfg->track_exits = 1;
	cfg->hw_mode = hw_mode;
}
