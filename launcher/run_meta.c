// SPDX-License-Identifier: MIT
/* The run's metadata (docs/record-format.md, "Run metadata keys"), written through the caller's sink. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/host_facts.h"
#include "common/util.h"
#include "launcher/launcher_internal.h"

static void meta(struct xs_launcher_kvm *l, const char *key, const char *value)
{
	int rc = xs_sink_meta(l->sink, key, value);
	if (rc)
		xs_launch_report(&l->cfg, "storing metadata %s failed: %s", key, strerror(-rc));
}

static void metaf(struct xs_launcher_kvm *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void metaf(struct xs_launcher_kvm *l, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	meta(l, key, buf);
}

static void control_meta(void *ctx, const char *key, const char *value)
{
	char name[128];
	snprintf(name, sizeof(name), "control.%s", key);
	meta(ctx, name, value);
}

static void kvmstat_meta(struct xs_launcher_kvm *l, const char *which)
{
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		const struct xs_vcpu_ctx *c = &l->vcpus[i];
		if (c->stats.fd < 0)
			continue;
		const uint64_t *v = !strcmp(which, "start") ? c->stat_start : c->stat_end;
		for (unsigned int k = 0; k < c->stats.n; k++) {
			char key[256];
			snprintf(key, sizeof(key), "kvmstat.vcpu%u.%s.%s", i, c->stats.names[k], which);
			metaf(l, key, "%llu", (unsigned long long)v[k]);
		}
	}
}

void xs_launcher_meta_start(struct xs_launcher_kvm *l)
{
	const struct xs_launch_config *cfg = &l->cfg;
	meta(l, "run.source", "launcher");
	meta(l, "run.backend", "kvm");
	metaf(l, "run.started_ns", "%llu", (unsigned long long)l->started_ns);
	int rc = xs_meta_host_facts(l->sink);
	if (rc)
		xs_launch_report(&l->cfg, "storing the host facts failed: %s", strerror(-rc));
	if (cfg->cmdline)
		meta(l, "run.cmdline", cfg->cmdline);
	if (l->guest) {
		meta(l, "run.guest", l->guest->name);
		for (int i = 0; i < XS_GUEST_ARGS; i++) {
			if (!l->guest->params[i].name)
				continue;
			char key[64];
			snprintf(key, sizeof(key), "run.param.%s", l->guest->params[i].name);
			metaf(l, key, "0x%x", cfg->args[i]);
		}
	} else {
		metaf(l, "run.guest", "image:%s", cfg->image_path);
	}
	meta(l, "run.mode", xs_mode_name(cfg->mode));
	metaf(l, "run.vcpus", "%u", cfg->vcpus);
	metaf(l, "run.mem_mb", "%llu", (unsigned long long)cfg->mem_mb);
	metaf(l, "run.iterations", "%u", cfg->iterations);
	xs_controls_visit(&l->ctl, control_meta, l);
	for (unsigned int i = 0; i < l->n_unsupported; i++) {
		const char *entry = l->unsupported[i], *colon = strstr(entry, ": ");
		char key[128];
		snprintf(key, sizeof(key), "unsupported.%.*s", (int)(colon - entry), entry);
		meta(l, key, colon + 2);
	}
	kvmstat_meta(l, "start");
}

void xs_launcher_meta_end(struct xs_launcher_kvm *l)
{
	metaf(l, "run.ended_ns", "%llu", (unsigned long long)xs_now_ns());
	switch (l->end) {
	case XS_END_DONE:
		meta(l, "run.exit_status", "ok");
		break;
	case XS_END_STOPPED:
		meta(l, "run.exit_status", l->stop_why && !strcmp(l->stop_why, "duration") ? "ok" : "interrupted");
		meta(l, "run.stopped_by", l->stop_why ? l->stop_why : "interrupted");
		break;
	default:
		metaf(l, "run.exit_status", "%s: %s", xs_launch_end_name(l->end), l->end_message);
		break;
	}
	struct xs_launch_counters c;
	xs_launcher_kvm_counters(l, &c);
	metaf(l, "counter.exits", "%llu", (unsigned long long)c.exits);
	metaf(l, "counter.recorded", "%llu", (unsigned long long)c.recorded);
	metaf(l, "counter.filtered", "%llu", (unsigned long long)c.filtered);
	metaf(l, "counter.lost.sink", "%llu", (unsigned long long)c.lost);
	metaf(l, "counter.inject.injected", "%llu", (unsigned long long)c.injected);
	metaf(l, "counter.inject.delivered", "%llu", (unsigned long long)c.delivered);
	metaf(l, "counter.inject.overflow", "%llu", (unsigned long long)c.inject_overflow);
	metaf(l, "counter.stepovers", "%llu", (unsigned long long)c.stepovers);
	metaf(l, "counter.cpu_ns", "%llu", (unsigned long long)c.cpu_ns);
	metaf(l, "counter.run_ns", "%llu", (unsigned long long)c.run_ns);
	metaf(l, "counter.handler_ns", "%llu", (unsigned long long)c.handler_ns);
	kvmstat_meta(l, "end");
}
