// SPDX-License-Identifier: MIT
/*
 * top-synth: write a record file of synthetic VMX or SVM exits with a realistic mix, at a chosen recorded rate,
 * for the dashboard's tests and its benchmark. The mix is a fixed cycle of 100 slots, so counts are exact:
 * with --count a multiple of 100, each reason occurs count * weight / 100 times; vCPUs and VMs take turns.
 *
 *   top-synth -o FILE --count N --rate R [--isa vmx|svm] [--vcpus V] [--vms P] [--pid-base B]
 *             [--state-every K] [--start-ns T]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xsr.h"
#include "exitscope/record.h"
#include "tests/helpers/prng.h"

struct kind {
	uint32_t vmx, svm;   /* the reason in each isa */
	unsigned int weight; /* slots of 100 */
	uint64_t latency_ns; /* typical exit-to-entry time */
};

/* A busy Linux guest: EPT faults, port I/O, timer MSR writes, interrupts, HLT, a little CPUID and CR access. */
static const struct kind mix[] = {
	{48, 0x400, 25, 2500}, /* EPT_VIOLATION / NPF */
	{30, 0x7b, 20, 6000},  /* IO_INSTRUCTION / IOIO */
	{1, 0x60, 15, 900},    /* EXTERNAL_INTERRUPT / INTR */
	{32, 0x7c, 10, 1200},  /* MSR_WRITE / MSR */
	{12, 0x78, 10, 40000}, /* HLT */
	{10, 0x72, 5, 700},    /* CPUID */
	{49, 0x64, 5, 3000},   /* EPT_MISCONFIG / VINTR */
	{40, 0x77, 5, 400},    /* PAUSE_INSTRUCTION / PAUSE */
	{28, 0x13, 3, 800},    /* CR_ACCESS / WRITE_CR3 */
	{18, 0x81, 2, 1500},   /* VMCALL / VMMCALL */
};

static unsigned int slot_kind[100];

static void build_cycle(void)
{
	/* Spread each kind over the cycle (largest remainder), so any window of records sees the whole mix. */
	unsigned int n = 0, used[sizeof(mix) / sizeof(mix[0])] = {0};
	for (unsigned int s = 0; s < 100; s++) {
		unsigned int best = 0;
		double best_lag = -1e9;
		for (unsigned int k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
			double lag = (double)(s + 1) * mix[k].weight / 100.0 - used[k];
			if (used[k] < mix[k].weight && lag > best_lag) {
				best_lag = lag;
				best = k;
			}
		}
		used[best]++;
		slot_kind[n++] = best;
	}
}

static struct xs_prng rng = {0x9e3779b97f4a7c15ull};
static uint64_t next_random(void)
{
	return xs_prng_next(&rng);
}

static void fill(struct xs_exit_record *r, uint64_t i, bool svm, const struct kind *k)
{
	uint64_t rnd = next_random();
	r->reason = svm ? k->svm : k->vmx;
	r->flags |= XS_F_LATENCY | XS_F_RIP;
	/* Latency spread around the typical value: 0.5x to 2.5x, and a rare slow outlier. */
	r->latency_ns = k->latency_ns / 2 + (rnd % (2 * k->latency_ns + 1));
	if (rnd % 1000 == 0)
		r->latency_ns *= 20;
	r->guest_rip = 0xffffffff81000000ull + (rnd >> 40) % 0x100000;
	switch (k->vmx) {
	case 30: { /* OUT to a UART / IN from the RTC */
		bool in = i % 3 == 0;
		uint16_t port = in ? 0x71 : 0x3f8;
		r->detail_kind = XS_D_IO;
		r->detail.io.port = port;
		r->detail.io.size = 1;
		r->detail.io.direction = in ? XS_IO_IN : XS_IO_OUT;
		r->detail.io.count = 1;
		r->detail.io.value = 0x41;
		r->qualification = svm ? ((uint64_t)port << 16) | (in ? 1 : 0) | (1u << 4)
				       : ((uint64_t)port << 16) | (in ? 8 : 0) | (1u << 6);
		r->info2 = svm ? r->guest_rip + 1 : 0;
		break;
	}
	case 32: /* WRMSR IA32_TSC_DEADLINE */
		r->detail_kind = XS_D_MSR;
		r->detail.msr.index = 0x6e0;
		r->detail.msr.is_write = 1;
		r->detail.msr.value = 1000000 + i;
		r->qualification = svm ? 1 : 0;
		break;
	case 48:
	case 49:
		r->flags |= XS_F_GUEST_PHYS;
		r->guest_phys = 0xfee00000ull + (rnd & 0xff0) + ((rnd >> 20) & 0x3ff000);
		r->qualification = svm ? 0x100000006ull : 0x182;
		r->info2 = svm ? r->guest_phys : 0;
		break;
	case 28: /* mov to cr3 from rax */
		r->qualification = svm ? 0 : 0x3;
		break;
	case 1:
		r->flags |= XS_F_INTR_INFO;
		r->intr_info = 0x800000ecu; /* valid, external interrupt, vector 0xec (local timer) */
		break;
	default:
		break;
	}
}

static void add_state(struct xs_exit_record *r, uint64_t i)
{
	r->flags |= XS_F_GUEST_STATE;
	r->gs.valid = XS_GS_GPRS | XS_GS_RIP | XS_GS_RFLAGS | XS_GS_CR0 | XS_GS_CR3 | XS_GS_CR4 | XS_GS_EFER;
	for (int g = 0; g < XS_GPR_COUNT; g++)
		r->gs.gpr[g] = i * 16 + (uint64_t)g;
	r->gs.rip = r->guest_rip;
	r->gs.rflags = 0x246;
	r->gs.cr0 = 0x80050033;
	r->gs.cr3 = 0x1000;
	r->gs.cr4 = 0x3606f0;
	r->gs.efer = 0xd01;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"isa", required_argument, NULL, 'i'},
		{"vcpus", required_argument, NULL, 'v'},
		{"vms", required_argument, NULL, 'p'},
		{"pid-base", required_argument, NULL, 'b'},
		{"state-every", required_argument, NULL, 's'},
		{"start-ns", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	xs_set_progname("top-synth");
	const char *out = NULL;
	uint64_t count = 100000, rate = 100000, vcpus = 4, vms = 1, pid_base = 4000, state_every = 0;
	uint64_t start = 1000000000000ull;
	bool svm = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'c':
			ok = xs_parse_range(optarg, 1, 1ull << 40, &count);
			break;
		case 'r':
			ok = xs_parse_range(optarg, 1, 1000000000, &rate);
			break;
		case 'i':
			ok = !strcmp(optarg, "vmx") || !strcmp(optarg, "svm");
			svm = !strcmp(optarg, "svm");
			break;
		case 'v':
			ok = xs_parse_range(optarg, 1, 1024, &vcpus);
			break;
		case 'p':
			ok = xs_parse_range(optarg, 1, 1024, &vms);
			break;
		case 'b':
			ok = xs_parse_range(optarg, 1, 1u << 22, &pid_base);
			break;
		case 's':
			ok = xs_parse_range(optarg, 0, UINT32_MAX, &state_every);
			break;
		case 't':
			ok = xs_parse_u64(optarg, &start);
			break;
		default:
			ok = false;
		}
		if (!ok)
			xs_die("bad option (see the comment at the top of bench/top_synth.c)");
	}
	if (!out)
		xs_die("-o FILE is required");
	char err[256];
	struct xs_sink *sink = xsr_sink_open(out, err, sizeof(err));
	if (!sink)
		xs_die("%s", err);
	xs_sink_meta(sink, "run.source", "synthetic");
	xs_sink_metaf(sink, "run.kernel", "synthetic-%s", svm ? "svm" : "vmx");
	xs_sink_meta(sink, "run.cpu_vendor", svm ? "AuthenticAMD" : "GenuineIntel");
	build_cycle();
	enum { BATCH = 1024 };
	struct xs_exit_record *batch = xs_calloc(BATCH, sizeof(*batch));
	size_t n = 0;
	for (uint64_t i = 0; i < count; i++) {
		struct xs_exit_record *r = &batch[n++];
		memset(r, 0, sizeof(*r));
		r->version = XS_RECORD_VERSION;
		r->isa = svm ? XS_ISA_SVM : XS_ISA_VMX;
		r->source = XS_SRC_SYNTHETIC;
		r->seq = i;
		r->ts = start + i * 1000000000ull / rate;
		r->vcpu = (uint32_t)(i % vcpus);
		r->pid = (uint32_t)(pid_base + (i / vcpus) % vms);
		r->tid = r->pid + 1 + r->vcpu;
		r->cpu = r->vcpu % 2;
		fill(r, i, svm, &mix[slot_kind[i % 100]]);
		if (state_every && i % state_every == 0)
			add_state(r, i);
		r->size = (uint16_t)xs_record_wire_size(r);
		if (n == BATCH) {
			xs_sink_write(sink, batch, n);
			n = 0;
		}
	}
	if (n)
		xs_sink_write(sink, batch, n);
	free(batch);
	int rc = xs_sink_close(sink);
	if (rc)
		xs_die("writing %s failed: %s", out, strerror(-rc));
	return 0;
}
