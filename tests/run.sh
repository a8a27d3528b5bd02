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
mkdir -p "$logs"

pass=0 fail=0 skip=0
failed=() skipped=()

run_one() { # name, command...
	local name=$1
	shift
	local log="$logs/${name//\//_}.log" start=$SECONDS rc
	timeout -k 10 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	local took=$((SECONDS - start))
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
		[ $rc -eq 124 ] && echo "(timed out after ${TEST_TIMEOUT}s)" >>"$log"
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

stage_scripts() { # stage
	local s
	for s in tests/"$1"/*.sh; do
		[ -f "$s" ] || continue
		run_one "$1/$(basename "$s" .sh)" bash "$s"
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
