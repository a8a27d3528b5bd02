// SPDX-License-Identifier: MIT
/*
 * The vmx backend on hosts without the kmod-vmx Linux module: the kmod-vmx core runs inside Bochs emulating
 * a chosen Intel CPU. The host side lays out the guest's RAM exactly as the KVM backend does (image, GDT,
 * TSS, page tables, parameter blocks), turns the control spec into the core's struct kvmx_controls (checked
 * against the model's capability MSRs first, so a refusal names the control and the capability bit before
 * Bochs starts), writes the run descriptor (kmod-vmx/bare/run_desc.h) and boots the runner image with both
 * loaded into emulated RAM. The runner streams its record file out of COM1 into a FIFO; a reader thread
 * here parses it chunk by chunk while Bochs runs and hands each record to the run's sink.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/host_facts.h"
#include "common/util.h"
#include "common/xsr.h"
#include "kmod-vmx/bare/run_desc.h"
#include "launcher/backend.h"
#include "launcher/guest_load.h"
#include "launcher/vm.h"
#include "launcher/vmx_backend.h"
#include "launcher/vmx_controls.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define VMX_MAX_MEM_MB 1024
#define VMX_HANG_NS 2000000000ull /* no exit for this long before a --duration stop: the guest hangs */

extern char **environ;

struct vmx_run {
	struct xs_vmx_base b; /* first: the shared lifecycle accessors take a run as its base */
	const struct vmx_model *model;
	struct run_desc desc;
	char dir[64];
	char runner[PATH_MAX];
	pid_t bochs;
	unsigned int cylinders;
	int fifo;
	pthread_t reader;

	bool keep_dir;
	char runner_end[32];
	int bochs_status;

	/* host time of the guest's start and of its latest exit: a --duration stop after a silence is a hang */
	atomic_uint_fast64_t guest_started_ns, last_exit_ns;
	double hung_s;
};

static int check_model(const struct vmx_model *m, const struct kvmx_controls *k, unsigned int mode, char *err,
		       size_t errlen)
{
	struct kvmx_caps caps;
	xs_vmx_model_caps(m, &caps);
	struct kvmx_guest_mode gm = {.ia32e = mode == 64};
	struct kvmx_words words;
	struct kvmx_err kerr;
	if (kvmx_controls_compute(&caps, k, &gm, &words, &kerr))
		return ERR("CPU model %s: %s", m->name, kerr.msg);
	return 0;
}

static int build_injections(const struct xs_controls *c, struct run_desc *d, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < c->n_inject; i++) {
		const struct xs_inject *in = &c->inject[i];
		struct run_inject *o = &d->inject[i];
		char text[96];
		xs_inject_format(in, text, sizeof(text));
		switch (in->when) {
		case XS_WHEN_HLT:
			o->when = RUN_WHEN_HLT;
			break;
		case XS_WHEN_AT:
			o->when = RUN_WHEN_AT;
			break;
		case XS_WHEN_EVERY:
			o->when = RUN_WHEN_EVERY;
			break;
		case XS_WHEN_IO:
			o->when = RUN_WHEN_IO;
			break;
		default:
			return ERR("control inject: '%s': the vmx backend schedules by exits (@hlt, @N, @every:N, "
				   "@io:PORT), not by wall time",
				   text);
		}
		o->kind = in->kind == XS_INJ_NMI ? RUN_INJ_NMI : in->kind == XS_INJ_EXC ? RUN_INJ_EXC : RUN_INJ_IRQ;
		o->vector = in->vector;
		o->has_error = in->has_error;
		o->error_code = in->error_code;
		o->n = in->n;
	}
	d->n_inject = c->n_inject;
	return 0;
}

/* ---- files and Bochs ---- */

static int find_runner(struct vmx_run *r, char *err, size_t errlen)
{
	const char *env = getenv("EXITSCOPE_VMX_RUNNER");
	if (env) {
		if (access(env, R_OK))
			return ERR("EXITSCOPE_VMX_RUNNER=%s: %s", env, strerror(errno));
		snprintf(r->runner, sizeof(r->runner), "%s", env);
		return 0;
	}
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		static const char *const rel[] = {"kmod-vmx/vmx-runner.img", "../kmod-vmx/vmx-runner.img",
						  "../share/exitscope/vmx-runner.img"};
		for (size_t i = 0; i < XS_ARRAY_SIZE(rel); i++) {
			snprintf(r->runner, sizeof(r->runner), "%s/%s", exe, rel[i]);
			if (!access(r->runner, R_OK))
				return 0;
		}
	}
	return ERR("the vmx backend's runner image vmx-runner.img is not built (make vmx-image) or not installed; "
		   "EXITSCOPE_VMX_RUNNER names it");
}

static bool bochs_installed(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char buf[PATH_MAX];
	for (const char *p = path; *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/bochs-bin", (int)len, p);
		if (!access(buf, X_OK))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		if (f)
			fclose(f);
		return ERR("writing %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Where a guest byte range goes on the disk: whole sectors, 4 KiB-aligned in guest memory. */
static void add_segment(struct run_desc *d, uint64_t lo, uint64_t hi)
{
	lo &= ~0xfffull;
	hi = (hi + 0xfff) & ~0xfffull;
	if (hi > d->mem_bytes)
		hi = d->mem_bytes;
	if (hi <= lo || d->n_segments == RUN_MAX_SEGMENTS)
		return;
	d->segment[d->n_segments].gpa = lo;
	d->segment[d->n_segments].len = hi - lo;
	d->n_segments++;
}

#define SECTORS_PER_CYLINDER (16 * 63)

/*
 * The disk Bochs boots: the runner image, the descriptor at RUN_DESC_LBA, then the guest RAM the host laid
 * out (the first 640 KiB, and every image segment above it). Padded to whole cylinders of 16 x 63 sectors.
 */
static int build_disk(struct vmx_run *r, const uint8_t *mem, const struct xs_image *img, char *err, size_t errlen)
{
	struct run_desc *d = &r->desc;
	d->n_segments = 0;
	add_segment(d, 0, d->mem_bytes < XS_GPA_HOLE ? d->mem_bytes : XS_GPA_HOLE);
	for (unsigned int i = 0; i < img->n; i++)
		if (img->seg[i].gpa + img->seg[i].filesz > XS_GPA_HOLE) {
			if (d->n_segments == RUN_MAX_SEGMENTS)
				return ERR("the image has more segments above 640 KiB than the runner loads (%d)",
					   RUN_MAX_SEGMENTS - 1);
			add_segment(d, img->seg[i].gpa, img->seg[i].gpa + img->seg[i].filesz);
		}
	size_t runner_len;
	uint8_t *runner;
	if (xs_image_read_file(r->runner, 64u << 20, &runner, &runner_len, err, errlen))
		return -1;
	if (runner_len > (size_t)RUN_DESC_LBA * 512) {
		free(runner);
		return ERR("%s is larger than %d sectors: not the runner image this build expects", r->runner,
			   RUN_DESC_LBA);
	}
	uint64_t lba = RUN_DESC_LBA + (sizeof(*d) + 4095) / 4096 * 8;
	for (unsigned int i = 0; i < d->n_segments; i++) {
		d->segment[i].lba = lba;
		lba += d->segment[i].len / 512;
	}
	uint64_t sectors = (lba + SECTORS_PER_CYLINDER - 1) / SECTORS_PER_CYLINDER * SECTORS_PER_CYLINDER;
	r->cylinders = (unsigned int)(sectors / SECTORS_PER_CYLINDER);
	uint8_t *disk = xs_calloc(1, sectors * 512);
	memcpy(disk, runner, runner_len);
	free(runner);
	memcpy(disk + (size_t)RUN_DESC_LBA * 512, d, sizeof(*d));
	for (unsigned int i = 0; i < d->n_segments; i++)
		memcpy(disk + d->segment[i].lba * 512, mem + d->segment[i].gpa, d->segment[i].len);
	int rc = write_file(r->dir, "disk.img", disk, sectors * 512, err, errlen);
	free(disk);
	return rc;
}

static int write_bochsrc(struct vmx_run *r, char *err, size_t errlen)
{
	char rc[2048];
	/* one MiB above the guest's RAM for what the BIOS puts at the top of memory (ACPI tables) */
	unsigned long long megs = (RUN_GUEST_BASE >> 20) + r->b.cfg.mem_mb + 1;
	snprintf(rc, sizeof(rc),
		 "megs: %llu\n"
		 "romimage: file=/usr/share/bochs/BIOS-bochs-latest\n"
		 "vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n"
		 "cpu: model=%s, count=1, ips=1000000, reset_on_triple_fault=0\n"
		 "clock: sync=none, time0=1\n"
		 "ata0-master: type=disk, path=disk.img, mode=flat, cylinders=%u, heads=16, spt=63, translation=none\n"
		 "boot: disk\n"
		 "display_library: sdl2\n"
		 "port_e9_hack: enabled=1\n"
		 "com1: enabled=0\n"
		 "log: bochs.log\n"
		 "panic: action=fatal\n"
		 "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n"
		 "speaker: enabled=0\n"
		 "mouse: enabled=0\n"
		 "magic_break: enabled=1\n",
		 megs, r->model->name, r->cylinders);
	return write_file(r->dir, "bochsrc", rc, strlen(rc), err, errlen) ||
	       write_file(r->dir, "dbg.rc", "continue\nquit\n", 14, err, errlen);
}

static void remove_dir(struct vmx_run *r)
{
	if (!r->dir[0])
		return;
	static const char *const files[] = {"bochsrc",	   "dbg.rc",	"disk.img",  "disk.img.lock",
					    "serial.fifo", "bochs.log", "debug.txt", "bochs.stderr"};
	char path[PATH_MAX];
	for (size_t i = 0; i < XS_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, files[i]);
		unlink(path);
	}
	rmdir(r->dir);
	r->dir[0] = 0;
}

/* ---- the record stream ---- */

static void take_record(struct vmx_run *r, struct xs_exit_record *rec)
{
	atomic_store(&r->last_exit_ns, xs_now_ns());
	rec->pid = (uint32_t)getpid();
	xs_vmx_out_record(&r->b.out, rec);
}

static void take_meta(struct vmx_run *r, const char *key, const char *value)
{
	if (!strncmp(key, "runner.", 7)) {
		if (!strcmp(key, "runner.started"))
			atomic_store(&r->guest_started_ns, xs_now_ns());
		else if (!strcmp(key, "runner.end"))
			snprintf(r->runner_end, sizeof(r->runner_end), "%s", value);
		else if (!strcmp(key, "runner.message"))
			snprintf(r->b.message, sizeof(r->b.message), "%s", value);
		else if (!strcmp(key, "runner.injected"))
			atomic_store(&r->b.injected, strtoull(value, NULL, 10));
		else if (!strcmp(key, "runner.delivered"))
			atomic_store(&r->b.delivered, strtoull(value, NULL, 10));
		else if (!strcmp(key, "runner.inject_overflow"))
			atomic_store(&r->b.inject_overflow, strtoull(value, NULL, 10));
		return;
	}
	if (strncmp(key, "vmx.", 4))
		return; /* the runner's own run.* keys: the host's metadata says what this run is */
	xs_vmx_out_meta(&r->b.out, key, value);
}

/* One complete chunk (with the stream's header in front): parsed by the record-file reader itself. */
static int take_chunk(struct vmx_run *r, const uint8_t *file, size_t len)
{
	char msg[256];
	struct xsr_reader *x = xsr_open_mem(file, len, msg, sizeof(msg));
	if (!x) {
		snprintf(r->b.message, sizeof(r->b.message), "the runner's record stream: %s", msg);
		return -1;
	}
	struct xsr_item it;
	int rc;
	while ((rc = xsr_next(x, &it)) > 0) {
		if (it.kind == XSR_ITEM_RECORD)
			take_record(r, &it.rec);
		else if (it.kind == XSR_ITEM_META)
			take_meta(r, it.key, it.value);
	}
	if (rc < 0 || xsr_bad_records(x))
		snprintf(r->b.message, sizeof(r->b.message), "the runner's record stream: %s",
			 xsr_error(x) ? xsr_error(x) : "bad records");
	xsr_close(x);
	return rc < 0 ? -1 : 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parse whatever complete chunks buf holds; returns bytes consumed (the header stays at the front). */
static size_t parse_stream(struct vmx_run *r, uint8_t *buf, size_t *havep, bool *ended, bool *broken)
{
	size_t have = *havep;
	size_t pos = XSR_HEADER_SIZE;
	if (have < XSR_HEADER_SIZE)
		return 0;
	if (memcmp(buf, XSR_MAGIC, 8)) {
		*broken = true;
		snprintf(r->b.message, sizeof(r->b.message),
			 "the runner's serial stream does not start with a record file");
		return 0;
	}
	while (have - pos >= 8) {
		/*
		 * Bochs' own lines ("(0).[t] [addr] ...: insn", "Next at t=...") on the same stdout, between whole
		 * chunks: a chunk starts with its type (1-3, little-endian), a line with printable text.
		 */
		if (buf[pos] >= 0x20) {
			uint8_t *nl = memchr(buf + pos, '\n', have - pos);
			if (!nl)
				break;
			size_t skip = (size_t)(nl + 1 - (buf + pos));
			memmove(buf + pos, nl + 1, have - pos - skip);
			have -= skip;
			*havep = have;
			continue;
		}
		uint32_t type = get_u32(buf + pos), len = get_u32(buf + pos + 4);
		if (len > XSR_MAX_CHUNK) {
			*broken = true;
			snprintf(r->b.message, sizeof(r->b.message),
				 "the runner's record stream has a %u-byte chunk [%.40s]", len,
				 (const char *)buf + pos);
			return pos - XSR_HEADER_SIZE;
		}
		if (have - pos - 8 < len)
			break;
		/* header + this chunk as one small record file */
		uint8_t *one = xs_malloc(XSR_HEADER_SIZE + 8 + len);
		memcpy(one, buf, XSR_HEADER_SIZE);
		memcpy(one + XSR_HEADER_SIZE, buf + pos, 8 + len);
		if (take_chunk(r, one, XSR_HEADER_SIZE + 8 + len))
			*broken = true;
		free(one);
		pos += 8 + len;
		if (type == XSR_CHUNK_END)
			*ended = true;
	}
	return pos - XSR_HEADER_SIZE;
}

static void *reader_thread(void *arg)
{
	struct vmx_run *r = arg;
	size_t cap = 1 << 20, have = 0;
	uint8_t *buf = xs_malloc(cap);
	bool ended = false, broken = false, exited = false, synced = false;
	while (!ended && !broken) {
		struct pollfd p = {r->fifo, POLLIN, 0};
		int n = poll(&p, 1, exited ? 0 : 50);
		if (n > 0) {
			if (have == cap)
				buf = xs_realloc(buf, cap *= 2);
			ssize_t got = read(r->fifo, buf + have, cap - have);
			if (got > 0) {
				have += (size_t)got;
				if (!synced) {
					/* Bochs prints its banner on the same stdout before the runner's first byte */
					uint8_t *m = memmem(buf, have, XSR_MAGIC, 8);
					size_t skip = m ? (size_t)(m - buf) : have > 7 ? have - 7 : 0;
					memmove(buf, buf + skip, have - skip);
					have -= skip;
					synced = m != NULL;
					if (!synced)
						continue;
				}
				size_t used = parse_stream(r, buf, &have, &ended, &broken);
				if (used) {
					memmove(buf + XSR_HEADER_SIZE, buf + XSR_HEADER_SIZE + used,
						have - XSR_HEADER_SIZE - used);
					have -= used;
				}
				continue;
			}
		}
		if (exited)
			break; /* Bochs is gone and the FIFO is drained */
		int status;
		if (waitpid(r->bochs, &status, WNOHANG) == r->bochs) {
			r->bochs_status = status;
			r->bochs = 0;
			exited = true;
		}
	}
	free(buf);
	pthread_mutex_lock(&r->b.lock);
	r->b.worker_done = true;
	pthread_cond_broadcast(&r->b.cond);
	pthread_mutex_unlock(&r->b.lock);
	return NULL;
}

/* ---- ops ---- */

static void meta_start(struct vmx_run *r, const struct xs_guest *guest)
{
	xs_vmx_meta_run(&r->b.out, guest, "vmx-bochs", r->b.started_ns);
	xs_vmx_out_meta(&r->b.out, "vmx.cpu_model", r->model->name);
	xs_vmx_out_meta(&r->b.out, "vmx.emulator", "bochs");
	xs_vmx_out_meta(&r->b.out, "vmx.time_unit",
			"tsc-ticks (emulated by Bochs: ts and latency_ns count the emulated CPU's TSC, "
			"not host time)");
}

/* The runner's description of the run: the guest, the core's controls for the model, injections. */
static int fill_desc(struct vmx_run *r, const struct xs_loaded_guest *lg, char *err, size_t errlen)
{
	const struct xs_launch_config *cfg = &r->b.cfg;
	struct run_desc *d = &r->desc;
	d->magic = RUN_DESC_MAGIC;
	d->version = RUN_DESC_VERSION;
	d->mode = cfg->mode;
	d->vcpus = 1;
	d->mem_bytes = cfg->mem_mb << 20;
	d->entry = lg->entry;
	d->iterations = cfg->iterations;
	d->own_exceptions = lg->own_exceptions;
	d->core_records = r->b.ctl.guest_state == XS_GS_OFF;
	if (xs_vmx_build_controls(cfg, &r->b.ctl, &d->ctl, err, errlen) ||
	    check_model(r->model, &d->ctl, cfg->mode, err, errlen) || build_injections(&r->b.ctl, d, err, errlen))
		return -1;
	for (unsigned int i = 0; i < r->b.ctl.readonly.n && i < RUN_MAX_READONLY; i++) {
		d->readonly[i].lo = r->b.ctl.readonly.r[i].lo;
		d->readonly[i].hi = r->b.ctl.readonly.r[i].hi;
		d->n_readonly = i + 1;
	}
	return 0;
}

/* The run's directory: the disk with the runner and the guest's memory, bochsrc, the serial FIFO (opened). */
static int make_run_dir(struct vmx_run *r, const struct xs_loaded_guest *lg, char *err, size_t errlen)
{
	const struct xs_launch_config *cfg = &r->b.cfg;
	const char *tmp = getenv("TMPDIR");
	snprintf(r->dir, sizeof(r->dir), "%s/exitscope-vmx.XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	if (!mkdtemp(r->dir)) {
		(void)ERR("creating a directory for Bochs (%s): %s", r->dir, strerror(errno));
		r->dir[0] = 0;
		return -1;
	}
	uint8_t *mem = xs_calloc(1, r->desc.mem_bytes);
	struct xs_vm_spec spec = {.mode = cfg->mode,
				  .mem_bytes = r->desc.mem_bytes,
				  .vcpus = 1,
				  .image = &lg->img,
				  .entry = lg->entry,
				  .iterations = cfg->iterations};
	memcpy(spec.args, cfg->args, sizeof(spec.args));
	xs_guest_mem_fill(mem, &spec);
	int rc = build_disk(r, mem, &lg->img, err, errlen) || write_bochsrc(r, err, errlen) ? -1 : 0;
	free(mem);
	if (rc)
		return -1;
	char fifo[PATH_MAX];
	snprintf(fifo, sizeof(fifo), "%s/serial.fifo", r->dir);
	if (mkfifo(fifo, 0600))
		return ERR("mkfifo %s: %s", fifo, strerror(errno));
	/* Read-write: opening never blocks, and the reader never sees EOF before Bochs has written. */
	r->fifo = open(fifo, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (r->fifo < 0)
		return ERR("opening %s: %s", fifo, strerror(errno));
	return 0;
}

static int vmx_create(const struct xs_launch_config *cfg, struct xs_sink *sink, void **impl, char *err, size_t errlen)
{
	if (xs_vmx_check_guest(cfg, " (the runner drives one VMCS on one emulated CPU)", err, errlen))
		return -1;
	if (cfg->mem_mb < 1 || cfg->mem_mb > VMX_MAX_MEM_MB)
		return ERR("--mem %llu: the vmx backend gives a guest 1-%d MiB (Bochs' RAM)",
			   (unsigned long long)cfg->mem_mb, VMX_MAX_MEM_MB);
	const struct vmx_model *model = xs_vmx_model_find(cfg->cpu_model);
	if (!model)
		return xs_vmx_unknown_model(cfg->cpu_model, err, errlen);

	struct vmx_run *r = xs_calloc(1, sizeof(*r));
	xs_vmx_base_init(&r->b, cfg, sink);
	r->b.ctl.given |= 1u << XS_CTL_RECORD_GUEST_STATE;
	r->model = model;
	r->fifo = -1;
	*impl = r;

	struct xs_loaded_guest lg;
	if (xs_guest_load(cfg, &lg, err, errlen))
		goto fail;
	if (fill_desc(r, &lg, err, errlen))
		goto fail_loaded;
	if (!bochs_installed()) {
		(void)ERR("the vmx backend needs Bochs: bochs-bin is not on PATH (install bochs bochs-sdl bochsbios "
			  "vgabios, scripts/deps/vmx.txt; or --backend kvm)");
		goto fail_loaded;
	}
	if (find_runner(r, err, errlen) || make_run_dir(r, &lg, err, errlen))
		goto fail_loaded;
	r->b.started_ns = xs_now_ns();
	meta_start(r, lg.guest);
	xs_guest_loaded_free(&lg);
	return 0;
fail_loaded:
	xs_guest_loaded_free(&lg);
fail:
	remove_dir(r);
	if (r->fifo >= 0)
		close(r->fifo);
	xs_vmx_base_destroy(&r->b);
	free(r);
	*impl = NULL;
	return -1;
}

static int vmx_start(void *impl, char *err, size_t errlen)
{
	struct vmx_run *r = impl;
	char rc_path[PATH_MAX], out[PATH_MAX], errp[PATH_MAX];
	snprintf(rc_path, sizeof(rc_path), "%s/bochsrc", r->dir);
	snprintf(out, sizeof(out), "%s/serial.fifo", r->dir); /* port 0xe9: the record stream */
	snprintf(errp, sizeof(errp), "%s/bochs.stderr", r->dir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	/* Bochs runs in the run's directory: its bochsrc names files relative to it. */
	char *argv[] = {"bochs-bin", "-q", "-f", "bochsrc", "-rc", "dbg.rc", NULL};
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) || chdir(r->dir))
		return ERR("entering %s: %s", r->dir, strerror(errno));
	setenv("SDL_VIDEODRIVER", "dummy", 0);
	setenv("SDL_AUDIODRIVER", "dummy", 0);
	int rc = posix_spawnp(&r->bochs, "bochs-bin", &fa, &at, argv, environ);
	if (chdir(cwd))
		rc = rc ? rc : errno;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	(void)rc_path;
	if (rc) {
		r->bochs = 0;
		return ERR("starting bochs-bin: %s", strerror(rc));
	}
	rc = pthread_create(&r->reader, NULL, reader_thread, r);
	if (rc) {
		kill(r->bochs, SIGKILL);
		waitpid(r->bochs, NULL, 0);
		r->bochs = 0;
		return ERR("cannot start the record reader: %s", strerror(rc));
	}
	r->b.worker_started = true;
	return 0;
}

static void vmx_stop(void *impl, const char *why)
{
	struct vmx_run *r = impl;
	pthread_mutex_lock(&r->b.lock);
	if (!r->b.stop_why) {
		r->b.stop_why = why ? why : "interrupted";
		/*
		 * --duration ending a guest that has made no exit for a while: it hangs (or runs without exiting),
		 * which the run reports instead of passing it off as a planned end.
		 */
		uint64_t started = atomic_load(&r->guest_started_ns), last = atomic_load(&r->last_exit_ns);
		uint64_t since = last > started ? last : started, now = xs_now_ns();
		if (!strcmp(r->b.stop_why, "duration") && started && now - since >= VMX_HANG_NS)
			r->hung_s = (double)(now - since) / 1e9;
	}
	pid_t pid = r->b.worker_done ? 0 : r->bochs;
	pthread_mutex_unlock(&r->b.lock);
	/* The records already out of the emulator are in the sink; Bochs has nothing more to say. */
	if (pid > 0)
		kill(pid, SIGKILL);
}

static void decide_end(struct vmx_run *r)
{
	if (!strcmp(r->runner_end, "ok")) {
		r->b.end = XS_END_DONE;
		return;
	}
	if (!strcmp(r->runner_end, "guest-error")) {
		r->b.end = XS_END_GUEST_ERROR;
		return;
	}
	if (r->runner_end[0]) { /* refused, host-error, exit-limit */
		r->b.end = !strcmp(r->runner_end, "exit-limit") ? XS_END_DONE : XS_END_HOST_ERROR;
		if (!r->b.message[0])
			snprintf(r->b.message, sizeof(r->b.message), "the runner ended with %s", r->runner_end);
		return;
	}
	if (r->b.stop_why && r->hung_s > 0) {
		r->b.end = XS_END_GUEST_ERROR;
		snprintf(r->b.message, sizeof(r->b.message),
			 "vcpu 0: the guest made no VM exit in the last %.1f s before --duration ended the run: it "
			 "hangs or runs without exiting",
			 r->hung_s);
		return;
	}
	if (r->b.stop_why) {
		r->b.end = XS_END_STOPPED;
		return;
	}
	r->b.end = XS_END_HOST_ERROR;
	r->keep_dir = true;
	char why[128];
	if (WIFEXITED(r->bochs_status))
		snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(r->bochs_status));
	else
		snprintf(why, sizeof(why), "was killed by signal %d", WTERMSIG(r->bochs_status));
	if (!r->b.message[0])
		snprintf(r->b.message, sizeof(r->b.message),
			 "Bochs %s before the run ended (the guest hung, triple-faulted in a way Bochs could not "
			 "report, or Bochs failed: see %s/bochs.log)",
			 why, r->dir);
}

static int vmx_join(void *impl)
{
	struct vmx_run *r = impl;
	if (r->b.worker_started) {
		pthread_join(r->reader, NULL);
		r->b.worker_started = false;
	}
	if (r->bochs > 0) {
		kill(r->bochs, SIGKILL);
		waitpid(r->bochs, &r->bochs_status, 0);
		r->bochs = 0;
	}
	if (r->b.end == XS_END_RUNNING) {
		decide_end(r);
		if (r->b.end == XS_END_GUEST_ERROR || r->b.end == XS_END_HOST_ERROR)
			xs_launch_report(&r->b.cfg, "%s", r->b.message);
	}
	struct xs_launch_counters c;
	xs_backend_vmx_bochs.counters(r, &c);
	xs_vmx_meta_end(&r->b.out, r->b.end, r->b.stop_why, r->b.message, &c);
	if (r->b.out.first_record_ns)
		xs_sink_metaf(r->b.sink, "vmx.first_record_ns", "%llu",
			      (unsigned long long)(r->b.out.first_record_ns - r->b.started_ns));
	int rc = xs_vmx_base_flush(&r->b);
	if (!r->keep_dir && !getenv("EXITSCOPE_VMX_KEEP"))
		remove_dir(r);
	return rc;
}

static void vmx_counters(const void *impl, struct xs_launch_counters *c)
{
	xs_vmx_base_counters(impl, c);
}

static void vmx_destroy(void *impl)
{
	struct vmx_run *r = impl;
	if (!r)
		return;
	if (r->b.worker_started || r->bochs > 0) {
		vmx_stop(r, "interrupted");
		if (r->b.worker_started)
			pthread_join(r->reader, NULL);
		if (r->bochs > 0)
			waitpid(r->bochs, NULL, 0);
	}
	if (r->fifo >= 0)
		close(r->fifo);
	if (!r->keep_dir && !getenv("EXITSCOPE_VMX_KEEP"))
		remove_dir(r);
	xs_vmx_base_destroy(&r->b);
	free(r);
}

const struct xs_launch_backend xs_backend_vmx_bochs = {
	.name = "vmx-bochs",
	.create = vmx_create,
	.start = vmx_start,
	.wait = xs_vmx_base_wait,
	.stop = vmx_stop,
	.join = vmx_join,
	.counters = vmx_counters,
	.end = xs_vmx_base_end,
	.stat_delta = xs_vmx_base_stat_delta,
	.unsupported = xs_vmx_base_unsupported,
	.destroy = vmx_destroy,
};
