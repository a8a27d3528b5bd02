#!/usr/bin/env bash
# Build what the QEMU AMD-V test host boots: Debian's kernel (downloaded once with apt-get download and
# unpacked with dpkg-deb -x into a cache, never installed: tests/lib/debian-kernel.sh), and an initramfs
# holding busybox, the KVM, virtio and 9p/overlay modules (tests/vm/lib/host-root mounts this host's userland
# with them), perf with its libraries, our statically linked exitscope and the test scripts.
#
#   prepare.sh CACHE_DIR EXITSCOPE_STATIC WORK_DIR      (EXITSCOPE_STATIC "-": none, the tests use the host's)
#
# Prints the kernel image path and the initramfs path, one per line. Diagnostics go to stderr.
set -euo pipefail
cache=$1 exitscope=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
modules_wanted=(irqbypass ccp kvm kvm-amd virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio_blk netfs fscache 9pnet 9pnet_virtio 9p overlay)

die() { echo "vm prepare: $*" >&2; exit 1; }
if [ "$exitscope" != - ]; then
	[ -x "$exitscope" ] || die "$exitscope is missing (make BUILD=<dir>/static STATIC=1 exitscope)"
	file "$exitscope" | grep -q 'statically linked' || die "$exitscope is not statically linked"
fi

kdir=$("$here/../../lib/debian-kernel.sh" "$cache" "${modules_wanted[@]}") || die "fetching Debian's kernel failed"

# The initramfs tree.
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,lib/modules,proc,sys,dev,tmp,out,etc}
cp /bin/busybox "$root/bin/busybox"
file "$root/bin/busybox" | grep -q 'statically linked' || die "/bin/busybox is not static (install busybox-static)"
[ "$exitscope" = - ] || cp "$exitscope" "$root/bin/exitscope"
cp "$kdir"/modules/*.ko "$root/lib/modules/"
cp "$here/init" "$root/init"
cp "$here/guest-tests" "$root/bin/guest-tests"
chmod 755 "$root/init" "$root/bin/guest-tests"
printf '%s\n' "${modules_wanted[@]}" >"$root/lib/modules/order"
# perf (Debian's linux-perf matches the guest kernel's version) with the libraries it loads.
perf=$(command -v perf) || die "perf is missing (install linux-perf)"
cp "$perf" "$root/bin/perf"
ldd "$perf" | awk '/=> \// {print $3} /^\s*\/lib/ {print $1}' | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
mkdir -p "$root/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
echo "$kdir/vmlinuz"
echo "$work/initramfs.cpio.gz"
