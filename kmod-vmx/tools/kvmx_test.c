// SPDX-License-Identifier: MIT
/*
 * kvmx-test: drives kmod_vmx.ko through its ioctl ABI and checks what comes back. Runs inside the Bochs
 * Linux test host (tests/kmod); every check prints one line, "ok ..." or "FAIL ...", and the exit status is
 * the number of failures (capped at 100).
 *
 *   kvmx-test caps                      print the capability MSRs the module read (and its refusal, if any)
 *   kvmx-test refused-vm TEXT           KVMX_CREATE_VM must be refused with a message containing TEXT
 *   kvmx-test refused-control KEY TEXT  KVMX_SET_CONTROLS with control KEY (e.g. rdseed_exiting) must be
 *                                       refused with a message containing TEXT
 *   kvmx-test run N                     the CPUID/RDTSC/OUT/HLT guest for N iterations, RDTSC exiting on and
 *                                       off: exact exit counts per reason from the mmapped ring, decoded
 *                                       fields, sequence numbers, no drops
 *   kvmx-test msr-cr N                  the RDMSR/WRMSR/MOV CR3/MOV CR8 guest, CR3 and CR8 exiting on: exact
 *                                       counts, the MSR index and written values, the CR numbers
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "decoder/decoder.h"
#include "kmod-vmx/core/controls.h"
#include "kmod-vmx/tools/kvmx_dev.h"

extern const uint8_t kvmx_guest_start[], kvmx_guest_end[], kvmx_guest_cpuid[], kvmx_guest_rdtsc[], kvmx_guest_out[],
	kvmx_guest_hlt[], kvmx_guest_vmcall[], kvmx_guest2_start[], kvmx_guest2_end[];

static int failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static int cmd_caps(void)
{
	struct kvmx_caps_info c;
	int fd = open(KVMX_DEVICE_PATH, O_RDWR);

	check(fd >= 0, "open %s: %s", KVMX_DEVICE_PATH, fd >= 0 ? "done" : strerror(errno));
	if (fd < 0)
		return 1;
	memset(&c, 0xa5, sizeof(c));
	int rc = ioctl(fd, KVMX_GET_CAPS, &c);
	check(rc == 0 && c.abi_version == KVMX_ABI_VERSION, "KVMX_GET_CAPS: abi %u status %d%s%s", c.abi_version,
	      c.status, c.msg[0] ? ": " : "", c.msg);
	printf("caps cpu=%u basic=0x%llx pin=0x%llx proc=0x%llx proc2=0x%llx exit=0x%llx entry=0x%llx "
	       "ept_vpid=0x%llx misc=0x%llx feature_control=0x%llx true_ctls=%u\n",
	       c.cpu, (unsigned long long)c.basic, (unsigned long long)c.pin, (unsigned long long)c.proc,
	       (unsigned long long)c.proc2, (unsigned long long)c.exit, (unsigned long long)c.entry,
	       (unsigned long long)c.ept_vpid, (unsigned long long)c.misc, (unsigned long long)c.feature_control,
	       c.true_ctls);
	check((c.basic & 0x7fffffff) != 0, "IA32_VMX_BASIC carries a revision id (0x%llx)",
	      (unsigned long long)(c.basic & 0x7fffffff));
	close(fd);
	return 0;
}

static int cmd_refused_vm(const char *text)
{
	struct kvmx_dev d;
	int rc = kvmx_dev_open(&d, 64);

	check(rc < 0 && strstr(d.msg, text), "KVMX_CREATE_VM refused with '%s' (got: %s)", text,
	      rc < 0 ? d.msg : "accepted");
	check(rc < 0 && !strchr(d.msg, '\n'), "the refusal is one line");
	kvmx_dev_close(&d);
	return 0;
}

static int cmd_refused_control(const char *key, const char *text)
{
	struct kvmx_control_req req;
	enum kvmx_ctl ctl;
	struct kvmx_dev d;

	if (!kvmx_control_lookup(key, &ctl)) {
		check(0, "control '%s' is not a control of the core", key);
		return 1;
	}
	if (kvmx_dev_open(&d, 64) || kvmx_dev_vcpu(&d)) {
		check(0, "VM for the refusal of %s: %s", key, d.msg);
		kvmx_dev_close(&d);
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.on = 1ull << ctl;
	int rc = ioctl(d.vcpu, KVMX_SET_CONTROLS, &req);
	check(rc < 0 && errno == EINVAL && strstr(req.msg, text), "control %s refused with '%s' (got: %s)", key, text,
	      rc < 0 ? req.msg : "accepted");
	kvmx_dev_close(&d);
	return 0;
}

/* Counts of one run of the test guest, from the ring. */
struct tally {
	uint64_t by_reason[128];
	uint64_t records, next_seq, bad, out_of_order, wrong_source, wrong_thread;
	uint64_t cpuid_rip_wrong, io_wrong;
	uint64_t io_expect; /* the value the next OUT writes: the iteration counter counting down */
};

static void drain(struct kvmx_dev *d, struct tally *t, uint64_t code)
{
	struct xs_exit_record r;
	struct kvmx_err err;
	int rc;

	while ((rc = kvmx_ring_pop(d->ring, d->ring_bytes, &r, &t->bad, &err)) != 0) {
		if (rc < 0) {
			check(0, "ring: %s", rc == -1 ? err.msg : "malformed record");
			if (rc == -1)
				return;
			continue;
		}
		t->records++;
		t->out_of_order += r.seq != t->next_seq;
		t->next_seq = r.seq + 1;
		t->wrong_source += r.source != XS_SRC_KMOD_VMX || r.isa != XS_ISA_VMX;
		t->wrong_thread += r.pid != (uint32_t)getpid() || r.tid != (uint32_t)gettid();
		uint32_t basic = XS_VMX_BASIC_REASON(r.reason);
		if (basic < 128)
			t->by_reason[basic]++;
		if (basic == 10)
			t->cpuid_rip_wrong += r.guest_rip != code + (uint64_t)(kvmx_guest_cpuid - kvmx_guest_start);
		if (basic == 30) {
			t->io_wrong += r.detail_kind != XS_D_IO || r.detail.io.port != 0x80 ||
				       r.detail.io.direction != XS_IO_OUT || r.detail.io.size != 1 ||
				       r.detail.io.value != (t->io_expect & 0xff) ||
				       r.guest_rip != code + (uint64_t)(kvmx_guest_out - kvmx_guest_start);
			t->io_expect--;
		}
	}
}

/* One run's tally against what the guest does: n rounds of CPUID, RDTSC (when exiting), OUT and HLT, one VMCALL. */
static void check_tally(const char *label, unsigned int n, int rdtsc_exiting, const struct tally *t, uint64_t total,
			uint64_t dropped)
{
	static const struct {
		unsigned int reason;
		const char *name;
	} expect[] = {{10, "CPUID"}, {16, "RDTSC"}, {30, "IO_INSTRUCTION"}, {12, "HLT"}, {18, "VMCALL"}};
	for (unsigned int i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		uint64_t want = expect[i].reason == 18 ? 1 : expect[i].reason == 16 && !rdtsc_exiting ? 0 : n;
		check(t->by_reason[expect[i].reason] == want, "%s: %s exits %llu (want %llu)", label, expect[i].name,
		      (unsigned long long)t->by_reason[expect[i].reason], (unsigned long long)want);
	}
	uint64_t other = 0;
	for (unsigned int r = 0; r < 128; r++) {
		if (t->by_reason[r])
			printf("count %s %s %llu\n", label, xs_reason_name(XS_ISA_VMX, r),
			       (unsigned long long)t->by_reason[r]);
		if (r != 1 && r != 10 && r != 12 && r != 16 && r != 18 && r != 30)
			other += t->by_reason[r];
	}
	check(other == 0, "%s: no exits of other reasons than these and host interrupts (%llu)", label,
	      (unsigned long long)other);
	check(t->records == total && dropped == 0 && t->bad == 0,
	      "%s: ring holds every exit (%llu records, %llu exits, %llu dropped, %llu malformed)", label,
	      (unsigned long long)t->records, (unsigned long long)total, (unsigned long long)dropped,
	      (unsigned long long)t->bad);
	check(t->out_of_order == 0 && t->wrong_source == 0 && t->wrong_thread == 0,
	      "%s: sequence numbers run 0..%llu, source kmod-vmx, this thread (%llu, %llu, %llu off)", label,
	      (unsigned long long)t->records - 1, (unsigned long long)t->out_of_order,
	      (unsigned long long)t->wrong_source, (unsigned long long)t->wrong_thread);
	check(t->cpuid_rip_wrong == 0 && t->io_wrong == 0,
	      "%s: CPUID at its RIP, OUT port 0x80 size 1 with the counter as value (%llu, %llu off)", label,
	      (unsigned long long)t->cpuid_rip_wrong, (unsigned long long)t->io_wrong);
}

static void run_guest(unsigned int n, int rdtsc_exiting)
{
	struct kvmx_control_req req;
	struct kvmx_regs regs;
	struct kvmx_dev d;
	struct tally t;
	const char *label = rdtsc_exiting ? "rdtsc-on" : "rdtsc-off";

	memset(&t, 0, sizeof(t));
	t.io_expect = n;
	if (kvmx_dev_open(&d, 4096) || kvmx_dev_vcpu(&d)) {
		check(0, "%s: VM: %s", label, d.msg);
		kvmx_dev_close(&d);
		return;
	}
	memcpy(d.mem + KVMX_GUEST_CODE, kvmx_guest_start, (size_t)(kvmx_guest_end - kvmx_guest_start));
	kvmx_dev_long_mode_regs(&regs, KVMX_GUEST_CODE);
	regs.gpr[12] = n;
	check(ioctl(d.vcpu, KVMX_SET_REGS, &regs) == 0, "%s: KVMX_SET_REGS", label);
	memset(&req, 0, sizeof(req));
	req.on = 1ull << KVMX_CTL_HLT_EXITING;
	if (rdtsc_exiting)
		req.on |= 1ull << KVMX_CTL_RDTSC_EXITING;
	int rc = ioctl(d.vcpu, KVMX_SET_CONTROLS, &req);
	check(rc == 0, "%s: KVMX_SET_CONTROLS%s%s (forced on 0x%llx; words pin 0x%x proc 0x%x proc2 0x%x)", label,
	      rc ? ": " : "", rc ? req.msg : "", (unsigned long long)req.forced_on, req.words[0], req.words[1],
	      req.words[2]);

	struct kvmx_run run;
	uint32_t flags = 0;
	uint64_t stops[KVMX_RUN_STOP_ERROR + 1] = {0}, total = 0, dropped = 0;
	for (unsigned int i = 0; i < 4 * n + 1000; i++) {
		memset(&run, 0, sizeof(run));
		run.flags = flags;
		if (ioctl(d.vcpu, KVMX_RUN, &run) < 0) {
			check(0, "%s: KVMX_RUN: %s", label, strerror(errno));
			break;
		}
		drain(&d, &t, KVMX_GUEST_CODE);
		total = run.total_exits;
		dropped = run.ring_dropped;
		if (run.stop <= KVMX_RUN_STOP_ERROR)
			stops[run.stop]++;
		flags = run.stop == KVMX_RUN_STOP_IO ? KVMX_RUN_SKIP_INSN : 0;
		if (run.stop == KVMX_RUN_STOP_IO || run.stop == KVMX_RUN_STOP_HLT || run.stop == KVMX_RUN_STOP_SIGNAL)
			continue;
		check(run.stop == KVMX_RUN_STOP_VMCALL, "%s: the guest ends with VMCALL (stop %u, reason 0x%x%s%s)",
		      label, run.stop, run.exit_reason, run.msg[0] ? ": " : "", run.msg);
		break;
	}
	check_tally(label, n, rdtsc_exiting, &t, total, dropped);
	printf("stops %s io=%llu hlt=%llu signal=%llu vmcall=%llu\n", label,
	       (unsigned long long)stops[KVMX_RUN_STOP_IO], (unsigned long long)stops[KVMX_RUN_STOP_HLT],
	       (unsigned long long)stops[KVMX_RUN_STOP_SIGNAL], (unsigned long long)stops[KVMX_RUN_STOP_VMCALL]);
	kvmx_dev_close(&d);
}

static void run_msr_cr(unsigned int n)
{
	struct kvmx_control_req req;
	struct kvmx_regs regs;
	struct kvmx_run run;
	struct kvmx_dev d;
	struct xs_exit_record r;
	struct kvmx_err err;
	uint64_t by_reason[128] = {0}, bad = 0, msr_wrong = 0, cr_by_nr[16] = {0}, records = 0;
	uint64_t expect_write = n;

	if (kvmx_dev_open(&d, 4096) || kvmx_dev_vcpu(&d)) {
		check(0, "msr-cr: VM: %s", d.msg);
		kvmx_dev_close(&d);
		return;
	}
	memcpy(d.mem + KVMX_GUEST_CODE, kvmx_guest2_start, (size_t)(kvmx_guest2_end - kvmx_guest2_start));
	kvmx_dev_long_mode_regs(&regs, KVMX_GUEST_CODE);
	regs.gpr[12] = n;
	check(ioctl(d.vcpu, KVMX_SET_REGS, &regs) == 0, "msr-cr: KVMX_SET_REGS");
	memset(&req, 0, sizeof(req));
	req.on = (1ull << KVMX_CTL_CR3_LOAD_EXITING) | (1ull << KVMX_CTL_CR3_STORE_EXITING) |
		 (1ull << KVMX_CTL_CR8_LOAD_EXITING);
	int rc = ioctl(d.vcpu, KVMX_SET_CONTROLS, &req);
	check(rc == 0, "msr-cr: KVMX_SET_CONTROLS%s%s", rc ? ": " : "", rc ? req.msg : "");
	for (int i = 0; i < 1000; i++) {
		memset(&run, 0, sizeof(run));
		if (ioctl(d.vcpu, KVMX_RUN, &run) < 0) {
			check(0, "msr-cr: KVMX_RUN: %s", strerror(errno));
			break;
		}
		if (run.stop == KVMX_RUN_STOP_SIGNAL)
			continue;
		check(run.stop == KVMX_RUN_STOP_VMCALL, "msr-cr: the guest ends with VMCALL (stop %u, reason 0x%x%s%s)",
		      run.stop, run.exit_reason, run.msg[0] ? ": " : "", run.msg);
		break;
	}
	while ((rc = kvmx_ring_pop(d.ring, d.ring_bytes, &r, &bad, &err)) != 0) {
		if (rc < 0)
			break;
		records++;
		uint32_t basic = XS_VMX_BASIC_REASON(r.reason);
		if (basic < 128)
			by_reason[basic]++;
		if (basic == 31 || basic == 32) {
			msr_wrong += r.detail_kind != XS_D_MSR || r.detail.msr.index != 0x174 ||
				     r.detail.msr.is_write != (basic == 32);
			if (basic == 32)
				msr_wrong += r.detail.msr.value != expect_write--;
		}
		if (basic == 28 && r.detail_kind == XS_D_CR && r.detail.cr.cr < 16)
			cr_by_nr[r.detail.cr.cr]++;
	}
	check(by_reason[31] == n && by_reason[32] == n, "msr-cr: RDMSR %llu, WRMSR %llu exits (want %u each)",
	      (unsigned long long)by_reason[31], (unsigned long long)by_reason[32], n);
	check(by_reason[28] == 3ull * n && cr_by_nr[3] == 2ull * n && cr_by_nr[8] == n,
	      "msr-cr: CR_ACCESS %llu exits: CR3 %llu, CR8 %llu (want %u, %u, %u)", (unsigned long long)by_reason[28],
	      (unsigned long long)cr_by_nr[3], (unsigned long long)cr_by_nr[8], 3 * n, 2 * n, n);
	check(msr_wrong == 0, "msr-cr: MSR records name 0x174, reads and writes, the written values (%llu off)",
	      (unsigned long long)msr_wrong);
	uint64_t other = records - by_reason[1] - by_reason[28] - by_reason[31] - by_reason[32] - by_reason[18];
	check(by_reason[18] == 1 && other == 0 && bad == 0 && run.ring_dropped == 0,
	      "msr-cr: one VMCALL, no other exits but host interrupts (%llu), none dropped or malformed",
	      (unsigned long long)other);
	for (unsigned int i = 0; i < 128; i++)
		if (by_reason[i])
			printf("count msr-cr %s %llu\n", xs_reason_name(XS_ISA_VMX, i),
			       (unsigned long long)by_reason[i]);
	kvmx_dev_close(&d);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "caps"))
		cmd_caps();
	else if (argc == 3 && !strcmp(argv[1], "refused-vm"))
		cmd_refused_vm(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "refused-control"))
		cmd_refused_control(argv[2], argv[3]);
	else if (argc == 3 && !strcmp(argv[1], "run")) {
		unsigned int n = (unsigned int)strtoul(argv[2], NULL, 0);
		run_guest(n, 1);
		run_guest(n, 0);
	} else if (argc == 3 && !strcmp(argv[1], "msr-cr")) {
		run_msr_cr((unsigned int)strtoul(argv[2], NULL, 0));
	} else {
		fprintf(stderr,
			"usage: kvmx-test caps | refused-vm TEXT | refused-control KEY TEXT | run N | msr-cr N\n");
		return 2;
	}
	return failures > 100 ? 100 : failures;
}
