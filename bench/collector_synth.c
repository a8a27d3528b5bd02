// SPDX-License-Identifier: MIT
/*
 * The collector's consumer under a load this host's KVM cannot produce: the BPF program's synthetic
 * producer turns each getppid() of this process into a kvm_cpuid-shaped event on the real ring path (reserve,
 * batched wake-up, submit); one thread calls getppid() at a fixed rate while the main thread runs the
 * collector exactly as `exitscope record` does (ring -> checks -> joiner -> records -> sink) and measures
 * its own CPU time.
 *
 *   collector-synth RATE SECONDS [OUTPUT.xsr]      (no OUTPUT: records go to a null sink)
 *   collector-synth --produce-only RATE SECONDS    (only the getppid() calls, for a consumer in another
 *                                                   process: bench/top.sh's `exitscope top -p`)
 *
 * Prints RESULT lines: events/s reached, consumer CPU in % of one core, events dropped; --produce-only prints
 * the calls it made.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "common/sink.h"
#include "common/util.h"
#include "common/xsr.h"

struct load {
	double rate, seconds;
	uint64_t produced;
	volatile int done;
};

/* getppid() at `rate` per second, in bursts, checking the clock every 256 calls. */
static void *produce(void *arg)
{
	struct load *l = arg;
	uint64_t t0 = xs_now_ns(), end = t0 + (uint64_t)(l->seconds * 1e9);
	for (;;) {
		uint64_t now = xs_now_ns();
		if (now >= end)
			break;
		uint64_t due = (uint64_t)((double)(now - t0) * l->rate / 1e9);
		if (l->produced >= due) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
			continue;
		}
		for (int i = 0; i < 256 && l->produced < due; i++, l->produced++)
			syscall(SYS_getppid);
	}
	l->done = 1;
	return NULL;
}

/* This thread's CPU time in seconds: user + system, and the system part in *sys. */
static double thread_cpu_s(double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + *sys;
}

/* The load alone, in this thread. */
static int produce_only(int argc, char **argv)
{
	struct load l = {0};
	if (argc != 4 || !xs_parse_seconds(argv[2], &l.rate) || l.rate <= 0 || !xs_parse_seconds(argv[3], &l.seconds) ||
	    l.seconds <= 0)
		xs_die("usage: collector-synth --produce-only RATE SECONDS");
	uint64_t t0 = xs_now_ns();
	produce(&l);
	double wall = (double)(xs_now_ns() - t0) / 1e9;
	printf("produced %llu getppid() calls in %.2f s (%.0f/s)\n", (unsigned long long)l.produced, wall,
	       (double)l.produced / wall);
	return 0;
}

int main(int argc, char **argv)
{
	xs_set_progname("collector-synth");
	if (argc > 1 && !strcmp(argv[1], "--produce-only"))
		return produce_only(argc, argv);
	double rate, seconds;
	if (argc < 3 || !xs_parse_seconds(argv[1], &rate) || rate <= 0 || !xs_parse_seconds(argv[2], &seconds) ||
	    seconds <= 0)
		xs_die("usage: collector-synth RATE SECONDS [OUTPUT.xsr]");
	char err[512];
	struct xs_sink *sink = argc > 3 ? xsr_sink_open(argv[3], err, sizeof(err)) : xs_sink_null();
	if (!sink)
		xs_die("%s", err);
	struct xs_col_opts o = {
		.backend = XS_COL_BPF,
		.pid = (uint32_t)getpid(),
		.events = XS_TP_BIT(XS_TP_CPUID),
		.gs_level = XS_BPF_GS_NONE,
		.synthetic = true,
	};
	struct xs_collector *c = xs_collector_open(&o, sink, err, sizeof(err));
	if (!c)
		xs_die("%s", err);
	struct load l = {.rate = rate, .seconds = seconds};
	pthread_t t;
	double sys0, sys1;
	double cpu0 = thread_cpu_s(&sys0);
	uint64_t t0 = xs_now_ns();
	if (pthread_create(&t, NULL, produce, &l))
		xs_die("cannot start the producer thread");
	while (!l.done)
		xs_collector_poll(c, 100);
	pthread_join(t, NULL);
	xs_collector_stop(c);
	double wall = (double)(xs_now_ns() - t0) / 1e9, cpu = thread_cpu_s(&sys1) - cpu0, sys = sys1 - sys0;
	struct xs_col_counters k;
	xs_collector_get_counters(c, &k);
	xs_collector_close(c);
	xs_sink_close(sink);
	const char *what = argc > 3 ? "xsr" : "null";
	double eps = (double)k.events / wall;
	printf("synthetic load %.0f/s for %.1f s, sink %s: %llu produced, %llu events consumed (%.0f/s), %llu records, "
	       "%llu dropped in the ring, %llu wake-ups; consumer %.3f s CPU (%.3f s in the kernel) = %.2f%% of one "
	       "core\n",
	       rate, seconds, what, (unsigned long long)l.produced, (unsigned long long)k.events, eps,
	       (unsigned long long)k.records, (unsigned long long)k.dropped_ring, (unsigned long long)k.wakeups, cpu,
	       sys, 100.0 * cpu / wall);
	printf("RESULT\tcollector-consumer-%s\tevents_per_s\t%.0f\tevents/s\n", what, eps);
	printf("RESULT\tcollector-consumer-%s\tconsumer_cpu\t%.2f\t%% of one core\n", what, 100.0 * cpu / wall);
	printf("RESULT\tcollector-consumer-%s\tdropped\t%llu\tevents\n", what, (unsigned long long)k.dropped_ring);
	return 0;
}
