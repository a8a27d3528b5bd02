# Whether this host can run KVM guests, in one place for tests/run.sh and every test library (sourced; not
# a test). The KVM device is $EXITSCOPE_KVM when set (as for `exitscope run`; tests hide the real one with
# EXITSCOPE_KVM=/nonexistent), else /dev/kvm. Without a usable device, tests/run.sh runs the tests that need
# it (a "# test-needs: kvm" line) inside the QEMU AMD-V test host instead of skipping them.

xs_kvm_device() { echo "${EXITSCOPE_KVM:-/dev/kvm}"; }

# 0 when the device exists and this user may open it; else 1, with the reason on stdout.
xs_kvm_usable() {
	local dev
	dev=$(xs_kvm_device)
	if [ ! -e "$dev" ]; then
		echo "no KVM device $dev on this host"
	elif [ ! -c "$dev" ]; then
		echo "$dev is not a character device"
	elif [ ! -r "$dev" ] || [ ! -w "$dev" ]; then
		echo "no permission to open $dev"
	else
		return 0
	fi
	return 1
}

# Where this test runs: "host", or "qemu-amdv" inside the QEMU AMD-V test host (tests/vm/integration).
xs_test_host() { echo "${XS_TEST_HOST:-host}"; }

# A test that needs KVM skips without it, saying why (tests/run.sh then runs it in the QEMU AMD-V host).
require_kvm() {
	local why
	why=$(xs_kvm_usable) || { echo "$why (tests/run.sh runs this test in the QEMU AMD-V test host)"; exit 77; }
}

# Root may mount tracefs where the host has not (the microVM hosts of this project boot without it): a test
# that needs the kvm tracepoints mounts it, as the QEMU AMD-V host's init does, rather than skip.
xs_mount_tracefs() {
	[ -d /sys/kernel/tracing/events/kvm ] || [ -d /sys/kernel/debug/tracing/events/kvm ] && return 0
	[ "$(id -u)" -eq 0 ] && [ -d /sys/kernel/tracing ] || return 1
	mount -t tracefs nodev /sys/kernel/tracing && echo "mounted tracefs at /sys/kernel/tracing"
	[ -d /sys/kernel/tracing/events/kvm ]
}

# How many times longer than here things take where the test runs (QEMU TCG emulates every instruction):
# a bound on time that covers a program's start-up (BPF programs load and verify) is this many times wider.
xs_slowdown() { [ "$(xs_test_host)" = qemu-amdv ] && echo 5 || echo 1; }

# The isa of the collector's exit records on this KVM: svm or vmx where kvm_exit fires (kvm_amd, kvm_intel),
# host (per-cause host events) where it does not (PVM).
xs_exit_isa() {
	if [ -d /sys/module/kvm_amd ]; then
		echo svm
	elif [ -d /sys/module/kvm_intel ]; then
		echo vmx
	else
		echo host
	fi
}

# The KVM runs under QEMU's TCG emulation of SVM (the QEMU AMD-V test host), which does not apply the VMCB's DR7
# to the nested guest and does not route INT3 through the #BP intercept: hardware breakpoints and #BP
# interception cannot work there (the launcher refuses them), where a real AMD-V host honours them.
xs_qemu_tcg() { grep -q 'QEMU TCG' /proc/cpuinfo; }

# Which KVM the test runs on: "pvm" (this project's software KVM: no kvm_exit), "hardware" (kvm_amd or
# kvm_intel: kvm_exit fires, records carry svm/vmx exit codes) or "other".
xs_kvm_kind() {
	if [ -d /sys/module/kvm_pvm ]; then
		echo pvm
	elif [ -d /sys/module/kvm_amd ] || [ -d /sys/module/kvm_intel ]; then
		echo hardware
	else
		echo other
	fi
}
