// SPDX-License-Identifier: MIT
/* The launcher's lifecycle: configure, create (probe, build, start metadata), start, stop, join. */
#include "launcher/launcher.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "launcher/backend.h"
#include "launcher/guest_load.h"
#include "launcher/launcher_internal.h"
#include "launcher/probe.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static void kvm_stop(struct xs_launcher_kvm *l, const char *why);
static void kvm_destroy(struct xs_launcher_kvm *l);

const char *xs_launch_end_name(enum xs_launch_end e)
{
	static const char *const names[] = {"running", "ok", "interrupted", "guest-error", "host-error"};
	return (unsigned int)e < XS_ARRAY_SIZE(names) ? names[e] : "?";
}

int xs_launch_config_init(struct xs_launch_config *cfg, const char *guest, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vcpus = 1;
	cfg->mem_mb = XS_LAUNCH_DEFAULT_MEM_MB;
	cfg->iterations = XS_LAUNCH_DEFAULT_ITERATIONS;
	cfg->kvm_path = "/dev/kvm";
	cfg->kick_signal = SIGUSR1;
	xs_controls_init(&cfg->controls);
	if (!guest)
		return 0;
	const struct xs_guest *g = xs_guest_find(guest);
	if (!g) {
		char names[256] = "";
		for (size_t i = 0; xs_guests[i]; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
				 xs_guests[i]->name);
		return ERR("unknown guest '%s' (built-in guests: %s)", guest, names);
	}
	cfg->guest = g->name;
	cfg->mode = g->default_mode;
	for (int i = 0; i < XS_GUEST_ARGS; i++)
		cfg->args[i] = g->params[i].def;
	for (const char *const *line = g->default_controls; *line; line++)
		if (xs_controls_parse_line(&cfg->controls, *line, err, errlen))
			return -1;
	return 0;
}

int xs_launch_config_param(struct xs_launch_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
	const struct xs_guest *g = cfg->guest ? xs_guest_find(cfg->guest) : NULL;
	if (!g)
		return ERR("--param %s: parameters belong to built-in guests", name);
	for (int i = 0; i < XS_GUEST_ARGS; i++) {
		if (!g->params[i].name || strcmp(g->params[i].name, name))
			continue;
		uint64_t v;
		if (!xs_parse_range(value, 0, UINT32_MAX, &v))
			return ERR("--param %s: '%s' is not a 32-bit number", name, value);
		cfg->args[i] = (uint32_t)v;
		return 0;
	}
	return ERR("--param %s: guest %s has no parameter '%s'", name, g->name, name);
}

int xs_launch_config_setting(struct xs_launch_config *cfg, char kind, const char *arg, char *err, size_t errlen)
{
	if (kind == 'f')
		return xs_controls_load_file(&cfg->controls, arg, err, errlen);
	const char *what = kind == 'c' ? "control" : "param";
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return ERR("--%s '%s': expected %s", what, arg, kind == 'c' ? "KEY=VALUE" : "NAME=VALUE");
	char name[128];
	if ((size_t)(eq - arg) >= sizeof(name))
		return ERR("--%s '%.40s...': name too long", what, arg);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	return kind == 'c' ? xs_controls_set(&cfg->controls, name, eq + 1, err, errlen)
			   : xs_launch_config_param(cfg, name, eq + 1, err, errlen);
}

/*
 * The caller holds state_lock. A vCPU thread sets `finished` under that lock before it returns, so a thread
 * seen unfinished here is alive and pthread_kill() cannot hit a thread that another caller already joined.
 */
static void kick_all(struct xs_launcher_kvm *l)
{
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		struct xs_vcpu_ctx *c = &l->vcpus[i];
		atomic_store(&c->stop, true);
		if (atomic_load(&c->started) && !atomic_load(&c->finished))
			pthread_kill(c->thread, l->cfg.kick_signal);
	}
}

void xs_launcher_finish(struct xs_vcpu_ctx *c, enum xs_launch_end end, const char *message)
{
	struct xs_launcher_kvm *l = c->l;
	c->outcome = end;
	if (end != XS_END_GUEST_ERROR && end != XS_END_HOST_ERROR)
		return;
	bool first = false;
	pthread_mutex_lock(&l->state_lock);
	if (l->first_error == XS_END_RUNNING) {
		l->first_error = end;
		snprintf(l->end_message, sizeof(l->end_message), "%s", message ? message : "error");
		first = true;
	}
	pthread_mutex_unlock(&l->state_lock);
	/*
	 * Only the first error is the run's cause; vCPUs that fail the same way before the kick reaches them keep
	 * their final records but add no further lines, so a failed run says one thing once.
	 */
	if (first && message)
		xs_launch_report(&l->cfg, "%s", message);
	if (first) {
		pthread_mutex_lock(&l->state_lock);
		kick_all(l);
		pthread_mutex_unlock(&l->state_lock);
	}
}

/* ---- create ---- */

static int resolve_breakpoints(struct xs_launcher_kvm *l, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < l->ctl.n_hwbp; i++) {
		struct xs_hwbp *bp = &l->ctl.hwbp[i];
		if (!bp->symbol[0])
			continue;
		if (!l->blob)
			return ERR("debug.hwbp: @%s: symbols belong to built-in guests; give an address", bp->symbol);
		bp->addr = xs_guest_symbol(l->blob, bp->symbol);
		if (!bp->addr)
			return ERR("debug.hwbp: guest %s has no symbol '%s'", l->guest->name, bp->symbol);
		if (bp->addr & (bp->len - 1))
			return ERR("debug.hwbp: @%s (0x%llx) is not aligned to the length %u", bp->symbol,
				   (unsigned long long)bp->addr, bp->len);
	}
	return 0;
}

struct refusal {
	struct xs_launcher_kvm *l;
	char *err;
	size_t errlen;
	bool failed;
};

static void add_unsupported(struct xs_launcher_kvm *l, const char *name, const char *reason)
{
	l->unsupported = xs_realloc(l->unsupported, (l->n_unsupported + 2) * sizeof(char *));
	l->unsupported[l->n_unsupported++] = xs_asprintf("%s: %s", name, reason);
	l->unsupported[l->n_unsupported] = NULL;
}

static void on_unsupported(void *ctx, enum xs_control_key key, const char *reason)
{
	struct refusal *r = ctx;
	if (r->failed)
		return;
	if (!r->l->cfg.allow_unsupported) {
		snprintf(r->err, r->errlen, "control %s: %s (--allow-unsupported records it and runs without it)",
			 xs_control_key_name(key), reason);
		r->failed = true;
		return;
	}
	add_unsupported(r->l, xs_control_key_name(key), reason);
	xs_launch_report(&r->l->cfg, "control %s is not honoured here and is left out: %s", xs_control_key_name(key),
			 reason);
	xs_controls_clear(&r->l->ctl, key);
}

/* record.guest_state needs KVM_CAP_SYNC_REGS with the register sets it asks for. */
static int check_sync_regs(struct xs_launcher_kvm *l, char *err, size_t errlen)
{
	unsigned int have = (unsigned int)xs_kvmdev_cap(l->kvm.fd, KVM_CAP_SYNC_REGS);
	unsigned int need = l->ctl.guest_state == XS_GS_FULL   ? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS
			    : l->ctl.guest_state == XS_GS_REGS ? KVM_SYNC_X86_REGS
							       : 0;
	if ((have & need) == need)
		return 0;
	struct refusal r = {l, err, errlen, false};
	bool explicit = l->ctl.given & (1u << XS_CTL_RECORD_GUEST_STATE);
	if (explicit && !l->cfg.allow_unsupported) {
		on_unsupported(&r, XS_CTL_RECORD_GUEST_STATE, "the host lacks KVM_CAP_SYNC_REGS for it");
		return -1;
	}
	add_unsupported(l, "record.guest_state", "the host lacks KVM_CAP_SYNC_REGS; records carry no guest state");
	xs_launch_report(&l->cfg, "records carry no guest state: the host lacks KVM_CAP_SYNC_REGS");
	l->ctl.guest_state = XS_GS_OFF;
	return 0;
}

static int setup_vcpu(struct xs_launcher_kvm *l, unsigned int i)
{
	struct xs_vcpu_ctx *c = &l->vcpus[i];
	c->l = l;
	c->v = &l->vm->vcpus[i];
	if (!l->cfg.no_record)
		c->batch = xs_calloc(XS_BATCH_RECORDS, sizeof(*c->batch));
	enum xs_gs_capture cap = l->cfg.no_record ? XS_GS_OFF : l->ctl.guest_state;
	c->v->run->kvm_valid_regs = cap == XS_GS_FULL	? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS
				    : cap == XS_GS_REGS ? KVM_SYNC_X86_REGS
							: 0;
	char msg[256];
	if (xs_kvmdev_cap(l->vm->fd, KVM_CAP_BINARY_STATS_FD) &&
	    !xs_kvmstat_open(&c->stats, c->v->fd, msg, sizeof(msg))) {
		c->stat_start = xs_calloc(c->stats.n + 1, sizeof(uint64_t));
		c->stat_end = xs_calloc(c->stats.n + 1, sizeof(uint64_t));
		xs_kvmstat_read(&c->stats, c->stat_start);
	} else {
		c->stats.fd = -1;
	}
	return 0;
}

static int validate(const struct xs_launch_config *cfg, char *err, size_t errlen)
{
	if (!cfg->guest == !cfg->image_path)
		return ERR("give either a built-in guest or --image FILE");
	if (cfg->image_path && !cfg->mode)
		return ERR("--image needs --mode real|protected|long");
	if (cfg->mode != 16 && cfg->mode != 32 && cfg->mode != 64)
		return ERR("mode must be real, protected or long");
	if (cfg->vcpus < 1 || cfg->vcpus > XS_MAX_VCPUS)
		return ERR("--vcpus must be 1-%d", XS_MAX_VCPUS);
	if (cfg->mem_mb < 1 || cfg->mem_mb > XS_LAUNCH_MAX_MEM_MB)
		return ERR("--mem must be 1-%d MiB", XS_LAUNCH_MAX_MEM_MB);
	return 0;
}

static int kvm_create(const struct xs_launch_config *cfg, struct xs_sink *sink, struct xs_launcher_kvm **out, char *err,
		      size_t errlen)
{
	if (validate(cfg, err, errlen))
		return -1;
	struct xs_launcher_kvm *l = xs_calloc(1, sizeof(*l));
	l->cfg = *cfg;
	if (!l->cfg.kvm_path)
		l->cfg.kvm_path = "/dev/kvm";
	if (!l->cfg.kick_signal)
		l->cfg.kick_signal = SIGUSR1;
	l->ctl = cfg->controls;
	l->ctl.given |= 1u << XS_CTL_RECORD_GUEST_STATE; /* always stored: readers need to know */
	l->sink = sink;
	l->kvm.fd = -1;
	l->pid = (uint32_t)getpid();
	pthread_mutex_init(&l->sink_lock, NULL);
	pthread_mutex_init(&l->state_lock, NULL);
	pthread_cond_init(&l->state_cond, NULL);
	l->vcpus = xs_calloc(cfg->vcpus, sizeof(*l->vcpus));
	for (unsigned int i = 0; i < cfg->vcpus; i++)
		l->vcpus[i].stats.fd = -1;

	struct xs_loaded_guest lg;
	int rc = xs_guest_load(cfg, &lg, err, errlen);
	l->guest = lg.guest;
	l->blob = lg.blob;
	l->own_exceptions = lg.own_exceptions;
	if (rc || resolve_breakpoints(l, err, errlen) || xs_kvmdev_open(&l->kvm, l->cfg.kvm_path, err, errlen))
		goto fail;
	if ((int)cfg->vcpus > l->kvm.max_vcpus) {
		(void)ERR("--vcpus %u: this host's KVM allows at most %d", cfg->vcpus, l->kvm.max_vcpus);
		goto fail;
	}
	if (check_sync_regs(l, err, errlen))
		goto fail;
	xs_vcpu_install_kick(l->cfg.kick_signal);
	struct refusal r = {l, err, errlen, false};
	if (xs_probe_controls(&l->kvm, &l->ctl, cfg->mem_mb << 20, l->cfg.kick_signal, on_unsupported, &r, &l->facts,
			      err, errlen) ||
	    r.failed)
		goto fail;
	struct xs_vm_spec spec = {
		.mode = cfg->mode,
		.mem_bytes = cfg->mem_mb << 20,
		.vcpus = cfg->vcpus,
		.image = &lg.img,
		.entry = lg.entry,
		.iterations = cfg->iterations,
		.controls = &l->ctl,
	};
	memcpy(spec.args, cfg->args, sizeof(spec.args));
	if (xs_vm_create(l->kvm.fd, l->kvm.run_size, &spec, &l->vm, err, errlen))
		goto fail;
	xs_guest_loaded_free(&lg);
	for (unsigned int i = 0; i < cfg->vcpus; i++)
		setup_vcpu(l, i);
	l->started_ns = xs_now_ns();
	xs_launcher_meta_start(l);
	*out = l;
	return 0;
fail:
	xs_guest_loaded_free(&lg);
	kvm_destroy(l);
	return -1;
}

/* ---- run ---- */

static int kvm_start(struct xs_launcher_kvm *l, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		struct xs_vcpu_ctx *c = &l->vcpus[i];
		pthread_mutex_lock(&l->state_lock);
		l->running++;
		pthread_mutex_unlock(&l->state_lock);
		int rc = pthread_create(&c->thread, NULL, xs_vcpu_thread, c);
		if (rc) {
			pthread_mutex_lock(&l->state_lock);
			l->running--;
			pthread_mutex_unlock(&l->state_lock);
			kvm_stop(l, "interrupted");
			return ERR("cannot start the thread of vcpu %u: %s", i, strerror(rc));
		}
		atomic_store(&c->started, true);
	}
	return 0;
}

static bool kvm_wait(struct xs_launcher_kvm *l, unsigned int timeout_ms)
{
	struct timespec deadline;
	xs_deadline_after_ms(&deadline, timeout_ms);
	pthread_mutex_lock(&l->state_lock);
	while (l->running && pthread_cond_timedwait(&l->state_cond, &l->state_lock, &deadline) != ETIMEDOUT)
		;
	bool done = !l->running;
	pthread_mutex_unlock(&l->state_lock);
	return done;
}

static void kvm_stop(struct xs_launcher_kvm *l, const char *why)
{
	pthread_mutex_lock(&l->state_lock);
	if (!l->stop_why)
		l->stop_why = why ? why : "interrupted";
	kick_all(l);
	pthread_mutex_unlock(&l->state_lock);
}

static int kvm_join(struct xs_launcher_kvm *l)
{
	if (l->joined)
		return l->end == XS_END_DONE || l->end == XS_END_STOPPED ? 0 : -1;
	bool all_done = true;
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		struct xs_vcpu_ctx *c = &l->vcpus[i];
		if (atomic_load(&c->started))
			pthread_join(c->thread, NULL);
		atomic_store(&c->started, false);
		all_done &= c->outcome == XS_END_DONE;
		if (c->stats.fd >= 0)
			xs_kvmstat_read(&c->stats, c->stat_end);
	}
	l->joined = true;
	l->end = l->first_error != XS_END_RUNNING ? l->first_error : all_done ? XS_END_DONE : XS_END_STOPPED;
	xs_launcher_meta_end(l);
	pthread_mutex_lock(&l->sink_lock);
	int rc = xs_sink_flush(l->sink);
	pthread_mutex_unlock(&l->sink_lock);
	if (rc) {
		xs_launch_report(&l->cfg, "flushing %s failed: %s", l->sink->name ? l->sink->name : "the output",
				 strerror(-rc));
		if (l->end == XS_END_DONE || l->end == XS_END_STOPPED) {
			l->end = XS_END_HOST_ERROR;
			snprintf(l->end_message, sizeof(l->end_message), "flushing the output failed: %s",
				 strerror(-rc));
		}
	}
	return l->end == XS_END_DONE || l->end == XS_END_STOPPED ? 0 : -1;
}

void xs_launcher_kvm_counters(const struct xs_launcher_kvm *l, struct xs_launch_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		const struct xs_vcpu_ctx *c = &l->vcpus[i];
		out->exits += atomic_load(&c->exits);
		out->recorded += atomic_load(&c->recorded);
		out->filtered += atomic_load(&c->filtered);
		out->sink_errors += atomic_load(&c->sink_errors);
		out->lost += atomic_load(&c->lost);
		out->injected += atomic_load(&c->injected);
		out->delivered += atomic_load(&c->delivered);
		out->inject_overflow += atomic_load(&c->inject_overflow);
		out->stepovers += atomic_load(&c->stepovers);
		out->run_ns += atomic_load(&c->run_ns);
		out->handler_ns += atomic_load(&c->handler_ns);
		out->cpu_ns += atomic_load(&c->cpu_ns);
	}
}

static enum xs_launch_end kvm_end(const struct xs_launcher_kvm *l, const char **message)
{
	if (message)
		*message = l->end_message[0] ? l->end_message : NULL;
	return l->end;
}

static bool kvm_stat_delta(const struct xs_launcher_kvm *l, const char *name, uint64_t *delta)
{
	bool found = false;
	*delta = 0;
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		const struct xs_vcpu_ctx *c = &l->vcpus[i];
		int k = c->stats.fd >= 0 ? xs_kvmstat_find(&c->stats, name) : -1;
		if (k < 0)
			continue;
		found = true;
		*delta += c->stat_end[k] - c->stat_start[k];
	}
	return found && l->joined;
}

static const char *const *kvm_unsupported(const struct xs_launcher_kvm *l)
{
	static const char *const none[] = {NULL};
	return l->unsupported ? (const char *const *)l->unsupported : none;
}

static void kvm_destroy(struct xs_launcher_kvm *l)
{
	if (!l)
		return;
	for (unsigned int i = 0; i < l->cfg.vcpus; i++)
		if (atomic_load(&l->vcpus[i].started)) {
			kvm_stop(l, "interrupted");
			break;
		}
	for (unsigned int i = 0; i < l->cfg.vcpus; i++) {
		struct xs_vcpu_ctx *c = &l->vcpus[i];
		if (atomic_load(&c->started))
			pthread_join(c->thread, NULL);
		free(c->batch);
		if (c->stats.fd >= 0)
			xs_kvmstat_close(&c->stats);
		free(c->stat_start);
		free(c->stat_end);
	}
	xs_vm_destroy(l->vm);
	xs_kvmdev_close(&l->kvm);
	for (unsigned int i = 0; i < l->n_unsupported; i++)
		free(l->unsupported[i]);
	free(l->unsupported);
	free(l->vcpus);
	pthread_mutex_destroy(&l->sink_lock);
	pthread_mutex_destroy(&l->state_lock);
	pthread_cond_destroy(&l->state_cond);
	free(l);
}

/* ---- the ops table (launcher/backend.h) ---- */

static int ops_create(const struct xs_launch_config *cfg, struct xs_sink *sink, void **impl, char *err, size_t errlen)
{
	struct xs_launcher_kvm *l;
	if (kvm_create(cfg, sink, &l, err, errlen))
		return -1;
	*impl = l;
	return 0;
}

static int ops_start(void *impl, char *err, size_t errlen)
{
	return kvm_start(impl, err, errlen);
}

static bool ops_wait(void *impl, unsigned int timeout_ms)
{
	return kvm_wait(impl, timeout_ms);
}

static void ops_stop(void *impl, const char *why)
{
	kvm_stop(impl, why);
}

static int ops_join(void *impl)
{
	return kvm_join(impl);
}

static void ops_counters(const void *impl, struct xs_launch_counters *c)
{
	xs_launcher_kvm_counters(impl, c);
}

static enum xs_launch_end ops_end(const void *impl, const char **message)
{
	return kvm_end(impl, message);
}

static bool ops_stat_delta(const void *impl, const char *name, uint64_t *delta)
{
	return kvm_stat_delta(impl, name, delta);
}

static const char *const *ops_unsupported(const void *impl)
{
	return kvm_unsupported(impl);
}

static void ops_destroy(void *impl)
{
	kvm_destroy(impl);
}

const struct xs_launch_backend xs_backend_kvm = {
	.name = "kvm",
	.create = ops_create,
	.start = ops_start,
	.wait = ops_wait,
	.stop = ops_stop,
	.join = ops_join,
	.counters = ops_counters,
	.end = ops_end,
	.stat_delta = ops_stat_delta,
	.unsupported = ops_unsupported,
	.destroy = ops_destroy,
};
