// SPDX-License-Identifier: MIT
/*
 * exitscope top: the live exit dashboard. This file parses the command line and wires the chosen source to
 * the dashboard in tui/: a replay of a record file or a database (tui/replay.h), or a guest launched in this
 * process (launcher/launcher.h). tui/ never calls a producer by name; this is where they meet.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/kvm_device.h"
#include "collector/collector.h"
#include "common/util.h"
#include "launcher/guests.h"
#include "launcher/launcher.h"
#include "tui/app.h"
#include "tui/replay.h"
#include "tui/ui.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope top [-p PID] [--backend auto|bpf|perf] [OPTIONS]\n"
		"       exitscope top --replay FILE [--speed X] [--run-id N] [OPTIONS]\n"
		"       exitscope top --run GUEST [--vcpus N] [--iterations N] [--control KEY=VALUE]... [OPTIONS]\n"
		"\n"
		"Show VM exits live: a table of exit reasons (count, rate, share, latency, the last 60 s), a per-vCPU\n"
		"table, the latest exits decoded, and the detail of any exit with its guest state. Press h for keys.\n"
		"\n"
		"Live (the default): every VM on this host, from the KVM tracepoints (root):\n"
		"  -p, --pid PID             only the VM process PID\n"
		"      --backend B           auto (BPF, else perf), bpf or perf\n"
		"Replay:\n"
		"      --replay FILE         a record file (*.xsr) or an exitscope database\n"
		"      --speed X             X times the recorded pace (default 1; 0: as fast as the screen takes)\n"
		"      --run-id N            which run of a database (default: the newest)\n"
		"Launch a built-in guest under KVM (`exitscope run --list-guests` lists them):\n"
		"      --run GUEST           run it until you quit (or for --iterations)\n"
		"      --vcpus N  --mem MB  --mode real|protected|long  --iterations N  --param NAME=VALUE\n"
		"      --control KEY=VALUE  --controls FILE  --no-default-controls  --allow-unsupported\n"
		"                            as for `exitscope run` (docs/controls.md)\n"
		"Display:\n"
		"  -d, --interval S          refresh every S seconds (default 1; %.1f to %.0f)\n"
		"  -f, --filter SPEC         start filtered: pid=N vm=NAME vcpu=N reason=[isa:]NAME (all must hold)\n"
		"  -s, --sort COLUMN         count, rate, mean, max or name (default count)\n"
		"  -v, --vcpus-view          start with the per-vCPU table\n"
		"      --no-color            never use colour (also when NO_COLOR is set)\n"
		"      --batch               print text snapshots to stdout instead of drawing the screen\n"
		"  -n, --count N             with --batch: stop after N snapshots (default: when the source ends)\n"
		"      --queue-mb N          the record queue in front of the dashboard (default %u MiB)\n"
		"  -h, --help                this text\n",
		TUI_INTERVAL_MIN, TUI_INTERVAL_MAX, TUI_QUEUE_DEFAULT >> 20);
}

/* ---- replay ---- */

/* A record file starts with "XSRECORD"; anything else is taken for a database (the store says if it is not). */
static int is_record_file(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && !memcmp(magic, "XSRECORD", sizeof(magic));
}

static struct tui_source *replay_source(const char *path, double speed, int64_t run_id)
{
	char err[512], label[128], what[96];
	struct tui_replay_reader reader;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int kind = is_record_file(path);
	if (kind < 0) {
		xs_err("top: cannot open %s: %s", path, strerror(-kind));
		return NULL;
	}
	if (kind && run_id) {
		xs_err("top: --run-id is for databases; %s is a record file", path);
		return NULL;
	}
	if (kind ? !tui_replay_xsr_reader(path, &reader, err, sizeof(err))
		 : !tui_replay_db_reader(path, &run_id, &reader, err, sizeof(err))) {
		xs_err("top: %s", err);
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

static const struct tui_source_ops launch_ops = {launch_start, launch_stop, NULL, monotonic_clock, launch_destroy};

/* --param, --control and --controls in command-line order: the kind letter, then the argument. */
struct launch_args {
	const char *guest;
	unsigned int mode;
	uint64_t vcpus, mem_mb, iterations;
	bool iterations_set, no_defaults, allow;
	const char *settings[64];
	char kinds[64];
	size_t n;
};

static struct tui_source *launch_source(const struct launch_args *a, int argc, char **argv)
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
	if (a->mode)
		s->cfg.mode = a->mode;
	if (a->no_defaults)
		xs_controls_init(&s->cfg.controls);
	for (size_t i = 0; i < a->n; i++)
		if (xs_launch_config_setting(&s->cfg, a->kinds[i], a->settings[i], err, sizeof(err)))
			goto fail;
	s->cfg.vcpus = (unsigned int)a->vcpus;
	s->cfg.mem_mb = a->mem_mb;
	s->cfg.iterations = a->iterations_set ? (uint32_t)a->iterations : 0; /* default: until you quit */
	s->cfg.allow_unsupported = a->allow;
	s->cfg.kvm_path = xs_cli_kvm_device();
	s->cfg.error = launch_error;
	s->cfg.error_ctx = s;
	s->cfg.cmdline = xs_join_args("exitscope", argc, argv);
	return &s->base;
fail:
	xs_err("top: %s", err);
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
	pthread_t thread;
	bool running;
	atomic_bool stopping;
};

/* The collector's loss counters as run metadata while it runs (it writes the final ones when it stops), so the
 * header's "dropped" includes the ring's losses as they happen. */
static void publish_losses(struct live_source *s)
{
	struct xs_col_counters k;
	xs_collector_get_counters(s->c, &k);
	xs_sink_metaf(s->sink, "counter.dropped.ring", "%llu", (unsigned long long)k.dropped_ring);
	xs_sink_metaf(s->sink, "counter.lost.perf", "%llu", (unsigned long long)k.lost_perf);
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

static void live_destroy(struct tui_source *base)
{
	struct live_source *s = (struct live_source *)base;
	xs_collector_close(s->c);
	free(s);
}

static const struct tui_source_ops live_ops = {live_start, live_stop, NULL, monotonic_clock, live_destroy};

static struct tui_source *live_source(uint32_t pid, enum xs_col_backend backend)
{
	struct live_source *s = xs_calloc(1, sizeof(*s));
	s->base.ops = &live_ops;
	s->base.live = true;
	s->base.lossless = false; /* the kernel does not wait: a full queue drops, and says so */
	s->opts.backend = backend;
	s->opts.pid = pid;
	if (pid)
		snprintf(s->base.label, sizeof(s->base.label), "live: pid %u", pid);
	else
		snprintf(s->base.label, sizeof(s->base.label), "live: all VMs");
	return &s->base;
}

/* ---- the command line ---- */

enum {
	OPT_BACKEND = 0x100,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_RUN_ID,
	OPT_RUN,
	OPT_VCPUS,
	OPT_MEM,
	OPT_MODE,
	OPT_ITERATIONS,
	OPT_PARAM,
	OPT_CONTROL,
	OPT_CONTROLS,
	OPT_NO_DEFAULTS,
	OPT_ALLOW,
	OPT_NO_COLOR,
	OPT_BATCH,
	OPT_QUEUE_MB,
};

static const struct option longopts[] = {
	{"pid", required_argument, NULL, 'p'},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"run-id", required_argument, NULL, OPT_RUN_ID},
	{"run", required_argument, NULL, OPT_RUN},
	{"vcpus", required_argument, NULL, OPT_VCPUS},
	{"mem", required_argument, NULL, OPT_MEM},
	{"mode", required_argument, NULL, OPT_MODE},
	{"iterations", required_argument, NULL, OPT_ITERATIONS},
	{"param", required_argument, NULL, OPT_PARAM},
	{"control", required_argument, NULL, OPT_CONTROL},
	{"controls", required_argument, NULL, OPT_CONTROLS},
	{"no-default-controls", no_argument, NULL, OPT_NO_DEFAULTS},
	{"allow-unsupported", no_argument, NULL, OPT_ALLOW},
	{"interval", required_argument, NULL, 'd'},
	{"filter", required_argument, NULL, 'f'},
	{"sort", required_argument, NULL, 's'},
	{"vcpus-view", no_argument, NULL, 'v'},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"batch", no_argument, NULL, OPT_BATCH},
	{"count", required_argument, NULL, 'n'},
	{"queue-mb", required_argument, NULL, OPT_QUEUE_MB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct top_args {
	struct tui_options opt;
	const char *replay;
	uint64_t pid;
	enum xs_col_backend backend;
	bool live_given;
	double speed;
	uint64_t run_id;
	bool count_given, launch_given;
	struct launch_args launch;
};

static int bad(const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	xs_err("top: %s (see exitscope top --help)", msg);
	return XS_EXIT_USAGE;
}

/* One option; 0, or an exit status (XS_EXIT_OK after --help). */
static int take_option(struct top_args *t, int c, const char *arg)
{
	struct launch_args *l = &t->launch;
	uint64_t v;
	switch (c) {
	case 'p':
		t->live_given = true;
		return xs_parse_range(arg, 1, UINT32_MAX, &t->pid) ? 0 : bad("--pid '%s' is not a process id", arg);
	case OPT_BACKEND:
		t->live_given = true;
		if (!strcmp(arg, "auto"))
			t->backend = XS_COL_AUTO;
		else if (!strcmp(arg, "bpf"))
			t->backend = XS_COL_BPF;
		else if (!strcmp(arg, "perf"))
			t->backend = XS_COL_PERF;
		else
			return bad("--backend '%s': auto, bpf or perf", arg);
		return 0;
	case OPT_REPLAY:
		t->replay = arg;
		return 0;
	case OPT_SPEED:
		return xs_parse_seconds(arg, &t->speed) && t->speed <= 1e6
			       ? 0
			       : bad("--speed '%s': give a factor up to 1000000 (0: full speed)", arg);
	case OPT_RUN_ID:
		return xs_parse_range(arg, 1, INT64_MAX, &t->run_id) ? 0 : bad("--run-id '%s': give a run number", arg);
	case OPT_RUN:
		l->guest = arg;
		return 0;
	case OPT_VCPUS:
		t->launch_given = true;
		return xs_parse_range(arg, 1, XS_MAX_VCPUS, &l->vcpus) ? 0 : bad("--vcpus '%s': give 1-64", arg);
	case OPT_MEM:
		t->launch_given = true;
		return xs_parse_range(arg, 1, XS_LAUNCH_MAX_MEM_MB, &l->mem_mb) ? 0
										: bad("--mem '%s': give 1-3072", arg);
	case OPT_MODE:
		t->launch_given = true;
		return (l->mode = xs_mode_parse(arg)) ? 0 : bad("--mode '%s': use real, protected or long", arg);
	case OPT_ITERATIONS:
		t->launch_given = l->iterations_set = true;
		return xs_parse_range(arg, 0, UINT32_MAX, &l->iterations) ? 0 : bad("--iterations '%s'", arg);
	case OPT_PARAM:
	case OPT_CONTROL:
	case OPT_CONTROLS:
		t->launch_given = true;
		if (l->n == XS_ARRAY_SIZE(l->settings))
			return bad("more than 64 --param/--control/--controls ('%s')", arg);
		l->kinds[l->n] = c == OPT_PARAM ? 'p' : c == OPT_CONTROL ? 'c' : 'f';
		l->settings[l->n++] = arg;
		return 0;
	case OPT_NO_DEFAULTS:
		t->launch_given = l->no_defaults = true;
		return 0;
	case OPT_ALLOW:
		t->launch_given = l->allow = true;
		return 0;
	case 'd':
		if (!xs_parse_seconds(arg, &t->opt.interval_s) || t->opt.interval_s < TUI_INTERVAL_MIN ||
		    t->opt.interval_s > TUI_INTERVAL_MAX)
			return bad("--interval '%s': give seconds from 0.1 to 60", arg);
		return 0;
	case 'f':
		t->opt.filter = arg;
		return 0;
	case 's':
		return tui_sort_parse(arg, &t->opt.view.sort) ? 0
							      : bad("--sort '%s': count, rate, mean, max or name", arg);
	case 'v':
		t->opt.view.table = TUI_TABLE_VCPUS;
		return 0;
	case OPT_NO_COLOR:
		t->opt.colour = false;
		return 0;
	case OPT_BATCH:
		t->opt.batch = true;
		return 0;
	case 'n':
		if (!xs_parse_range(arg, 1, UINT32_MAX, &v))
			return bad("--count '%s': give a number of snapshots from 1", arg);
		t->opt.count = (unsigned long)v;
		t->count_given = true;
		return 0;
	case OPT_QUEUE_MB:
		if (!xs_parse_range(arg, 1, 4096, &v))
			return bad("--queue-mb '%s': give 1 to 4096", arg);
		t->opt.queue_bytes = (size_t)v << 20;
		return 0;
	case 'h':
		usage(stdout);
		return -1;
	default:
		return bad("unknown or incomplete option '%s'", arg);
	}
}

static int cmd_top(int argc, char **argv)
{
	struct top_args t;
	memset(&t, 0, sizeof(t));
	t.opt.interval_s = 1.0;
	t.opt.colour = !getenv("NO_COLOR");
	t.speed = 1.0;
	t.launch.vcpus = 1;
	t.launch.mem_mb = XS_LAUNCH_DEFAULT_MEM_MB;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+p:d:f:s:vn:h", longopts, NULL)) != -1) {
		int rc = take_option(&t, c, c == '?' || c == ':' ? argv[optind - 1] : optarg);
		if (rc)
			return rc < 0 ? XS_EXIT_OK : rc;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (t.count_given && !t.opt.batch)
		return bad("%s", "--count only applies to --batch");
	if (!!t.replay + !!t.launch.guest + t.live_given > 1)
		return bad("%s", "give one source: -p/--backend (live), --replay or --run");
	if (t.launch_given && !t.launch.guest)
		return bad("%s", "--vcpus, --mem, --mode, --iterations, --param and --control(s) go with --run");
	if (t.run_id && !t.replay)
		return bad("%s", "--run-id goes with --replay");
	struct tui_source *src = t.replay	  ? replay_source(t.replay, t.speed, (int64_t)t.run_id)
				 : t.launch.guest ? launch_source(&t.launch, argc, argv)
						  : live_source((uint32_t)t.pid, t.backend);
	if (!src)
		return XS_EXIT_FAILURE;
	return tui_run(src, &t.opt);
}

XS_COMMAND(top, "live dashboard of VM exits (ncurses)", cmd_top);
