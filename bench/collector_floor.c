// SPDX-License-Identifier: MIT
/*
 * The yardstick of the collector's BPF cost (bench/collector_floor.bpf.c): attaches its floor programs
 * to each tracepoint named, drains their ring until SIGINT or SIGTERM, then prints what each program cost
 * per run from kernel.bpf_stats_enabled (which the caller enables):
 *
 *   collector-floor TRACEPOINT...        e.g. collector-floor kvm_cpuid kvm_pio
 *
 * Prints "ready" on stderr once attached, then at the end one line per tracepoint and program and
 * RESULT<TAB>collector-floor-<tracepoint><TAB><program><TAB><ns><TAB>ns/event lines.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/collector_floor.skel.h"
#include "common/util.h"

#define MAX_TRACEPOINTS 8

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static void report(const char *tracepoint, struct bpf_program *p)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		xs_err("%s: cannot read the statistics of %s: %s", tracepoint, bpf_program__name(p), strerror(errno));
		return;
	}
	double ns = info.run_cnt ? (double)info.run_time_ns / (double)info.run_cnt : 0;
	printf("%-20s %-12s %10llu runs %8.1f ns/run\n", tracepoint, bpf_program__name(p),
	       (unsigned long long)info.run_cnt, ns);
	printf("RESULT\tcollector-floor-%s\t%s\t%.1f\tns/event\n", tracepoint, bpf_program__name(p), ns);
	printf("RESULT\tcollector-floor-%s\t%s_runs\t%llu\truns\n", tracepoint, bpf_program__name(p),
	       (unsigned long long)info.run_cnt);
}

int main(int argc, char **argv)
{
	xs_set_progname("collector-floor");
	if (argc < 2 || argc - 1 > MAX_TRACEPOINTS)
		xs_die("usage: collector-floor TRACEPOINT... (at most %d, e.g. kvm_cpuid)", MAX_TRACEPOINTS);
	struct collector_floor_bpf *skel[MAX_TRACEPOINTS] = {0};
	struct ring_buffer *rb = NULL;
	int n = argc - 1;
	for (int i = 0; i < n; i++) {
		const char *tp = argv[i + 1];
		skel[i] = collector_floor_bpf__open();
		if (!skel[i])
			xs_die("cannot open the floor programs: %s", strerror(errno));
		struct bpf_program *progs[] = {skel[i]->progs.floor_empty, skel[i]->progs.floor_time,
					       skel[i]->progs.floor_event, skel[i]->progs.floor_slot,
					       skel[i]->progs.floor_probe,
					       skel[i]->progs.floor_cast};
		for (size_t k = 0; k < XS_ARRAY_SIZE(progs); k++)
			if (bpf_program__set_attach_target(progs[k], 0, tp))
				xs_die("%s: cannot target this tracepoint", tp);
		if (collector_floor_bpf__load(skel[i]) || collector_floor_bpf__attach(skel[i]))
			xs_die("%s: cannot load or attach the floor programs: %s", tp, strerror(errno));
		int fd = bpf_map__fd(skel[i]->maps.floor_rb);
		if (!rb)
			rb = ring_buffer__new(fd, on_event, NULL, NULL);
		else if (ring_buffer__add(rb, fd, on_event, NULL))
			xs_die("cannot drain the floor rings");
		if (!rb)
			xs_die("cannot drain the floor rings: %s", strerror(errno));
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "collector-floor: ready\n");
	while (!stop)
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);
	for (int i = 0; i < n; i++) {
		report(argv[i + 1], skel[i]->progs.floor_empty);
		report(argv[i + 1], skel[i]->progs.floor_time);
		report(argv[i + 1], skel[i]->progs.floor_event);
		report(argv[i + 1], skel[i]->progs.floor_slot);
		report(argv[i + 1], skel[i]->progs.floor_probe);
		report(argv[i + 1], skel[i]->progs.floor_cast);
	}
	ring_buffer__free(rb);
	for (int i = 0; i < n; i++)
		collector_floor_bpf__destroy(skel[i]);
	return 0;
}
