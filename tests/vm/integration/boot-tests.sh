#!/usr/bin/env bash
# Run integration tests that need KVM inside the QEMU AMD-V test host, all in ONE boot (~25 s of boot
# instead of one per test): tests/run.sh calls this when this host has no usable KVM device. The test host
# runs Debian's kernel with kvm-amd under QEMU TCG and this host's own userland, shared read-only over
# virtio-9p (tests/vm/integration/guest-tests), so the tests run there exactly as they would here, with
# this build's exitscope.
#
#   boot-tests.sh OUT_DIR SCRIPT...
#
# Leaves OUT_DIR/NAME.log, NAME.rc, NAME.secs per test (NAME: the script's base name) and OUT_DIR/console.log.
# Exits 0 when the test host ran, 1 (saying why) when it could not; each test's own result is in NAME.rc.
set -uo pipefail
cd "$(dirname "$0")/../../.."
out=$1
shift
BUILD=${BUILD:-build}
work=${XS_VM_WORK:-$BUILD/vm-integration} # XS_VM_WORK: a caller of its own (tests/vm/qemu-vmm.sh)
cache=${XS_VM_CACHE:-tests/vm/cache}
fail() { echo "FAIL: $*"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is missing (scripts/deps.sh vm)"
mkdir -p "$work" "$cache" "$out"
mapfile -t boot < <(tests/vm/lib/prepare.sh "$cache" - "$work") || fail "preparing the test host failed"
[ ${#boot[@]} -eq 2 ] || fail "preparing the test host failed"

repo=$PWD
build=$(cd "$BUILD" && pwd)
overlay=$work/overlay
rm -rf "$overlay" && mkdir -p "$overlay/bin" "$overlay/xs"
cp tests/vm/integration/guest-tests "$overlay/bin/guest-tests"
qemu=()
share() { # tag, host path: a read-only virtio-9p export
	qemu+=(-virtfs "local,path=$2,mount_tag=$1,security_model=none,readonly=on,multidevs=remap")
	echo "$1 $2" >>"$overlay/xs/mounts"
}
share usr /usr
share etc /etc
share repo "$repo"
case $build/ in "$repo"/*) ;; *) share build "$build" ;; esac
for s in "$@"; do
	echo "$(basename "$s" .sh) $s"
done >"$overlay/xs/tests"
echo "BUILD=$BUILD EXITSCOPE=${EXITSCOPE:-$build/exitscope} TEST_TIMEOUT=${TEST_TIMEOUT:-900}" >"$overlay/xs/env"
# Debian's kernel forbids perf events without CAP_SYS_ADMIN (perf_event_paranoid 3, a Debian patch): the test
# host takes this host's setting, so a test sees the same perf permissions there as here.
cat /proc/sys/kernel/perf_event_paranoid >"$overlay/xs/perf_event_paranoid"
echo "$repo/tests/vm/integration/run-tests.bash" >"$overlay/xs/runner"
initrd=$work/initramfs-integration.cpio.gz
(cd "$overlay" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/overlay.cpio.gz"
cat "${boot[1]}" "$work/overlay.cpio.gz" >"$initrd"

# One hard bound for the whole boot: each test is bounded by TEST_TIMEOUT inside as well.
tests/vm/lib/boot.sh "$work" "${boot[0]}" "$initrd" "${XS_VM_TIMEOUT:-2700}" 'xs-vm: done' -- "${qemu[@]}"
rc=$?
cp "$work/console.log" "$out/console.log"
[ $rc -eq 0 ] || fail "the QEMU AMD-V test host did not finish"
grep -q '/dev/kvm ready' "$work/console.log" || fail "no /dev/kvm in the QEMU AMD-V test host"
cp -r "$work/out/." "$out/"
