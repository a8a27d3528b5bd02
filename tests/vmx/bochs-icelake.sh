#!/usr/bin/env bash
# kmod-vmx under Bochs, Ice Lake: every control is allowed here, RDSEED exiting included. MTF is accepted but
# Bochs 2.7 never delivers its exits: that scenario reports TODO (and still runs its other checks).
exec "$(dirname "$0")/lib/run-model.sh" corei7_icelake_u monitor_trap_flag
