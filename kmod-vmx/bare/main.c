// SPDX-License-Identifier: MIT
/*
 * The bare-metal VT-x test kernel: descriptor tables, LAPIC, VMXON, then every scenario of the tables in
 * scenarios_*.c. Results go to the Bochs debug port 0xe9 as TAP ending in "N passed, N failed, N skipped";
 * every exit record goes to COM1 inside a record file that `exitscope import` loads as is.
 */
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/guest_env.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/bare/machine.h"
#include "kmod-vmx/bare/scenario.h"
#include "kmod-vmx/bare/xsr_stream.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

#define RING_SLOTS 2048

extern u64 scenario_ring_drops;

static const struct scenario *const tables[] = {scenarios_exec, scenarios_events, scenarios_memory, scenarios_failures};

void kmain(void);
void kmain(void)
{
	static struct kvmx_cpu cpu;
	static struct scn s;
	struct kvmx_err err;
	unsigned int passed = 0, failed = 0, skipped = 0, n = 0;

	serial_init();
	mtrr_init();
	load_tables();
	lapic_init();
	guest_env_init();
	xsr_stream_begin();
	dbg_puts("# exitscope kmod-vmx bare-metal test kernel\n");

	u64 ring_phys;
	void *ring_mem =
		bare_alloc_contig((unsigned int)(kvmx_ring_bytes(RING_SLOTS) / KVMX_PAGE_SIZE) + 1, &ring_phys);
	struct kvmx_ring_header *ring = ring_mem ? kvmx_ring_init(ring_mem, kvmx_ring_bytes(RING_SLOTS), &err) : 0;
	if (!ring) {
		dbg_printf("Bail out! no exit-record ring\n");
		bare_halt();
	}
	if (kvmx_cpu_on(&cpu, &bare_platform, &err)) {
		dbg_printf("Bail out! %s\n", err.msg);
		xsr_stream_end(0);
		bare_halt();
	}
	describe_cpu(&cpu.caps);

	s.cpu = &cpu;
	s.ring = ring;
	for (unsigned int t = 0; t < KVMX_ARRAY_SIZE(tables); t++) {
		for (const struct scenario *sc = tables[t]; sc->name; sc++) {
			s.name = sc->name;
			s.failures = 0;
			s.skipped = false;
			s.todo = false;
			u64 first = xsr_stream_written();
			sc->run(&s);
			xsr_stream_flush();
			n++;
			if (s.failures) {
				failed++;
				dbg_printf("not ok %u - %s\n", n, sc->name);
			} else if (s.todo) {
				skipped++; /* neither a pass nor our failure; the TAP line says why */
				dbg_printf("not ok %u - %s # TODO %s\n", n, sc->name, s.skip_reason);
			} else if (s.skipped) {
				skipped++;
				dbg_printf("ok %u - %s # SKIP %s\n", n, sc->name, s.skip_reason);
			} else {
				passed++;
				dbg_printf("ok %u - %s\n", n, sc->name);
			}
			char key[96];
			kvmx_snprintf(key, sizeof(key), "vmx.scenario.%s", sc->name);
			xsr_stream_metaf(key, "%s seq=%llu-%llu",
					 s.failures  ? "fail"
					 : s.skipped ? "skip"
						     : "pass",
					 (unsigned long long)first, (unsigned long long)xsr_stream_written());
		}
	}
	if (s.vcpu_live)
		kvmx_vcpu_destroy(&s.v);
	kvmx_cpu_off(&cpu);

	u64 dropped = ring->dropped + scenario_ring_drops;
	/* The END chunk carries the loss (the importer files it as counter.dropped.recorder). */
	xsr_stream_metaf("run.exit_status", "%s", failed ? "failed" : "ok");
	xsr_stream_end(dropped);
	dbg_printf("1..%u\n", n);
	dbg_printf("# records: %llu written to COM1, %llu dropped\n", (unsigned long long)xsr_stream_written(),
		   (unsigned long long)dropped);
	dbg_printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	bare_halt();
}
