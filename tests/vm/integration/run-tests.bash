#!/usr/bin/env bash
# Runs inside the QEMU AMD-V host, in the root tests/vm/integration/guest-tests built from this host's
# userland: each listed integration test, as tests/run.sh would run it on the host, with the guest's real
# kvm-amd /dev/kvm. For each NAME: OUT/NAME.log (its output), NAME.rc (its exit status), NAME.secs.
#
#   run-tests.bash OUT_DIR LIST_FILE       (LIST_FILE: one "NAME SCRIPT" per line; $TEST_TIMEOUT per test)
set -uo pipefail
out=$1 list=$2
cd "$(dirname "$0")/../../.."
export XS_TEST_HOST=qemu-amdv # tests/integration/kvm-lib.bash: where the test runs
unset EXITSCOPE_KVM
while read -r name script; do
	start=$SECONDS
	echo "xs-vm: test $name"
	timeout -k 10 "${TEST_TIMEOUT:-900}" bash "$script" >"$out/$name.log" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 124 ] && echo "(timed out after ${TEST_TIMEOUT:-900}s in the QEMU AMD-V host)" >>"$out/$name.log"
	echo $rc >"$out/$name.rc"
	echo $((SECONDS - start)) >"$out/$name.secs"
	echo "xs-vm: test $name exit $rc after $((SECONDS - start)) s"
done <"$list"
