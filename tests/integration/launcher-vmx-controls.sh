#!/usr/bin/env bash
# Each seed VT-x control on and off through `exitscope run --backend vmx`, with exact exit counts: the
# instruction-exiting controls on the insns guest, CR masks and CR3 targets on cr, the exception bitmap on
# debug (INT3), I/O bitmaps on io, interrupt-window and external-interrupt exiting and event injection on hlt; RDTSC exiting also
# in real and protected mode. Needs only Bochs.
. "$(dirname "$0")/launcher-lib.bash"
require_bochs
N=5

vmx() { run_ok "$1" --backend vmx --iterations $N "${@:2}"; }

# insns bit, control, exits per iteration with the control on
while read -r bit ctl reason per; do
	vmx "on-$ctl" --guest insns --param which=$bit --control "vmx.$ctl=on"
	check "on-$ctl" "${vmx_common[@]}" "n(name='$reason') == $per * $N" "len(recs) == $per * $N + 1" \
		"meta['control.vmx.$ctl'] == 'on'"
	vmx "off-$ctl" --guest insns --param which=$bit
	check "off-$ctl" "${vmx_common[@]}" "n(name='$reason') == 0" "len(recs) == 1"
done <<'T'
0x01 rdtsc_exiting RDTSC 1
0x02 rdpmc_exiting RDPMC 1
0x04 invlpg_exiting INVLPG 1
0x08 mov_dr_exiting DR_ACCESS 2
0x10 cr8_load_exiting CR_ACCESS 1
0x20 mwait_exiting MWAIT_INSTRUCTION 1
0x20 monitor_exiting MONITOR_INSTRUCTION 1
0x40 pause_exiting PAUSE_INSTRUCTION 1
0x80 wbinvd_exiting WBINVD 1
T
for mode in real protected; do
	vmx rdtsc-$mode --guest insns --mode $mode --control vmx.rdtsc_exiting=on
	check rdtsc-$mode "${vmx_common[@]}" "n(name='RDTSC') == $N"
done

# HLT exiting is on by default (the launcher's guests expect their HLT to exit, as under KVM); off, the HLT
# runs in the emulated CPU and the runner's LAPIC timer, delivered to the guest without an exit, wakes it
vmx hlt-on --guest hlt --control vmx.hlt_exiting=on
check hlt-on "${vmx_common[@]}" "n(name='HLT') == $N" "meta['control.vmx.hlt_exiting'] == 'on'"
vmx hlt-off --guest hlt --control vmx.hlt_exiting=off
check hlt-off "${vmx_common[@]}" "n(name='HLT') == 0" "vec(0x30) == $N" "meta['vmx.runner_timer_reports'] == '$N'" \
	"len(recs) == $N + 1"

# CR0 mask TS: the two writes that toggle it exit (reads see the shadow); CR4 mask TSD likewise
vmx cr0 --guest cr --control vmx.cr0_mask=0x8
check cr0 "${vmx_common[@]}" "n(name='CR_ACCESS') == 2 * $N" "meta['control.vmx.cr0_mask'] == '0x8'"
vmx cr4 --guest cr --control vmx.cr4_mask=0x4
check cr4 "${vmx_common[@]}" "n(name='CR_ACCESS') == 2 * $N"
vmx cr-off --guest cr
check cr-off "${vmx_common[@]}" "n(name='CR_ACCESS') == 0"
# CR3-load exiting: the CR3 write exits, unless its value is a CR3 target
vmx cr3 --guest cr --control vmx.cr3_load_exiting=on
check cr3 "${vmx_common[@]}" "n(name='CR_ACCESS') == $N"
vmx cr3-target --guest cr --control vmx.cr3_load_exiting=on --control vmx.cr3_targets=0x90000
check cr3-target "${vmx_common[@]}" "n(name='CR_ACCESS') == 0" "meta['control.vmx.cr3_targets'] == '0x90000'"

# exception bitmap: the debug guest's INT3 (trap=1) exits as EXCEPTION_NMI and is reflected to the guest
vmx exc --guest debug --param trap=1 --control vmx.exception_bitmap=bp
check exc "${vmx_common[@]}" "n(name='EXCEPTION_NMI') == $N" "vec(3) == $N" "meta['control.vmx.exception_bitmap'] == 'bp'"
vmx exc-off --guest debug --param trap=1
check exc-off "${vmx_common[@]}" "n(name='EXCEPTION_NMI') == 0" "vec(3) == $N"
vmx exc-num --guest debug --param trap=1 --control vmx.exception_bitmap=3,6
check exc-num "n(name='EXCEPTION_NMI') == $N" "meta['control.vmx.exception_bitmap'] == 'bp,ud'"

# I/O bitmaps: only port 0x514 (and the launcher's own 0x500-0x503) exit; without them every port does
vmx iobm --guest io --control vmx.io_bitmap=0x514
check iobm "${vmx_common[@]}" "n(port=0x514) == $N" "len(recs) == $N + 1"
vmx iobm-off --guest io
check iobm-off "${vmx_common[@]}" "len(recs) == 8 * $N + 1"

# interrupt-window exiting: one exit when the guest first enables interrupts (the policy then turns it off)
vmx iw --guest hlt --control vmx.interrupt_window_exiting=on
check iw "${vmx_common[@]}" "n(name='INTERRUPT_WINDOW') == 1"
vmx iw-off --guest hlt
check iw-off "${vmx_common[@]}" "n(name='INTERRUPT_WINDOW') == 0"

# event injection: irq 0x20 at every HLT reaches the guest's handler; without it nothing is reported
vmx inj --guest hlt
check inj "${vmx_common[@]}" "vec(0x20) == $N" "meta['counter.inject.injected'] == '$N'"
vmx inj-off --guest hlt --no-default-controls
check inj-off "${vmx_common[@]}" "vec(0x20) == 0" "n(name='HLT') == $N" "meta['counter.inject.injected'] == '0'"
# external-interrupt exiting: the runner's LAPIC timer interrupts exit (Bochs 2.7 takes them only while the
# guest has interrupts enabled: the hlt guest's STI; HLT); without the control none arrive
run_ok ext --backend vmx --iterations 30 --guest hlt --control vmx.external_interrupt_exiting=on
check ext "${vmx_common[@]}" "n(name='EXTERNAL_INTERRUPT') >= 1" "meta['control.vmx.extint_exiting'] == 'on'"
run_ok ext-off --backend vmx --iterations 30 --guest hlt
check ext-off "${vmx_common[@]}" "n(name='EXTERNAL_INTERRUPT') == 0"
echo "every control on and off passed"
