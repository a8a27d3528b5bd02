#!/usr/bin/env bash
# kmod-vmx under Bochs, Core 2 Penryn: no EPT, no unrestricted guest, no preemption timer, no RDTSCP/RDRAND/RDSEED,
# no descriptor-table exiting. Those scenarios skip naming the missing control; the refusal scenario checks
# that asking for them is refused by name.
exec "$(dirname "$0")/lib/run-model.sh" core2_penryn_t9600 \
	enable_rdtscp rdrand_exiting rdseed_exiting preemption_timer monitor_trap_flag monitor_trap_flag_stepping \
	ept_violation ept_misconfiguration unrestricted_guest descriptor_table_exiting
