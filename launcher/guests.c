// SPDX-License-Identifier: MIT
#include "launcher/guests.h"

#include <string.h>

#include "common/util.h"

static const char *const no_controls[] = {NULL};

static const struct xs_guest io = {
	.name = "io",
	.summary = "OUT/IN to chosen ports, plain and string/REP forms",
	.default_mode = 64,
	.exits = "OUT byte P (value = vCPU), IN word P+2 (answered 0xffff), OUT dword P+4 (value = iteration), "
		 "REP OUTSB 4 bytes to P+8 (4 exits of one byte on PVM and kvm-amd), REP INSW 2 words from P+10 (1 "
		 "exit with count 2)",
	.default_controls = no_controls,
	.params = {{"port", 0x510, "base port P"}},
};

static const char *const mmio_controls[] = {"memory.readonly = 0xc0000-0xc0fff", NULL};
static const struct xs_guest mmio = {
	.name = "mmio",
	.summary = "reads and writes to an unmapped region and to a read-only one",
	.default_mode = 64,
	.exits = "write dword 0xa0000 (value = vCPU << 24 | iteration), read dword 0xa0008 (answered 0xffffffff), "
		 "write byte 0xc0000 (an exit only while it is read-only), read byte 0xc0000 (never an exit)",
	.default_controls = mmio_controls,
};

static const char *const msr_controls[] = {"msr.exit_read = 0x174", "msr.exit_write = 0x174", NULL};
static const struct xs_guest msr = {
	.name = "msr",
	.summary = "RDMSR/WRMSR of chosen MSRs",
	.default_mode = 64,
	.exits = "WRMSR A (value = iteration & 0xffff), RDMSR A, RDMSR B: each an exit only when filtered "
		 "(default: A filtered for reads and writes, B not)",
	.default_controls = msr_controls,
	.params = {{"msr", 0x174, "MSR A (written and read back)"}, {"other", 0x175, "MSR B (only read)"}},
};

static const struct xs_guest cpuid = {
	.name = "cpuid",
	.summary = "CPUID in a loop; reports the last result",
	.default_mode = 64,
	.exits = "CPUID (handled in the kernel: no userspace exit); after the loop 4 OUT dwords to 0x502 with "
		 "EAX, EBX, ECX, EDX",
	.default_controls = no_controls,
	.params = {{"leaf", 0, "CPUID leaf"}, {"subleaf", 0, "CPUID subleaf"}},
};

static const struct xs_guest insns = {
	.name = "insns",
	.summary = "instructions VT-x can exit on (RDTSC, RDPMC, INVLPG, MOV DR, MOV CR8, MWAIT, PAUSE, WBINVD)",
	.default_mode = 64,
	.exits = "the instructions `which` selects (0x01 RDTSC, 0x02 RDPMC, 0x04 INVLPG, 0x08 MOV from/to DR7, "
		 "0x10 MOV to CR8 (long mode), 0x20 MONITOR + store + MWAIT, 0x40 PAUSE, 0x80 WBINVD): none under "
		 "KVM; on the vmx backend one exit each (2 for 0x08, 2 for 0x20) when its vmx.* control is on",
	.default_controls = no_controls,
	.params = {{"which", 1, "bit mask of the instructions to run (see exits)"}},
};

static const char *const hlt_controls[] = {"inject = irq:0x20@hlt", NULL};
static const struct xs_guest hlt = {
	.name = "hlt",
	.summary = "STI; HLT woken by injected interrupts, or a doorbell and a wait with interrupts on",
	.default_mode = 64,
	.exits = "wait=0: HLT (1 exit) and the injected vector's report on port 0x501 (1 exit per injection); "
		 "wait=1: doorbell OUT 0x530 with interrupts off, then STI and spin until an interrupt arrives "
		 "(with inject=irq:0x20@io:0x530: IRQ_WINDOW_OPEN and the report: 3 exits)",
	.default_controls = hlt_controls,
	.params = {{"wait", 0, "0: STI; HLT. 1: doorbell on port 0x530, then spin with interrupts on"}},
};

static const struct xs_guest cr = {
	.name = "cr",
	.summary = "MOV to/from CR0, CR3, CR4 and (long mode) CR8",
	.default_mode = 64,
	.exits = "CR0 r/w/w, CR4 r/w/w, CR3 r/w, long mode CR8 w/w/r: handled in the kernel, except that lowering "
		 "CR8 gives KVM_EXIT_SET_TPR on hardware KVM without an in-kernel APIC",
	.default_controls = no_controls,
};

static uint32_t debug_own_exceptions(const uint32_t args[XS_GUEST_ARGS])
{
	return args[0] == 1 ? 1u << 3 : args[0] == 2 ? 1u << 1 : 0;
}

static const struct xs_guest debug = {
	.name = "debug",
	.summary = "a fixed instruction loop for single-step, breakpoints and #DB/#BP interception",
	.default_mode = 64,
	.exits = "trap=0: OUT marker to 0x520 (1 exit), then INC, MOV to debug_watch, DEC, JNZ: 5 instructions; "
		 "trap=1 adds INT3 (#BP reported on 0x501), trap=2 single-steps itself (4 #DB reported on 0x501)",
	.default_controls = no_controls,
	.params = {{"trap", 0, "0 none, 1 INT3 each iteration, 2 the guest sets TF itself"}},
	.own_exceptions = debug_own_exceptions,
};

static const char *const mixed_controls[] = {"msr.exit_read = 0x174", "inject = irq:0x20@hlt", NULL};
static const struct xs_guest mixed = {
	.name = "mixed",
	.summary = "a realistic blend: serial port, device MMIO, MSRs, CPUID, timer-woken HLT",
	.default_mode = 64,
	.exits = "OUT 0x3f8, IN 0x3fd, MMIO write 0xa0000, MMIO read 0xa0004, RDMSR 0x174 (filtered): 5 exits; "
		 "every 4th iteration also HLT and the injected 0x20's report: 2 more",
	.default_controls = mixed_controls,
};

const struct xs_guest *const xs_guests[] = {&io, &mmio, &msr, &cpuid, &hlt, &cr, &debug, &mixed, &insns, NULL};

const struct xs_guest *xs_guest_find(const char *name)
{
	for (size_t i = 0; xs_guests[i]; i++)
		if (!strcmp(xs_guests[i]->name, name))
			return xs_guests[i];
	return NULL;
}

const struct xs_guest_blob *xs_guest_image(const char *name, unsigned int mode)
{
	for (const struct xs_guest_blob *b = xs_guest_blobs; b->name; b++)
		if (!strcmp(b->name, name) && b->mode == mode)
			return b;
	return NULL;
}

uint64_t xs_guest_symbol(const struct xs_guest_blob *b, const char *name)
{
	for (const struct xs_guest_symbol *s = b->symbols; s->name; s++)
		if (!strcmp(s->name, name))
			return s->addr;
	return 0;
}

const char *xs_mode_name(unsigned int mode)
{
	return mode == 16 ? "real" : mode == 32 ? "protected" : mode == 64 ? "long" : "?";
}

unsigned int xs_mode_parse(const char *name)
{
	if (!strcmp(name, "real") || !strcmp(name, "16"))
		return 16;
	if (!strcmp(name, "protected") || !strcmp(name, "32"))
		return 32;
	if (!strcmp(name, "long") || !strcmp(name, "64"))
		return 64;
	return 0;
}
