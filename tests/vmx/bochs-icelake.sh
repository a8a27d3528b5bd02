#!/usr/bin/env bash
# kmod-vmx under Bochs, Ice Lake: every control is allowed here, RDSEED exiting and the monitor trap flag
# included. Bochs 2.7 delivers the pending-MTF exit but none after an executed instruction: the stepping
# scenario reports TODO (and still runs its other checks).
exec "$(dirname "$0")/lib/run-model.sh" corei7_icelake_u monitor_trap_flag_stepping
