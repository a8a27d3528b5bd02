// SPDX-License-Identifier: MIT
/*
 * The record sources of `top` and `serve` (cli/sources.h): a replay (tui/replay.h), a guest launched in this
 * process (launcher/launcher.h) or every VM of the host (collector/collector.h), and their options. This is
 * where producers meet the tui_source interface; tui/ never calls a producer by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/agg_poll.h"
#include "cli/command.h"
#include "cli/sources.h"
#include "cli/kvm_device.h"
#include "common/util.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"
#include "tui/replay.h"

/* ---- replay ---- */

/*
 * A record file starts with "XSRECORD", or is named *.xsr (then a damaged one is read as a record file and its
 * damage named, not called "not an SQLite database"); anything else is taken for a database (the store says
 * if it is not).
 */
static int is_record_file(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	size_t len = strlen(path);
	return (n == (ssize_t)sizeof(magic) && !memcmp(magic, "XSRECORD", sizeof(magic))) ||
	       (len > 4 && !strcmp(path + len - 4, ".xsr"));
}

struct tui_source *xs_replay_source(const char *cmd, const char *path, double speed, int64_t run_id)
{
	char err[512], label[128], what[96];
	struct tui_replay_reader reader;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int kind = is_record_file(path);
	if (kind < 0) {
		xs_err("%s: cannot open %s: %s", cmd, path, strerror(-kind));
		return NULL;
	}
	if (kind && run_id) {
		xs_err("%s: --run-id is for databases; %s is a record file", cmd, path);
		return NULL;
	}
	if (kind ? !tui_replay_xsr_reader(path, &reader, err, sizeof(err))
		 : !tui_replay_db_reader(path, &run_id, &reader, err, sizeof(err))) {
		xs_err("%s: %s", cmd, err);
		return NULL;
	}
	if (kind)
		snprintf(what, sizeof(what), "%s", base);
	else
		snprintf(what, sizeof(what), "%s run %lld", base, (long long)run_id);
	if (speed > 0)
		snprintf(label, sizeof(label), "replay %s at %gx", what, speed);
	else
		snprintf(label, sizeof(label), "replay %s at full speed", what);
	return tui_replay_new(label, reader, speed);
}

/* ---- --run: a guest launched in this process ---- */

struct launch_source {
	struct tui_source base;
	struct xs_launch_config cfg;
	struct xs_launcher *l;
	pthread_t watcher;
	bool watching;
	atomic_bool stopping; /* the dashboard is quitting: the watcher stops the guest */
	pthread_mutex_t lock;
	char first_error[160]; /* the launcher's first complaint while running (it must not print over the screen) */
};

static void launch_error(void *ctx, const char *msg)
{
	struct launch_source *s = ctx;
	pthread_mutex_lock(&s->lock);
	if (!s->first_error[0])
		snprintf(s->first_error, sizeof(s->first_error), "%s", msg);
	pthread_mutex_unlock(&s->lock);
}

static void *watch_launch(void *arg)
{
	struct launch_source *s = arg;
	/* Stop and join from this one thread: xs_launcher_stop() signals vCPU threads that join reaps. */
	bool stopped = false;
	while (!xs_launcher_wait(s->l, 50)) {
		if (!stopped && atomic_load(&s->stopping)) {
			xs_launcher_stop(s->l, "interrupted");
			stopped = true;
		}
	}
	int rc = xs_launcher_join(s->l);
	const char *msg;
	enum xs_launch_end end = xs_launcher_end(s->l, &msg);
	struct xs_launch_counters c;
	xs_launcher_counters(s->l, &c);
	pthread_mutex_lock(&s->lock);
	if (!msg && s->first_error[0])
		msg = s->first_error;
	if (end == XS_END_GUEST_ERROR || end == XS_END_HOST_ERROR || rc)
		tui_source_end(&s->base, TUI_SOURCE_FAILED, "guest %s: %s", xs_launch_end_name(end),
			       msg ? msg : "the run failed");
	else
		tui_source_end(&s->base, TUI_SOURCE_FINISHED, "guest %s: %llu exits handled", xs_launch_end_name(end),
			       (unsigned long long)c.exits);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int launch_start(struct tui_source *base, struct xs_sink *sink, char *err, size_t errlen)
{
	struct launch_source *s = (struct launch_source *)base;
	if (xs_launcher_create(&s->cfg, sink, &s->l, err, errlen) || xs_launcher_start(s->l, err, errlen))
		return -EINVAL;
	int rc = pthread_create(&s->watcher, NULL, watch_launch, s);
	if (rc) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		xs_launcher_stop(s->l, "interrupted");
		xs_launcher_join(s->l);
		return -rc;
	}
	s->watching = true;
	return 0;
}

static void launch_stop(struct tui_source *base)
{
	struct launch_source *s = (struct launch_source *)base;
	atomic_store(&s->stopping, true);
	if (s->watching)
		pthread_join(s->watcher, NULL);
	s->watching = false;
}

static uint64_t monotonic_clock(struct tui_source *base)
{
	(void)base;
	return xs_now_ns(); /* the launcher and the collector stamp records with CLOCK_MONOTONIC */
}

static void launch_destroy(struct tui_source *base)
{
	struct launch_source *s = (struct launch_source *)base;
	xs_launcher_destroy(s->l);
	free((char *)s->cfg.cmdline);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct tui_source_ops launch_ops = {
	.start = launch_start, .stop = launch_stop, .clock = monotonic_clock, .destroy = launch_destroy};

struct tui_source *xs_launch_source(const char *cmd, const struct xs_launch_args *a, int argc, char **argv)
{
	char err[512];
	struct launch_source *s = xs_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->base.ops = &launch_ops;
	s->base.live = true;
	s->base.lossless = true; /* our own guest waits for the dashboard rather than losing exits */
	snprintf(s->base.label, sizeof(s->base.label), "run: guest %s", a->guest);
	if (xs_launch_config_init(&s->cfg, a->guest, err, sizeof(err)))
		goto fail;
	s->cfg.iterations = 0; /* default: until you quit */
	if (xs_launch_args_apply(a, &s->cfg, err, sizeof(err)))
		goto fail;
	s->cfg.error = launch_error;
	s->cfg.error_ctx = s;
	s->cfg.cmdline = xs_join_args("exitscope", argc, argv);
	return &s->base;
fail:
	xs_err("%s: %s", cmd, err);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

/* ---- live: every VM of this host (or one), through the collector ---- */

struct live_source {
	struct tui_source base;
	struct xs_col_opts opts;
	struct xs_collector *c;
	struct xs_sink *sink;
	struct xs_agg_poll *poll; /* aggregation mode: the kernel cells' last totals */
	pthread_t thread;
	bool running;
	atomic_bool stopping;
};

/* The collector's loss counters as run metadata while it runs (it writes the final ones when it stops), so the
 * header's "dropped" includes the ring's losses as they happen. */
#define LOSS_CPUS 1024

/* "CPU:COUNT,..." for the CPUs with losses; the value's size is bounded: CPUs past what fits are summed last as
 * "other:COUNT". */
static void per_cpu_list(const uint64_t *v, char *buf, size_t len)
{
	size_t o = 0;
	uint64_t other = 0;
	buf[0] = 0;
	for (unsigned int c = 0; c < LOSS_CPUS; c++) {
		if (!v[c])
			continue;
		if (o + 48 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%u:%llu", o ? "," : "", c, (unsigned long long)v[c]);
		else
			other += v[c];
	}
	if (other)
		snprintf(buf + o, len - o, "%sother:%llu", o ? "," : "", (unsigned long long)other);
}

static void publish_losses(struct live_source *s)
{
	struct xs_col_counters k;
	xs_collector_get_counters(s->c, &k);
	xs_sink_metaf(s->sink, "counter.dropped.ring", "%llu", (unsigned long long)k.dropped_ring);
	xs_sink_metaf(s->sink, "counter.lost.perf", "%llu", (unsigned long long)k.lost_perf);
	if (xs_collector_aggregating(s->c))
		xs_sink_metaf(s->sink, "counter.agg_full", "%llu", (unsigned long long)k.agg_full);
	static uint64_t ring[LOSS_CPUS], lost[LOSS_CPUS]; /* only the collector thread publishes */
	char list[1024];
	xs_collector_get_cpu_losses(s->c, ring, lost, LOSS_CPUS);
	per_cpu_list(ring, list, sizeof(list));
	xs_sink_meta(s->sink, "counter.dropped.ring.per_cpu", list);
	per_cpu_list(lost, list, sizeof(list));
	xs_sink_meta(s->sink, "counter.lost.perf.per_cpu", list);
}

static void *live_main(void *arg)
{
	struct live_source *s = arg;
	pthread_setname_np(pthread_self(), "xs-top-collect");
	uint64_t next_publish = 0;
	int rc = 0;
	while (!atomic_load(&s->stopping)) {
		rc = xs_collector_poll(s->c, 100);
		if (rc < 0 && rc != -EINTR)
			break;
		rc = 0;
		if (xs_now_ns() >= next_publish) {
			publish_losses(s);
			next_publish = xs_now_ns() + 1000000000ull;
		}
	}
	int stop_rc = xs_collector_stop(s->c);
	if (rc < 0 || stop_rc < 0)
		tui_source_end(&s->base, TUI_SOURCE_FAILED, "collector (%s) failed: %s",
			       xs_collector_backend_name(s->c), strerror(-(rc < 0 ? rc : stop_rc)));
	else
		tui_source_end(&s->base, TUI_SOURCE_FINISHED, "collector stopped");
	return NULL;
}

static int live_start(struct tui_source *base, struct xs_sink *sink, char *err, size_t errlen)
{
	struct live_source *s = (struct live_source *)base;
	s->sink = sink;
	s->c = xs_collector_open(&s->opts, sink, err, errlen);
	if (!s->c)
		return -EINVAL;
	const char *why = xs_collector_fallback_reason(s->c);
	size_t n = strlen(s->base.label);
	snprintf(s->base.label + n, sizeof(s->base.label) - n, " (%s%s%s)", xs_collector_backend_name(s->c),
		 why ? ", BPF failed: " : "", why ? why : "");
	if (xs_collector_aggregating(s->c))
		snprintf(s->base.counting, sizeof(s->base.counting), "in the kernel (aggregation)");
	else if (s->opts.aggregate)
		snprintf(s->base.counting, sizeof(s->base.counting), "per exit (the %s backend cannot aggregate)",
			 xs_collector_backend_name(s->c));
	int rc = pthread_create(&s->thread, NULL, live_main, s);
	if (rc) {
		snprintf(err, errlen, "cannot start the collector thread: %s", strerror(rc));
		xs_collector_stop(s->c);
		return -rc;
	}
	s->running = true;
	return 0;
}

static void live_stop(struct tui_source *base)
{
	struct live_source *s = (struct live_source *)base;
	atomic_store(&s->stopping, true);
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = false;
}

/* Aggregation mode: what the kernel counted since the last call, into agg. */
static int live_aggregate(struct tui_source *base, struct xs_agg *agg, uint64_t now_ns)
{
	struct live_source *s = (struct live_source *)base;
	if (!s->c || !xs_collector_aggregating(s->c))
		return 0;
	return xs_agg_poll_read(s->poll, s->c, agg, now_ns);
}

static void live_stream(struct tui_source *base, bool on)
{
	struct live_source *s = (struct live_source *)base;
	if (s->c)
		xs_collector_set_stream(s->c, on);
}

static bool live_counts(struct tui_source *base)
{
	struct live_source *s = (struct live_source *)base;
	return s->c && xs_collector_aggregating(s->c);
}

static void live_destroy(struct tui_source *base)
{
	struct live_source *s = (struct live_source *)base;
	xs_agg_poll_free(s->poll);
	xs_collector_close(s->c);
	free(s);
}

static const struct tui_source_ops live_ops = {
	.start = live_start,
	.stop = live_stop,
	.clock = monotonic_clock,
	.destroy = live_destroy,
	.counts = live_counts,
	.aggregate = live_aggregate,
	.stream = live_stream,
};

struct tui_source *xs_live_source(const struct xs_col_opts *opts)
{
	struct live_source *s = xs_calloc(1, sizeof(*s));
	s->base.ops = &live_ops;
	s->base.live = true;
	s->base.lossless = false; /* the kernel does not wait: a full queue drops, and says so */
	s->opts = *opts;
	s->poll = xs_agg_poll_new();
	if (!opts->aggregate)
		snprintf(s->base.counting, sizeof(s->base.counting), "per exit (--per-exit)");
	if (opts->pid)
		snprintf(s->base.label, sizeof(s->base.label), "live: pid %u", opts->pid);
	else
		snprintf(s->base.label, sizeof(s->base.label), "live: all VMs");
	return &s->base;
}

/* ---- the source options ---- */

#define S_OFF(f) offsetof(struct xs_source_args, f)

/* --backend: the launcher's (kvm, vmx) with --run, the collector's (bpf, perf) live; auto for both. */
static int take_backend(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	static const char *const live[] = {"auto", "bpf", "perf"};
	struct xs_source_args *t = base;
	if (!strcmp(arg, "kvm") || !strcmp(arg, "vmx") || !strcmp(arg, "auto")) {
		t->launch.backend = arg;
		t->launch_given |= strcmp(arg, "auto") != 0;
		if (strcmp(arg, "auto"))
			return 0;
	}
	for (size_t i = 0; i < XS_ARRAY_SIZE(live); i++) {
		if (!strcmp(arg, live[i])) {
			t->col.backend = (enum xs_col_backend)i;
			t->live_given |= i != XS_COL_AUTO;
			return 0;
		}
	}
	return -1;
}

/* --per-exit: the live source streams every exit instead of counting in the kernel. */
static int take_per_exit(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)arg, (void)err, (void)len;
	struct xs_source_args *t = base;
	t->col.aggregate = false;
	t->live_given = true;
	return 0;
}

static const struct xs_opt source_opts[] = {
	XS_OPT_ENTRY("replay", 0, "FILE", "replay a record file (*.xsr) or an exitscope database",
		     .kind = XS_OPT_STRING, .off = S_OFF(replay)),
	XS_OPT_ENTRY("speed", 0, "X",
		     "replay at X times the recorded pace (default 1; 0: as fast as the consumer takes)",
		     .kind = XS_OPT_SECONDS, .off = S_OFF(speed), .dmax = 1000000,
		     .expect = "give a factor up to 1000000 (0: full speed)"),
	XS_OPT_ENTRY("run-id", 0, "N", "which run of a database to replay (default: the newest)", .kind = XS_OPT_U64,
		     .off = S_OFF(run_id), .min = 1, .max = INT64_MAX, .expect = "give a run number"),
	XS_OPT_ENTRY("run", 0, "GUEST",
		     "launch a built-in guest (`exitscope run --list-guests`) until you quit (or for\n"
		     "--iterations), with the launch options below",
		     .kind = XS_OPT_STRING, .off = S_OFF(launch.guest)),
	XS_OPT_ENTRY("backend", 0, "B",
		     "live: auto (BPF, else perf), bpf or perf; with --run: kvm, vmx (the kmod-vmx\n"
		     "VT-x core, in Bochs without its module) or auto",
		     .kind = XS_OPT_CALL, .call = take_backend,
		     .expect = "auto, bpf or perf (with --run: auto, kvm or vmx)"),
	XS_OPT_ENTRY("per-exit", 0, NULL,
		     "live: stream every exit instead of counting in the kernel (BPF aggregation\n"
		     "mode, the default; the perf backend always streams)",
		     .kind = XS_OPT_CALL, .call = take_per_exit),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group source_group = {
	"Source (default: every VM on this host, live from the KVM tracepoints, as root)", source_opts};

static const char *const live_only[] = {"pid", NULL};

size_t xs_source_binds(struct xs_source_args *a, struct xs_opt_bind *b)
{
	b[0] = (struct xs_opt_bind){&source_group, a, NULL, NULL};
	b[1] = (struct xs_opt_bind){&xs_collect_group, &a->col, live_only, &a->live_given};
	b[2] = (struct xs_opt_bind){&xs_launch_group, &a->launch, NULL, &a->launch_given};
	return XS_SOURCE_BINDS;
}

void xs_source_args_init(struct xs_source_args *a)
{
	memset(a, 0, sizeof(*a)); /* the live source: every VM, the collector's default backend */
	a->col.aggregate = true;  /* counted in the kernel where the BPF backend runs (--per-exit: streamed) */
	a->speed = 1.0;
	xs_launch_args_init(&a->launch);
}

void xs_source_args_free(struct xs_source_args *a)
{
	xs_launch_args_free(&a->launch);
}

int xs_source_check(const struct xs_source_args *t, const char *cmd)
{
	if (!!t->replay + !!t->launch.guest + t->live_given > 1)
		return xs_usage_error(cmd, "give one source: -p/--backend (live), --replay or --run");
	if (t->launch_given && !t->launch.guest)
		return xs_usage_error(cmd, "%s",
				      "--vcpus, --mem, --mode, --iterations, --param and --control(s) go with --run");
	if (t->run_id && !t->replay)
		return xs_usage_error(cmd, "--run-id goes with --replay");
	return 0;
}

struct tui_source *xs_source_open(const struct xs_source_args *t, const char *cmd, int argc, char **argv, int *status)
{
	*status = xs_source_check(t, cmd);
	if (*status)
		return NULL;
	*status = XS_EXIT_FAILURE;
	return t->replay	 ? xs_replay_source(cmd, t->replay, t->speed, (int64_t)t->run_id)
	       : t->launch.guest ? xs_launch_source(cmd, &t->launch, argc, argv)
				 : xs_live_source(&t->col);
}
