#!/usr/bin/env bash
# Run exitscope's test stages and print one line per test and a summary.
#
#   tests/run.sh STAGE...      stages: unit san fuzz integration vm vmx kmod, or all
#
# unit/san  every cmocka binary in $BUILD/tests/unit (san: $BUILD/san/tests/unit, under ASan+UBSan)
# fuzz      every libFuzzer target in $BUILD/fuzz/fuzzers for $FUZZ_SECONDS (default 15) from tests/fuzz/corpus/<name>
# integration, vm, vmx, kmod
#           every tests/<stage>/*.sh, which drive the real binaries. A script exits 0 to pass, 77 to skip
#           (its last output line says why), anything else to fail.
#           Integration tests that need KVM (a "# test-needs: kvm" line) run on this host when it has a usable
#           KVM device (tests/integration/kvm-lib.bash; EXITSCOPE_KVM=/nonexistent hides it), else all together
#           in one boot of the QEMU AMD-V test host (tests/vm/integration/boot-tests.sh); their lines say
#           where they ran ("on host" / "on qemu-amdv").
#
# Logs go to $BUILD/test-logs/; a failing test's log tail is printed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export EXITSCOPE=${EXITSCOPE:-$PWD/$BUILD/exitscope}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
logs=$BUILD/test-logs
source tests/integration/kvm-lib.bash
mkdir -p "$logs"

pass=0 fail=0 skip=0
failed=() skipped=()

log_of() { echo "$logs/${1//[\/ ]/_}.log"; }

run_one() { # name, command...
	local name=$1
	shift
	local log start=$SECONDS rc
	log=$(log_of "$name")
	timeout -k 10 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 124 ] && echo "(timed out after ${TEST_TIMEOUT}s)" >>"$log"
	report "$name" $rc $((SECONDS - start))
}

report() { # name, exit status, seconds: one line, and the log's tail on failure
	local name=$1 rc=$2 took=$3 log
	log=$(log_of "$name")
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-48s %4ss\n' "$name" "$took"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		local why
		why=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
		skipped+=("$name: $why")
		printf 'SKIP  %-48s %s\n' "$name" "$why"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %-48s %4ss (exit %d, log %s)\n' "$name" "$took" "$rc" "$log"
		tail -n 40 "$log" | sed 's/^/      | /'
	fi
}

stage_unit() { # dir label
	local dir=$1 label=$2 t
	[ -d "$dir" ] || { echo "no unit tests built in $dir" >&2; fail=$((fail + 1)); failed+=("$label: not built"); return; }
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		run_one "$label/$(basename "$t")" "$t"
	done
}

stage_fuzz() {
	local t name corpus work
	for t in "$BUILD"/fuzz/fuzzers/fuzz_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		corpus=tests/fuzz/corpus/$name
		work=$BUILD/fuzz-work/$name
		rm -rf "$work" && mkdir -p "$work"
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
		# -error_exitcode: libFuzzer's default for a crash is 77, which here would read as a skip
		run_one "fuzz/$name" "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
			-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/" -print_final_stats=1 "$work"
	done
}

needs_kvm() { grep -q '^# test-needs: kvm$' "$1"; }

stage_scripts() { # stage
	local s in_vm=() why=""
	[ "$1" = integration ] && why=$(xs_kvm_usable)
	for s in tests/"$1"/*.sh; do
		[ -f "$s" ] || continue
		if [ "$1" = integration ] && needs_kvm "$s"; then
			if [ -n "$why" ]; then
				in_vm+=("$s")
				continue
			fi
			run_one "$1/$(basename "$s" .sh) on host" bash "$s"
		else
			run_one "$1/$(basename "$s" .sh)" bash "$s"
		fi
	done
	[ ${#in_vm[@]} -eq 0 ] || run_in_vm "$1" "$why" "${in_vm[@]}"
}

# The tests that need KVM, on a host without a usable KVM device: all in one boot of the QEMU AMD-V host.
run_in_vm() { # stage, why, scripts...
	local stage=$1 why=$2 s name out=$BUILD/vm-integration/results start=$SECONDS boot_log
	shift 2
	echo "   ($why: $# tests that need KVM run in one boot of the QEMU AMD-V test host)"
	rm -rf "$out"
	boot_log=$(log_of "$stage/qemu-amdv-boot")
	TEST_TIMEOUT=$TEST_TIMEOUT tests/vm/integration/boot-tests.sh "$out" "$@" >"$boot_log" 2>&1
	local boot_rc=$?
	echo "   (the QEMU AMD-V test host ran for $((SECONDS - start)) s; console: $out/console.log)"
	for s in "$@"; do
		name=$(basename "$s" .sh)
		if [ -f "$out/$name.rc" ]; then
			cp "$out/$name.log" "$(log_of "$stage/$name on qemu-amdv")"
			report "$stage/$name on qemu-amdv" "$(cat "$out/$name.rc")" "$(cat "$out/$name.secs")"
		else # the test host never ran it: say why in its log
			{ cat "$boot_log"; [ $boot_rc -eq 0 ] && echo "the QEMU AMD-V test host left no result"; } \
				>"$(log_of "$stage/$name on qemu-amdv")"
			report "$stage/$name on qemu-amdv" 1 0
		fi
	done
}

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(all)
[ "${stages[0]}" = all ] && stages=(unit san fuzz integration vm vmx kmod)
for stage in "${stages[@]}"; do
	echo "== $stage"
	case $stage in
	unit) stage_unit "$BUILD/tests/unit" unit ;;
	san) stage_unit "$BUILD/san/tests/unit" san ;;
	fuzz) stage_fuzz ;;
	integration | vm | vmx | kmod) stage_scripts "$stage" ;;
	*) echo "unknown stage $stage" >&2; exit 2 ;;
	esac
done

echo "== summary: $pass passed, $fail failed, $skip skipped"
for s in "${skipped[@]}"; do echo "   skipped $s"; done
for f in "${failed[@]}"; do echo "   FAILED $f"; done
[ $fail -eq 0 ]
