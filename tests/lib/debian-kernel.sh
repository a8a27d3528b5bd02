#!/usr/bin/env bash
# Fetch the Debian kernel a test host boots (tests/vm: QEMU AMD-V; tests/kmod: Bochs VT-x) into a cache:
# apt-get download + dpkg-deb -x, nothing installed into /. Done once; later runs reuse the cache.
#
#   debian-kernel.sh CACHE_DIR [--headers] MODULE...
#
# Prints the cached kernel's directory: vmlinuz, modules/<name>.ko (uncompressed), version, and with
# --headers also headers/ (a tree whose usr/src/linux-headers-<version> is the kbuild directory of exactly
# that kernel, its Makefile pointed at the unpacked common tree). Diagnostics on stderr.
set -euo pipefail
cache=$1
shift
headers=false
if [ "${1:-}" = --headers ]; then
	headers=true
	shift
fi
modules_wanted=("$@")

die() { echo "debian-kernel: $*" >&2; exit 1; }
# The kernel package linux-image-amd64 points at now, or the newest one already cached (offline).
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	pkg=$(ls "$cache" 2>/dev/null | grep '^linux-image-' | sort -V | tail -n 1 || true)
	[ -n "$pkg" ] || die "cannot tell which Debian kernel to use (apt-cache knows no linux-image-amd64) and none is cached"
fi
kdir=$cache/$pkg
kver=${pkg#linux-image-}                   # 6.1.0-57-amd64
complete() {
	[ -f "$kdir/ready" ] || return 1
	for m in "${modules_wanted[@]}"; do [ -f "$kdir/modules/$m.ko" ] || return 1; done
	! $headers || [ -f "$kdir/headers/usr/src/linux-headers-$kver/Makefile" ]
}
if ! complete; then
	abi=${kver%-amd64}                         # 6.1.0-57
	series=$(echo "$kver" | cut -d. -f1-2)     # 6.1
	debs=("$pkg")
	$headers && debs+=("linux-headers-$kver" "linux-headers-$abi-common" "linux-kbuild-$series")
	echo "debian-kernel: fetching ${debs[*]} (once; cached in $kdir)" >&2
	rm -rf "$kdir" "$cache/tmp"
	mkdir -p "$cache/tmp" "$kdir/modules"
	(cd "$cache/tmp" && apt-get download -q "${debs[@]}" >&2) || die "apt-get download ${debs[*]} failed"
	dpkg-deb -x "$cache"/tmp/"$pkg"_*.deb "$cache/tmp/root"
	cp "$cache"/tmp/root/boot/vmlinuz-* "$kdir/vmlinuz"
	for m in "${modules_wanted[@]}"; do
		f=$(find "$cache/tmp/root/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
		[ -n "$f" ] || die "$pkg has no module $m"
		case $f in
		*.xz) xz -dc "$f" >"$kdir/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$kdir/modules/$m.ko" ;;
		*) cp "$f" "$kdir/modules/$m.ko" ;;
		esac
	done
	if $headers; then
		mkdir -p "$kdir/headers"
		for deb in "$cache"/tmp/linux-headers-*.deb "$cache"/tmp/linux-kbuild-*.deb; do
			dpkg-deb -x "$deb" "$kdir/headers"
		done
		# The arch directory's Makefile includes the common one by its installed path: point it at ours.
		sed -i "s|^include /usr/src/|include $(cd "$kdir/headers" && pwd)/usr/src/|" \
			"$kdir/headers/usr/src/linux-headers-$kver/Makefile"
		[ -f "$kdir/headers/usr/src/linux-headers-$kver/Makefile" ] || die "the headers of $kver did not unpack"
	fi
	echo "$kver" >"$kdir/version"
	rm -rf "$cache/tmp"
	touch "$kdir/ready"
fi
echo "$kdir"
