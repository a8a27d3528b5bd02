// SPDX-License-Identifier: MIT
/*
 * What the vmx backend's two hosts share (the Bochs runner, launcher/vmx_bochs.c, and the Linux module,
 * launcher/vmx_module.c): the emulated CPU models, the translation of a control spec into the core's
 * struct kvmx_controls, and the list of controls a CPU's capability MSRs allow.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/host_facts.h"

#include "common/util.h"
#include "launcher/guest_abi.h"
#include "launcher/backend.h"
#include "launcher/guests.h"
#include "launcher/vmx_backend.h"
#include "launcher/vmx_controls.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* ---- models ---- */

void xs_vmx_model_caps(const struct vmx_model *m, struct kvmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = m->basic;
	c->revision = (u32)(m->basic & 0x7fffffff);
	c->true_ctls = (m->basic >> 55) & 1;
	c->pin = m->pin;
	c->proc = m->proc;
	c->exit = m->exit;
	c->entry = m->entry;
	c->proc2 = (m->proc >> 63) & 1 ? m->proc2 : 0;
	c->ept_vpid = m->ept;
	c->misc = m->misc;
	c->cr0_fixed0 = m->cr0f0;
	c->cr0_fixed1 = m->cr0f1;
	c->cr4_fixed0 = m->cr4f0;
	c->cr4_fixed1 = m->cr4f1;
	c->feature_control = 5;
}

unsigned int xs_vmx_model_features(const struct vmx_model *m)
{
	struct kvmx_caps c;
	xs_vmx_model_caps(m, &c);
	unsigned int n = 0;
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++)
		n += kvmx_control_allowed(&c, (enum kvmx_ctl)i);
	return n;
}

const struct vmx_model *xs_vmx_model_find(const char *name)
{
	const struct vmx_model *best = NULL;
	for (size_t i = 0; i < XS_ARRAY_SIZE(vmx_models); i++) {
		if (name && !strcmp(vmx_models[i].name, name))
			return &vmx_models[i];
		/* the default: most controls; among equals the later (newer) model of the table */
		if (!name && (!best || xs_vmx_model_features(&vmx_models[i]) >= xs_vmx_model_features(best)))
			best = &vmx_models[i];
	}
	return best;
}

size_t xs_vmx_model_count(void)
{
	return XS_ARRAY_SIZE(vmx_models);
}

const struct vmx_model *xs_vmx_model_at(size_t i)
{
	return i < XS_ARRAY_SIZE(vmx_models) ? &vmx_models[i] : NULL;
}

int xs_vmx_unknown_model(const char *name, char *err, size_t errlen)
{
	char names[512] = "";
	for (size_t i = 0; i < XS_ARRAY_SIZE(vmx_models); i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
			 vmx_models[i].name);
	return ERR("unknown CPU model '%s' (--list-cpu-models: %s)", name, names);
}

/* ---- controls ---- */

/* Keys every backend has that the vmx backend honours (the rest are refused by xs_backend_check_keys). */
static bool generic_key_supported(enum xs_control_key k)
{
	switch (k) {
	case XS_CTL_RECORD_IO:
	case XS_CTL_RECORD_MMIO:
	case XS_CTL_RECORD_GUEST_STATE:
	case XS_CTL_MSR_EXIT_READ:
	case XS_CTL_MSR_EXIT_WRITE:
	case XS_CTL_INJECT:
	case XS_CTL_MEMORY_READONLY:
		return true;
	default:
		return false;
	}
}

/*
 * The core's controls for a run: what the launcher's guests need (EPT for the guest's own memory map,
 * unrestricted guest below long mode, every I/O and HLT exiting as under KVM, MSR bitmaps so that only the
 * listed MSRs exit), the generic keys translated, then the vmx.* keys in the order given.
 */
int xs_vmx_build_controls(const struct xs_launch_config *cfg, const struct xs_controls *c, struct kvmx_controls *k,
			  char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->ept = true;
	k->unrestricted_guest = cfg->mode != 64;
	k->uncond_io_exiting = true;
	k->hlt_exiting = true;
	k->msr_bitmaps = true;
	if (c->given & (1u << XS_CTL_MSR_EXIT_READ)) {
		if (c->msr_read.all)
			return ERR("control msr.exit_read: 'all' needs MSR bitmaps off: use vmx.msr_bitmaps = off");
		char msg[256];
		if (xs_vmx_add_msrs(k, &c->msr_read, false, msg, sizeof(msg)))
			return ERR("control msr.exit_read: %s", msg);
	}
	if (c->given & (1u << XS_CTL_MSR_EXIT_WRITE)) {
		if (c->msr_write.all)
			return ERR("control msr.exit_write: 'all' needs MSR bitmaps off: use vmx.msr_bitmaps = off");
		char msg[256];
		if (xs_vmx_add_msrs(k, &c->msr_write, true, msg, sizeof(msg)))
			return ERR("control msr.exit_write: %s", msg);
	}
	if (xs_vmx_controls_apply(c, k, err, errlen))
		return -1;
	/* The launcher's own ports (0x500-0x503: done, vector reports, results, failures) always exit. */
	if (k->io_bitmaps) {
		if (k->n_io == KVMX_MAX_IO_RANGES)
			return ERR(
				"control vmx.io_bitmap: at most %d ranges (one more is the launcher's ports 0x%x-0x%x)",
				KVMX_MAX_IO_RANGES - 1, XS_PORT_DONE, XS_PORT_FAIL);
		k->io[k->n_io++] = (struct kvmx_io_range){XS_PORT_DONE, XS_PORT_FAIL - XS_PORT_DONE + 1};
	}
	/* External interrupts come from the runner's LAPIC timer; acknowledged on exit, or they would repeat. */
	if (k->extint_exiting)
		k->ack_interrupt_on_exit = true;
	if (!k->ept)
		return ERR("control vmx.ept: the vmx backend needs EPT on (guest memory is not the runner's)");
	if (cfg->mode != 64 && !k->unrestricted_guest)
		return ERR("control vmx.unrestricted_guest: a %s-mode guest needs it on", xs_mode_name(cfg->mode));
	return 0;
}

int xs_vmx_list_controls_caps(const struct kvmx_caps *caps, const char *cpu_name, const struct xs_vmx_host_rules *rules,
			      void (*each)(void *ctx, const char *name, const char *kind, const char *values,
					   bool supported, const char *why),
			      void *ctx)
{
	struct xs_vmx_key_info scratch;
	char name[64];
	for (unsigned int i = 0;; i++) {
		const struct xs_vmx_key_info *ki = xs_vmx_key(i, &scratch, name, sizeof(name));
		if (!ki)
			break;
		bool ok = ki->needs == KVMX_CTL_COUNT || kvmx_control_allowed(caps, ki->needs);
		char why[256] = "";
		if (!ok) {
			const struct kvmx_control_info *ci = kvmx_control_info(ki->needs);
			unsigned int bit = 0;
			while (bit < 32 && !(ci->bit & (1u << bit)))
				bit++;
			snprintf(why, sizeof(why), "%s lacks %s control '%s' (allowed-1 bit %u clear)", cpu_name,
				 kvmx_word_name(ci->word), ci->name, bit);
		} else if (rules && ki->needs != KVMX_CTL_COUNT) {
			const char *note = NULL;
			if (rules->refused && (note = rules->refused(ki->needs))) {
				ok = false;
				snprintf(why, sizeof(why), "refused by %s: %s", rules->host, note);
			} else if (rules->forced && (note = rules->forced(ki->needs))) {
				snprintf(why, sizeof(why), "forced on by %s: %s", rules->host, note);
			}
		}
		each(ctx, ki->name, ki->kind, ki->values, ok, why[0] ? why : NULL);
	}
	for (unsigned int k = 0; k < XS_CTL_COUNT; k++) {
		bool ok = generic_key_supported((enum xs_control_key)k);
		each(ctx, xs_control_key_name((enum xs_control_key)k), "generic", "docs/controls.md", ok,
		     ok ? NULL : "only the kvm backend has it");
	}
	return 0;
}

int xs_vmx_list_controls(const char *cpu_model,
			 void (*each)(void *ctx, const char *name, const char *kind, const char *values, bool supported,
				      const char *why),
			 void *ctx, char *err, size_t errlen)
{
	const struct vmx_model *m = xs_vmx_model_find(cpu_model);
	if (!m)
		return xs_vmx_unknown_model(cpu_model, err, errlen);
	struct kvmx_caps caps;
	xs_vmx_model_caps(m, &caps);
	return xs_vmx_list_controls_caps(&caps, m->name, NULL, each, ctx);
}

/* ---- what both hosts write: records and the run's metadata ---- */

void xs_vmx_out_init(struct xs_vmx_out *o, struct xs_sink *sink, const struct xs_launch_config *cfg,
		     const struct xs_controls *ctl)
{
	memset(o, 0, sizeof(*o));
	o->sink = sink;
	o->cfg = cfg;
	o->ctl = ctl;
	pthread_mutex_init(&o->lock, NULL);
}

void xs_vmx_out_destroy(struct xs_vmx_out *o)
{
	pthread_mutex_destroy(&o->lock);
}

static bool out_filtered(const struct xs_vmx_out *o, const struct xs_exit_record *rec)
{
	if (rec->detail_kind == XS_D_IO)
		return !xs_range_list_has(&o->ctl->record_io, rec->detail.io.port);
	if (rec->detail_kind == XS_D_MMIO)
		return !xs_range_list_has(&o->ctl->record_mmio, rec->detail.mmio.gpa);
	return false;
}

void xs_vmx_out_record(struct xs_vmx_out *o, struct xs_exit_record *rec)
{
	atomic_fetch_add(&o->exits, 1);
	if (out_filtered(o, rec)) {
		atomic_fetch_add(&o->filtered, 1);
		return;
	}
	if (o->cfg->no_record)
		return;
	if (o->ctl->guest_state == XS_GS_OFF && (rec->flags & XS_F_GUEST_STATE)) {
		rec->flags &= (uint16_t)~XS_F_GUEST_STATE;
		rec->size = XS_RECORD_CORE_SIZE;
		memset(&rec->gs, 0, sizeof(rec->gs));
	} else if (o->ctl->guest_state == XS_GS_REGS && (rec->flags & XS_F_GUEST_STATE)) {
		/* what "regs" means on KVM too: GPRs, RIP, RFLAGS; the rest of the block is not kept */
		struct xs_guest_state regs;
		memset(&regs, 0, sizeof(regs));
		memcpy(regs.gpr, rec->gs.gpr, sizeof(regs.gpr));
		regs.rip = rec->gs.rip;
		regs.rflags = rec->gs.rflags;
		regs.valid = rec->gs.valid & (XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS);
		rec->gs = regs;
	}
	pthread_mutex_lock(&o->lock);
	if (!o->first_record_ns)
		o->first_record_ns = xs_now_ns();
	int rc = xs_sink_write(o->sink, rec, 1);
	pthread_mutex_unlock(&o->lock);
	atomic_fetch_add(rc ? &o->lost : &o->recorded, 1);
}

void xs_vmx_out_counters(const struct xs_vmx_out *o, struct xs_launch_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->exits = atomic_load(&o->exits);
	c->recorded = atomic_load(&o->recorded);
	c->filtered = atomic_load(&o->filtered);
	c->lost = atomic_load(&o->lost);
	c->sink_errors = atomic_load(&o->lost);
}

void xs_vmx_out_meta(struct xs_vmx_out *o, const char *key, const char *value)
{
	pthread_mutex_lock(&o->lock);
	int rc = xs_sink_meta(o->sink, key, value);
	pthread_mutex_unlock(&o->lock);
	if (rc && o->cfg->error) {
		char msg[256];
		snprintf(msg, sizeof(msg), "storing metadata %s failed: %s", key, strerror(-rc));
		o->cfg->error(o->cfg->error_ctx, msg);
	}
}

static void control_meta(void *ctx, const char *key, const char *value)
{
	char k[128];
	snprintf(k, sizeof(k), "control.%s", key);
	xs_vmx_out_meta(ctx, k, value);
}

void xs_vmx_meta_run(struct xs_vmx_out *o, const struct xs_guest *guest, const char *backend, uint64_t started_ns)
{
	const struct xs_launch_config *cfg = o->cfg;
	xs_vmx_out_meta(o, "run.source", "launcher");
	xs_vmx_out_meta(o, "run.backend", backend);
	xs_sink_metaf(o->sink, "run.started_ns", "%llu", (unsigned long long)started_ns);
	int rc = xs_meta_host_facts(o->sink);
	if (rc && cfg->error)
		cfg->error(cfg->error_ctx, "storing the host facts failed");
	if (cfg->cmdline)
		xs_vmx_out_meta(o, "run.cmdline", cfg->cmdline);
	if (guest) {
		xs_vmx_out_meta(o, "run.guest", guest->name);
		for (int i = 0; i < XS_GUEST_ARGS; i++) {
			if (!guest->params[i].name)
				continue;
			char key[64];
			snprintf(key, sizeof(key), "run.param.%s", guest->params[i].name);
			xs_sink_metaf(o->sink, key, "0x%x", cfg->args[i]);
		}
	} else {
		xs_sink_metaf(o->sink, "run.guest", "image:%s", cfg->image_path);
	}
	xs_vmx_out_meta(o, "run.mode", xs_mode_name(cfg->mode));
	xs_sink_metaf(o->sink, "run.vcpus", "%u", cfg->vcpus);
	xs_sink_metaf(o->sink, "run.mem_mb", "%llu", (unsigned long long)cfg->mem_mb);
	xs_sink_metaf(o->sink, "run.iterations", "%u", cfg->iterations);
	xs_controls_visit(o->ctl, control_meta, o);
}

void xs_vmx_meta_end(struct xs_vmx_out *o, enum xs_launch_end end, const char *stop_why, const char *message,
		     const struct xs_launch_counters *c)
{
	xs_sink_metaf(o->sink, "run.ended_ns", "%llu", (unsigned long long)xs_now_ns());
	switch (end) {
	case XS_END_DONE:
		xs_vmx_out_meta(o, "run.exit_status", "ok");
		break;
	case XS_END_STOPPED:
		xs_vmx_out_meta(o, "run.exit_status", stop_why && !strcmp(stop_why, "duration") ? "ok" : "interrupted");
		xs_vmx_out_meta(o, "run.stopped_by", stop_why ? stop_why : "interrupted");
		break;
	default:
		xs_sink_metaf(o->sink, "run.exit_status", "%s: %s", xs_launch_end_name(end), message);
		if (stop_why)
			xs_vmx_out_meta(o, "run.stopped_by", stop_why);
		break;
	}
	xs_sink_metaf(o->sink, "counter.exits", "%llu", (unsigned long long)c->exits);
	xs_sink_metaf(o->sink, "counter.recorded", "%llu", (unsigned long long)c->recorded);
	xs_sink_metaf(o->sink, "counter.filtered", "%llu", (unsigned long long)c->filtered);
	xs_sink_metaf(o->sink, "counter.lost.sink", "%llu", (unsigned long long)atomic_load(&o->lost));
	xs_sink_metaf(o->sink, "counter.inject.injected", "%llu", (unsigned long long)c->injected);
	xs_sink_metaf(o->sink, "counter.inject.delivered", "%llu", (unsigned long long)c->delivered);
	xs_sink_metaf(o->sink, "counter.inject.overflow", "%llu", (unsigned long long)c->inject_overflow);
}

/* ---- the run's lifecycle, the same on both hosts ---- */

void xs_vmx_base_init(struct xs_vmx_base *b, const struct xs_launch_config *cfg, struct xs_sink *sink)
{
	b->cfg = *cfg;
	b->ctl = cfg->controls;
	b->sink = sink;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	xs_vmx_out_init(&b->out, sink, &b->cfg, &b->ctl);
}

void xs_vmx_base_destroy(struct xs_vmx_base *b)
{
	xs_vmx_out_destroy(&b->out);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

int xs_vmx_check_guest(const struct xs_launch_config *cfg, const char *vcpus_why, char *err, size_t errlen)
{
	if (!cfg->guest == !cfg->image_path)
		return snprintf(err, errlen, "give either a built-in guest or --image FILE"), -1;
	if (cfg->image_path && !cfg->mode)
		return snprintf(err, errlen, "--image needs --mode real|protected|long"), -1;
	if (cfg->mode != 16 && cfg->mode != 32 && cfg->mode != 64)
		return snprintf(err, errlen, "mode must be real, protected or long"), -1;
	if (cfg->vcpus != 1)
		return snprintf(err, errlen, "--vcpus %u: the vmx backend runs one vCPU%s", cfg->vcpus, vcpus_why), -1;
	return 0;
}

int xs_vmx_base_flush(struct xs_vmx_base *b)
{
	int rc = xs_sink_flush(b->sink);
	if (rc && (b->end == XS_END_DONE || b->end == XS_END_STOPPED)) {
		b->end = XS_END_HOST_ERROR;
		snprintf(b->message, sizeof(b->message), "flushing the output failed: %s", strerror(-rc));
		xs_launch_report(&b->cfg, "%s", b->message);
	}
	return b->end == XS_END_DONE || b->end == XS_END_STOPPED ? 0 : -1;
}

void xs_vmx_base_counters(const struct xs_vmx_base *b, struct xs_launch_counters *c)
{
	xs_vmx_out_counters(&b->out, c);
	c->injected = atomic_load(&b->injected);
	c->delivered = atomic_load(&b->delivered);
	c->inject_overflow = atomic_load(&b->inject_overflow);
}

bool xs_vmx_base_wait(void *impl, unsigned int timeout_ms)
{
	struct xs_vmx_base *b = impl;
	struct timespec deadline;
	xs_deadline_after_ms(&deadline, timeout_ms);
	pthread_mutex_lock(&b->lock);
	while (b->worker_started && !b->worker_done &&
	       pthread_cond_timedwait(&b->cond, &b->lock, &deadline) != ETIMEDOUT)
		;
	bool done = !b->worker_started || b->worker_done;
	pthread_mutex_unlock(&b->lock);
	return done;
}

enum xs_launch_end xs_vmx_base_end(const void *impl, const char **message)
{
	const struct xs_vmx_base *b = impl;
	if (message)
		*message = b->message[0] && b->end != XS_END_DONE && b->end != XS_END_STOPPED ? b->message : NULL;
	return b->end;
}

bool xs_vmx_base_stat_delta(const void *impl, const char *name, uint64_t *delta)
{
	(void)impl;
	(void)name;
	*delta = 0;
	return false; /* no KVM statistics: every exit of a vmx host is in the records */
}

const char *const *xs_vmx_base_unsupported(const void *impl)
{
	const struct xs_vmx_base *b = impl;
	return (const char *const *)b->unsupported;
}
