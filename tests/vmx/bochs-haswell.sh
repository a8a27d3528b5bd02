#!/usr/bin/env bash
# kmod-vmx under Bochs, Haswell (EPT, unrestricted guest, preemption timer; no RDSEED, no MTF in Bochs' model).
exec "$(dirname "$0")/lib/run-model.sh" corei7_haswell_4770 rdseed_exiting monitor_trap_flag monitor_trap_flag_stepping
