#!/usr/bin/env bash
# The exit controls, each on and off, checked by the exits they make: record filters, guest state, single
# step (one exit per instruction), execution and data breakpoints, #DB/#BP interception, exits.disable, the
# interrupt window, event injection (interrupt, NMI, exceptions with and without error code, on every
# schedule) reaching the guest's handler, CPUID overrides, and --allow-unsupported.
#
# Controls this host's KVM does not honour must be refused with a message naming them (and recorded as
# unsupported.* with --allow-unsupported); which ones those are is known per host kind: PVM (kvm_pvm, the
# development host) ignores data breakpoints, #DB/#BP interception and disabling HLT exits; QEMU's TCG
# emulation of SVM (the QEMU AMD-V test host) ignores hardware breakpoints and #BP interception.
# test-needs: kvm
. "$(dirname "$0")/launcher-lib.bash"
require_kvm
N=30
pvm=false
[ "$(xs_kvm_kind)" = pvm ] && pvm=true
tcg=false
xs_qemu_tcg && tcg=true

# record.io / record.mmio: left-out exits are counted, the final exit is always kept
run_ok rec-io --guest io --iterations $N --control record.io=0x514,0x51a
check rec-io "n(port=0x514) == $N" "n(port=0x51a) == $N" "n(port=0x510) == n(port=0x512) == n(port=0x518) == 0" \
	"recs[-1]['port'] == 0x500 and recs[-1]['final']" "len(recs) == 2 * $N + 1" \
	"int(meta['counter.filtered']) == int(meta['counter.exits']) - len(recs)" \
	"[r['seq'] for r in recs] == list(range(len(recs)))"
run_ok rec-mmio --guest mmio --iterations $N --control record.mmio=0xa0008
check rec-mmio "n(name='MMIO') == $N" "set(vals('gpa', name='MMIO')) == {0xa0008}"

# single step: one exit per instruction. A step's KVM_EXIT_DEBUG reports the next instruction's address, so
# the loop's 5 instructions (debug_loop .. debug_end) give exits with pc in [debug_loop, debug_end], plus one
# for the instruction that enters the loop. PVM folds the step after the OUT into the OUT's own IO exit
# (hardware KVM reports both), so there the IO exit stands for that instruction.
per_insn_debug=5
$pvm && per_insn_debug=4
for mode in real protected long; do
	lo=$(symbol debug $mode debug_loop) hi=$(symbol debug $mode debug_end) ex=$(symbol debug $mode debug_exec)
	[ -n "$lo" ] && [ -n "$hi" ] && [ -n "$ex" ] || fail "no debug_loop/debug_exec/debug_end symbols for $mode mode"
	run_ok step-$mode --guest debug --mode $mode --iterations $N --control debug.singlestep=on
	check step-$mode "sum(1 for r in recs if r['name'] == 'DEBUG' and $lo <= r['pc'] <= $hi) == $per_insn_debug * $N + 1" \
		"all(r['exception'] == 1 and r['dr6'] & (1 << 14) for r in recs if r['name'] == 'DEBUG')" \
		"n(port=0x520) == $N" "meta['run.exit_status'] == 'ok'" "n(name='DEBUG') > 5 * $N"
	# an execution breakpoint on debug_exec: one exit per iteration, at that address
	hwbp=(--guest debug --mode $mode --iterations $N --control debug.hwbp=@debug_exec)
	if $tcg; then
		expect_error hwbp-$mode "control debug.hwbp: an execution breakpoint made no KVM_EXIT_DEBUG" "${hwbp[@]}"
		run_ok hwbp-allow-$mode "${hwbp[@]}" --allow-unsupported
		check hwbp-allow-$mode "meta['unsupported.debug.hwbp'].startswith('an execution breakpoint')" \
			"n(name='DEBUG') == 0" "n(port=0x520) == $N" "'control.debug.hwbp' not in meta"
		continue
	fi
	run_ok hwbp-$mode "${hwbp[@]}"
	check hwbp-$mode "n(name='DEBUG') == $N" "set(vals('pc', name='DEBUG')) == {$ex}" \
		"all(r['dr6'] & 1 for r in recs if r['name'] == 'DEBUG')" "n(port=0x520) == $N" \
		"meta['control.debug.hwbp'] == '@debug_exec/x/1'"
done
# PVM ignores RFLAGS.RF: the launcher steps over the breakpoint, counting those steps, not recording them
if $pvm; then
	check hwbp-long "int(meta['counter.stepovers']) == $N"
elif ! $tcg; then
	check hwbp-long "int(meta['counter.stepovers']) == 0"
fi

# data breakpoints and #DB/#BP interception
data_bp=(--guest debug --iterations $N --control debug.hwbp=@debug_watch/w/4)
if $pvm; then
	expect_error wbp "control debug.hwbp: a write breakpoint made no KVM_EXIT_DEBUG" "${data_bp[@]}"
	expect_error icpt-db "control debug.intercept: a guest single-step trap" --guest debug --param trap=2 \
		--iterations $N --control debug.intercept=db
	expect_error icpt-bp "control debug.intercept: INT3 with #BP interception" --guest debug --param trap=1 \
		--iterations $N --control debug.intercept=bp
	run_ok wbp-allow "${data_bp[@]}" --allow-unsupported
	check wbp-allow "'debug.hwbp' not in ''.join(k for k in meta if k.startswith('control.'))" \
		"meta['unsupported.debug.hwbp'].startswith('a write breakpoint')" "n(name='DEBUG') == 0" \
		"n(port=0x520) == $N"
	grep -q "unsupported: debug.hwbp" "$LWORK/wbp-allow.out" || fail "the summary does not list the unsupported control"
else
	if $tcg; then
		expect_error wbp "control debug.hwbp: a write breakpoint made no KVM_EXIT_DEBUG" "${data_bp[@]}"
		expect_error icpt-bp "control debug.intercept: INT3 with #BP interception" --guest debug --param trap=1 \
			--iterations $N --control debug.intercept=bp
	else
		run_ok wbp "${data_bp[@]}"
		check wbp "n(name='DEBUG') == $N" "all(r['dr6'] & 1 for r in recs if r['name'] == 'DEBUG')"
		run_ok icpt-bp --guest debug --param trap=1 --iterations $N --control debug.intercept=bp
		check icpt-bp "n(name='DEBUG', exception=3) == $N" "vec(3) == $N"
	fi
	run_ok icpt-db --guest debug --param trap=2 --iterations $N --control debug.intercept=db
	check icpt-db "n(name='DEBUG', exception=1) == 4 * $N" "vec(1) == 4 * $N"
fi
# without interception the guest's own #BP and #DB reach its handler
run_ok trap-bp --guest debug --mode real --param trap=1 --iterations $N
check trap-bp "vec(3) == $N" "n(name='DEBUG') == 0"
if $pvm; then
	# PVM emulates INT3 outside real mode, and KVM's emulator cannot: the run ends with a recorded
	# KVM_EXIT_INTERNAL_ERROR (emulation failure), a one-line error and a failure status
	expect_error trap-bp-long "KVM internal error 1 (emulation failure)" --guest debug --param trap=1 --iterations $N
	check trap-bp-long "recs[-1]['name'] == 'INTERNAL_ERROR' and recs[-1]['final']" "n(port=0x520) == 1" \
		"meta['run.exit_status'].startswith('guest-error: vcpu 0: KVM internal error 1')"
else
	run_ok trap-bp-long --guest debug --param trap=1 --iterations $N
	check trap-bp-long "vec(3) == $N"
fi
run_ok trap-db --guest debug --param trap=2 --iterations $N
check trap-db "vec(1) == 4 * $N"

# exits.disable: PVM accepts KVM_X86_DISABLE_EXITS_HLT but HLT still exits; MWAIT is refused outright
if $pvm; then
	expect_error dis-hlt "control exits.disable: the host accepts KVM_X86_DISABLE_EXITS_HLT but HLT still exits" \
		--guest hlt --iterations $N --control exits.disable=hlt
	run_ok dis-hlt-allow --guest hlt --iterations $N --control exits.disable=hlt --allow-unsupported
	check dis-hlt-allow "n(name='HLT') == $N" "'unsupported.exits.disable' in meta" \
		"'control.exits.disable' not in meta"
else # HLT runs in the guest: it waits for the host's next interrupt, then the loop goes on without exits
	run_ok dis-hlt --guest hlt --iterations $N --duration 2 --control exits.disable=hlt
	check dis-hlt "n(name='HLT') == 0" "len(recs) == 1" "meta['control.exits.disable'] == 'hlt'"
fi
expect_error dis-cstate "control exits.disable:" --guest hlt --iterations 1 --control exits.disable=cstate

# injection: every kind reaches the guest's handler (the stub's report on 0x501), on every schedule
for mode in real protected long; do
	run_ok nmi-$mode --guest hlt --mode $mode --iterations $N --control inject=nmi@hlt
	check nmi-$mode "vec(2) == $N" "n(name='HLT') == $N"
	run_ok ud-$mode --guest hlt --mode $mode --iterations $N --control inject=exc:6@hlt
	check ud-$mode "vec(6) == $N"
done
run_ok gp --guest hlt --iterations $N --control inject=exc:13:0x18@hlt
check gp "vec(13) == $N" "meta['control.inject'] == 'exc:13:0x18@hlt'"
run_ok every --guest hlt --iterations $N --control inject=irq:0x30@every:3
check every "vec(0x30) == int(meta['counter.inject.injected']) == int(meta['counter.inject.delivered']) > 0"
run_ok at --guest io --iterations $N --control inject=exc:6@exit:7
check at "vec(6) == 1" "[r['seq'] for r in recs if r.get('port') == 0x501] == [7]"
run_ok period --guest hlt --param wait=1 --iterations 0 --duration 1 --control inject=irq:0x40@period:20ms
check period "8 <= vec(0x40) <= 60" "n(name='INTR') >= vec(0x40) - 2" "meta['run.stopped_by'] == 'duration'"

# the interrupt window: a doorbell with interrupts off makes the injection wait for the window
for mode in real protected long; do
	run_ok window-$mode --guest hlt --param wait=1 --mode $mode --iterations $N --control inject=irq:0x20@io:0x530
	check window-$mode "n(port=0x530) == $N" "n(name='IRQ_WINDOW_OPEN') == $N" "vec(0x20) == $N" \
		"len(recs) == 3 * $N + 1"
done
run_ok window-on --guest hlt --param wait=1 --iterations $N --control inject=irq:0x20@io:0x530 --control irq.window=on
check window-on "$N <= n(name='IRQ_WINDOW_OPEN') <= 2 * $N" "vec(0x20) == $N" "meta['control.irq.window'] == 'on'"

# control files: later settings replace earlier ones; a bad line names file and line
printf 'msr.exit_read = 0x175\n# the write filter too\nmsr.exit_write = 0x174\n' >"$LWORK/msr.ctl"
run_ok file --guest msr --iterations $N --no-default-controls --controls "$LWORK/msr.ctl"
check file "n(name='X86_RDMSR', index=0x175) == $N" "n(name='X86_RDMSR', index=0x174) == 0" \
	"n(name='X86_WRMSR') == $N"
printf 'irq.window = on\ninject = irq:0x20@sometimes\n' >"$LWORK/bad.ctl"
expect_error badfile "bad.ctl:2: inject: 'sometimes' is not a schedule" --guest hlt --controls "$LWORK/bad.ctl"
echo "all controls passed on $(xs_test_host) (pvm=$pvm, qemu-tcg=$tcg)"
