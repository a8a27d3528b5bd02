// SPDX-License-Identifier: MIT
#include "tui/app.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tui/draw.h"
#include "tui/header.h"
#include "tui/host.h"
#include "tui/input.h"
#include "tui/model.h"
#include "tui/queue.h"
#include "tui/text.h"
#include "tui/ui.h"
#include "tui/vmnames.h"

#define EXIT_FAILED 1	     /* the source or the terminal failed */
#define EXIT_BAD_FILTER 2    /* a bad --filter: a command-line error */
#define DRAIN_NS 20000000ull /* the queue is drained into the model this often (20 ms) */
#define DRAIN_SPANS 8	     /* at most this many spans per drain: keys are never kept waiting for long */

struct app {
	struct tui_source *src;
	const struct tui_options *opt;
	struct tui_queue *q;
	struct xs_sink *sink;
	struct tui_model live;
	struct tui_model *frozen; /* while paused: what the screen shows */
	struct tui_frame frame;
	struct tui_ui ui;
	struct tui_vmnames names;
	struct tui_input *input;
	int wake[2];
	uint64_t start_ns;
	uint64_t meta_gen;
	char kernel[64], cpu[64];
	const char *pending_filter; /* --filter naming a VM not seen yet: applied once it is */
	bool counted;		    /* the source counts exits itself (aggregation mode) */
	bool streaming;		    /* ... and streams single exits for the panes on screen that show them */
	uint64_t next_count;	    /* when to read its counts next */
	bool vm_missing;	    /* the last vm_lookup found no VM of that name */
};

static volatile sig_atomic_t got_quit, got_winch, got_tstp;
static int wake_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGWINCH)
		got_winch = 1;
	else if (sig == SIGTSTP)
		got_tstp = 1;
	else
		got_quit = 1;
	if (wake_fd >= 0 && write(wake_fd, "s", 1) < 0) {
		/* the pipe is full: the loop is already due to wake */
	}
	errno = saved;
}

static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};

static void set_signals(void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < XS_ARRAY_SIZE(handled_signals); i++)
		sigaction(handled_signals[i], &sa, NULL);
}

static const struct tui_model *shown(const struct app *a)
{
	return a->frozen ? a->frozen : &a->live;
}

/* ---- VM names for filters: pids seen first, then (live) every process of this host ---- */

static bool vm_lookup(void *arg, const char *name, uint32_t *pid, char *err, size_t errlen)
{
	struct app *a = arg;
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(shown(a)->agg, NULL, XS_AGG_BY_PID, &rows);
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		const char *vm = tui_vmnames_get(&a->names, rows[i].key.pid);
		if (vm && !strcmp(vm, name) && found++ == 0)
			*pid = rows[i].key.pid;
	}
	free(rows);
	if (!found && a->src->live) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			uint64_t p;
			char vm[64];
			if (xs_parse_range(e->d_name, 1, UINT32_MAX, &p) &&
			    tui_process_vm_name((uint32_t)p, vm, sizeof(vm)) && !strcmp(vm, name) && found++ == 0)
				*pid = (uint32_t)p;
		}
		if (d)
			closedir(d);
	}
	a->vm_missing = !found;
	if (found == 1)
		return true;
	if (found)
		snprintf(err, errlen, "filter: %d processes are called '%s': use pid=", found, name);
	else
		snprintf(err, errlen, "filter: no VM called '%s'%s", name, a->src->live ? "" : " in this recording");
	return false;
}

static bool parse_filter(struct app *a, const char *text, struct tui_filter *out, char *err, size_t errlen)
{
	struct tui_filter_ctx ctx = {shown(a)->isa_seen, vm_lookup, a};
	return tui_filter_parse(text, &ctx, out, err, errlen);
}

/* ---- the data side ---- */

static void read_meta(struct app *a)
{
	uint64_t gen = tui_queue_meta_generation(a->q);
	if (gen == a->meta_gen)
		return;
	a->meta_gen = gen;
	char v[64];
	if (tui_queue_meta_get(a->q, "run.kernel", v, sizeof(v)))
		snprintf(a->kernel, sizeof(a->kernel), "%s", v);
	if (tui_queue_meta_get(a->q, "run.cpu_vendor", v, sizeof(v)))
		snprintf(a->cpu, sizeof(a->cpu), "%s", tui_vendor_short(v));
	if (tui_queue_meta_get(a->q, "run.guest", v, sizeof(v)))
		tui_vmnames_set_guest(&a->names, v);
}

/* Aggregation mode: the source's counts, read at the refresh interval (and once more at the end). */
static void read_counts(struct app *a, bool all)
{
	if (!a->counted)
		return;
	uint64_t now = xs_now_ns();
	if (!all && now < a->next_count)
		return;
	a->next_count = now + (uint64_t)(a->ui.interval_s * 1e9);
	int e = a->src->ops->aggregate(a->src, a->live.agg, now);
	if (e < 0)
		tui_ui_message(&a->ui, true, "reading the kernel's counts failed: %s", strerror(-e));
	tui_model_note_counted(&a->live);
}

/* Aggregation mode: single exits are streamed only while a pane that shows them is up. */
static void update_stream(struct app *a)
{
	if (!a->counted)
		return;
	bool want = a->ui.focus == TUI_PANE_LATEST || a->ui.screen == TUI_SCREEN_DETAIL ||
		    a->ui.screen == TUI_SCREEN_SYMBOLS;
	a->ui.latest_note = want ? NULL : "(aggregation mode: Tab here to stream single exits)";
	if (want != a->streaming)
		a->src->ops->stream(a->src, want);
	a->streaming = want;
}

static void drain(struct app *a, bool all)
{
	struct tui_queue_span span;
	/* A live source's wall clock is when its TSC-stamped records (vmx backend) arrived: their rate per wall
	 * second. A replay has no such clock for them, and their rate stays unknown. */
	if (a->src->live && a->src->ops->clock) {
		uint64_t now = a->src->ops->clock(a->src);
		if (now)
			xs_agg_arrival(a->live.agg, now);
	}
	for (int i = 0; (all || i < DRAIN_SPANS) && tui_queue_acquire(a->q, &span); i++) {
		tui_model_ingest(&a->live, &span);
		tui_queue_release(a->q, &span);
	}
	read_counts(a, all);
	/* Let the per-second windows move on while nothing arrives, so a quiet source shows 0/s, not its last rate. */
	if (!a->live.tsc_clock && a->src->ops->clock) {
		uint64_t now = a->src->ops->clock(a->src);
		if (now)
			xs_agg_advance(a->live.agg, now);
	}
	read_meta(a);
}

/* A --filter whose VM had no exits yet: try again (it matches nothing meanwhile). */
static void resolve_pending_filter(struct app *a)
{
	struct tui_filter f;
	char err[200];
	if (!a->pending_filter || !parse_filter(a, a->pending_filter, &f, err, sizeof(err)))
		return;
	a->ui.view.filter = f;
	a->pending_filter = NULL;
	tui_ui_message(&a->ui, false, "filter: %s", f.text);
}

static void build_frame(struct app *a)
{
	resolve_pending_filter(a);
	tui_frame_build(&a->frame, shown(a), &a->ui.view, tui_vmnames_get, &a->names);
}

static void fill_header(struct app *a, const struct tui_frame *f, struct tui_header *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->source, sizeof(h->source), "%s", a->src->label);
	snprintf(h->kernel, sizeof(h->kernel), "%s", a->kernel);
	snprintf(h->cpu, sizeof(h->cpu), "%s", a->cpu);
	tui_isas_text(shown(a)->isa_seen, h->isas, sizeof(h->isas));
	const char *msg;
	enum tui_source_state st = tui_source_state(a->src, &msg);
	h->finished = st != TUI_SOURCE_RUNNING;
	snprintf(h->state, sizeof(h->state), "%s", h->finished ? msg : a->src->live ? "live" : "replaying");
	h->rate_now = f->total.rate;
	h->tsc_ticks = f->total.stats.tsc_count > 0;
	h->total = f->total.stats.count;
	h->received = f->received;
	struct tui_queue_counts qc;
	tui_queue_counts(a->q, &qc);
	h->dropped =
		qc.dropped + tui_queue_meta_sum(a->q, "counter.dropped.") + tui_queue_meta_sum(a->q, "counter.lost.");
	h->elapsed_s = (double)(xs_now_ns() - a->start_ns) / 1e9;
	h->interval_s = a->ui.interval_s;
	h->paused = a->ui.paused;
	if (a->src->counting[0])
		snprintf(h->counting, sizeof(h->counting), "%s", a->src->counting);
	else
		snprintf(h->counting, sizeof(h->counting), "per exit (%s)", a->src->live ? "launched guest" : "replay");
	char full[32];
	if (a->counted && tui_queue_meta_get(a->q, "counter.agg_full", full, sizeof(full)))
		h->agg_full = strtoull(full, NULL, 10);
}

/* ---- the screen ---- */

static void relayout(struct app *a)
{
	int rows, cols;
	tui_screen_size(&rows, &cols);
	tui_layout(rows, cols, a->frame.nrows, &a->ui.layout);
	tui_ui_sync(&a->ui, &a->frame);
}

static void draw(struct app *a, bool full)
{
	struct tui_header h;
	relayout(a);
	fill_header(a, &a->frame, &h);
	tui_draw(&h, &a->frame, &a->ui, full, tui_vmnames_get, &a->names);
}

/* One key, with the effects that need the data side applied at once (later keys see their result). */
static unsigned int handle_key(struct app *a, int key)
{
	unsigned int fx = tui_ui_key(&a->ui, key, &a->frame, shown(a));
	if (fx & TUI_FX_PAUSE) {
		if (a->ui.paused) {
			a->frozen = tui_model_clone(&a->live);
		} else {
			tui_model_free(a->frozen);
			free(a->frozen);
			a->frozen = NULL;
			fx |= TUI_FX_REBUILD;
		}
		if (a->src->ops->pause)
			a->src->ops->pause(a->src, a->ui.paused);
	}
	if (fx & TUI_FX_FILTER) {
		struct tui_filter f;
		char err[200];
		if (parse_filter(a, a->ui.input, &f, err, sizeof(err))) {
			tui_ui_filter_result(&a->ui, &f, NULL);
			fx |= TUI_FX_REBUILD;
		} else {
			tui_ui_filter_result(&a->ui, NULL, err);
		}
	}
	if (fx & TUI_FX_REBUILD)
		build_frame(a);
	else if (fx & TUI_FX_RESORT)
		tui_frame_sort(&a->frame, &a->ui.view);
	if (fx & (TUI_FX_REBUILD | TUI_FX_RESORT))
		relayout(a);
	return fx;
}

static void drain_wake_pipe(struct app *a)
{
	char buf[64];
	while (read(a->wake[0], buf, sizeof(buf)) > 0)
		continue;
}

static int wait_ms(uint64_t now, uint64_t until)
{
	return until <= now ? 0 : (int)((until - now + 999999) / 1000000);
}

static void atexit_screen(void)
{
	tui_screen_close();
}

static int run_interactive(struct app *a)
{
	char err[256];
	if (!tui_screen_open(a->opt->colour, err, sizeof(err))) {
		xs_err("top: %s", err);
		return EXIT_FAILED;
	}
	static bool registered;
	if (!registered && !atexit(atexit_screen))
		registered = true; /* an xs_die anywhere still gives the terminal back */
	a->input = tui_input_start(STDIN_FILENO, a->wake[1]);
	update_stream(a);
	drain(a, false);
	build_frame(a);
	draw(a, false);
	uint64_t next_draw = xs_now_ns() + (uint64_t)(a->ui.interval_s * 1e9);
	while (!got_quit) {
		uint64_t now = xs_now_ns();
		uint64_t until = next_draw < now + DRAIN_NS ? next_draw : now + DRAIN_NS;
		struct pollfd p = {a->wake[0], POLLIN, 0};
		if (poll(&p, 1, wait_ms(now, until)) > 0)
			drain_wake_pipe(a);
		unsigned int fx = 0;
		if (got_tstp) { /* ^Z: give the terminal back, stop, take it again on fg */
			got_tstp = 0;
			tui_screen_suspend();
			got_winch = 1;
		}
		if (got_winch) {
			got_winch = 0;
			tui_screen_resize();
			fx |= TUI_FX_FULL_REDRAW | TUI_FX_REDRAW;
		}
		int keys[64];
		size_t nkeys = tui_input_take(a->input, keys, XS_ARRAY_SIZE(keys));
		for (size_t i = 0; i < nkeys && !(fx & TUI_FX_QUIT); i++)
			fx |= handle_key(a, keys[i]);
		update_stream(a);
		if ((fx & TUI_FX_QUIT) || tui_input_ended(a->input))
			break;
		drain(a, false);
		now = xs_now_ns();
		if (fx & TUI_FX_INTERVAL)
			next_draw = now + (uint64_t)(a->ui.interval_s * 1e9);
		if (now >= next_draw) {
			if (!a->ui.paused)
				build_frame(a);
			fx |= TUI_FX_REDRAW; /* paused: the clock and the drop count still move */
			next_draw = now + (uint64_t)(a->ui.interval_s * 1e9);
		}
		if (fx & TUI_FX_REDRAW)
			draw(a, fx & TUI_FX_FULL_REDRAW);
	}
	tui_input_stop(a->input);
	a->input = NULL;
	tui_screen_close();
	return 0;
}

static void snapshot(struct app *a, unsigned long n)
{
	resolve_pending_filter(a);
	struct tui_view v = a->ui.view;
	struct tui_frame reasons = {0}, vcpus = {0};
	v.table = TUI_TABLE_REASONS;
	tui_frame_build(&reasons, &a->live, &v, tui_vmnames_get, &a->names);
	v.table = TUI_TABLE_VCPUS;
	tui_frame_build(&vcpus, &a->live, &v, tui_vmnames_get, &a->names);
	struct tui_header h;
	fill_header(a, &reasons, &h);
	tui_text_snapshot(stdout, n, &h, &a->ui.view, &reasons, &vcpus);
	tui_frame_free(&reasons);
	tui_frame_free(&vcpus);
}

static int run_batch(struct app *a)
{
	unsigned long printed = 0;
	uint64_t next = a->start_ns + (uint64_t)(a->ui.interval_s * 1e9);
	for (;;) {
		uint64_t now = xs_now_ns();
		uint64_t until = next < now + DRAIN_NS ? next : now + DRAIN_NS;
		struct pollfd p = {a->wake[0], POLLIN, 0};
		if (poll(&p, 1, wait_ms(now, until)) > 0)
			drain_wake_pipe(a);
		if (got_tstp) {
			got_tstp = 0;
			raise(SIGSTOP);
		}
		/* Once the source has ended every record it made is in the queue: take them all. */
		bool ended = tui_source_state(a->src, NULL) != TUI_SOURCE_RUNNING;
		drain(a, ended || got_quit);
		now = xs_now_ns();
		if (now >= next || ended || got_quit) {
			snapshot(a, ++printed);
			next += (uint64_t)(a->ui.interval_s * 1e9);
			if (next <= now)
				next = now + (uint64_t)(a->ui.interval_s * 1e9);
		}
		if (ended || got_quit || (a->opt->count && printed >= a->opt->count))
			break;
	}
	return 0;
}

/* --filter: applied now, or once its VM has exits; 0, or EXIT_BAD_FILTER after saying why. */
static int start_filter(struct app *a)
{
	const char *text = a->opt->filter;
	struct tui_filter f;
	char err[256];
	if (!text)
		return 0;
	if (parse_filter(a, text, &f, err, sizeof(err))) {
		a->ui.view.filter = f;
	} else if (a->vm_missing) {
		/* The VM may not have started yet: show nothing until it has exits, then filter on it. */
		a->pending_filter = text;
		a->ui.view.filter.agg.by_pid = true;
		a->ui.view.filter.agg.pid = 0;
		snprintf(a->ui.view.filter.text, sizeof(a->ui.view.filter.text), "%.100s (no such VM yet)", text);
	} else {
		xs_err("top: %s", err);
		return EXIT_BAD_FILTER;
	}
	return 0;
}

/* Start the source, show it until the user or the source ends it, stop it; the exit status. */
static int run_source(struct app *a)
{
	struct tui_source *src = a->src;
	char err[256];
	/* The source's threads inherit a mask without the dashboard's signals: they reach this thread's loop. */
	sigset_t ours, old;
	sigemptyset(&ours);
	for (size_t i = 0; i < XS_ARRAY_SIZE(handled_signals); i++)
		sigaddset(&ours, handled_signals[i]);
	pthread_sigmask(SIG_BLOCK, &ours, &old);
	int started = src->ops->start(src, a->sink, err, sizeof(err));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started) {
		xs_err("top: %s", err);
		return EXIT_FAILED;
	}
	a->counted = a->live.counted_elsewhere = src->ops->counts && src->ops->counts(src);
	int status = a->opt->batch ? run_batch(a) : run_interactive(a);
	/* Producers blocked on a full queue must see the consumer leave before they can be joined. */
	tui_queue_shutdown(a->q);
	src->ops->stop(src);
	const char *msg;
	if (tui_source_state(src, &msg) == TUI_SOURCE_FAILED) {
		/* A failed source (a damaged record file, a collector that died) fails the command, on screen as in
		 * batch mode: the same file gives `import` and `top --replay` one verdict. */
		xs_err("top: %s", msg);
		status = EXIT_FAILED;
	}
	if (a->pending_filter) {
		xs_err("top: filter '%s': no such VM had exits", a->pending_filter);
		if (a->opt->batch)
			status = EXIT_FAILED;
	}
	return status;
}

int tui_run(struct tui_source *src, const struct tui_options *opt)
{
	struct app *a = xs_calloc(1, sizeof(*a));
	a->src = src;
	a->opt = opt;
	a->start_ns = xs_now_ns();
	tui_model_init(&a->live);
	if (opt->symbols)
		tui_model_set_symbols(&a->live, opt->symbols);
	tui_ui_init(&a->ui, &opt->view, opt->interval_s);
	memset(&a->ui.view.filter, 0, sizeof(a->ui.view.filter));
	tui_vmnames_init(&a->names, src->live);
	snprintf(a->kernel, sizeof(a->kernel), "?");
	snprintf(a->cpu, sizeof(a->cpu), "cpu ?");
	if (src->live) {
		tui_host_kernel(a->kernel, sizeof(a->kernel));
		tui_host_cpu(a->cpu, sizeof(a->cpu));
	}
	a->q = tui_queue_new(opt->queue_bytes ? opt->queue_bytes : TUI_QUEUE_DEFAULT);
	int status = start_filter(a);
	if (status)
		goto out;
	if (pipe2(a->wake, O_CLOEXEC | O_NONBLOCK))
		xs_die("cannot create the dashboard's wake-up pipe: %m");
	wake_fd = a->wake[1];
	got_quit = got_winch = got_tstp = 0;
	set_signals(on_signal);
	a->sink = tui_queue_sink(a->q, src->lossless);
	status = run_source(a);
	set_signals(SIG_DFL);
	wake_fd = -1;
	xs_sink_close(a->sink);
	close(a->wake[0]);
	close(a->wake[1]);
out:
	src->ops->destroy(src);
	tui_frame_free(&a->frame);
	if (a->frozen) {
		tui_model_free(a->frozen);
		free(a->frozen);
	}
	tui_model_free(&a->live);
	tui_queue_free(a->q);
	free(a);
	return status;
}
