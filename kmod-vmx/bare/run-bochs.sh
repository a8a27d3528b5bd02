#!/usr/bin/env bash
# Boot the VT-x test image under Bochs on one CPU model.
#
#   kmod-vmx/bare/run-bochs.sh MODEL IMAGE OUTDIR
#
# Writes OUTDIR/bochsrc, OUTDIR/debug.txt (what the kernel printed on port 0xe9: TAP results), OUTDIR/serial.xsr
# (the exit records, a record file) and OUTDIR/bochs.log (Bochs' own log: it names any failed VM-entry check).
# Exits with Bochs' status (0 after the kernel's magic breakpoint); a hung run is killed after
# ${BOCHS_TIMEOUT:-120} seconds.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MODEL IMAGE OUTDIR" >&2; exit 2; }
model=$1 image=$(realpath "$2") out=$3
source "$(dirname "$0")/bochs.bash"
command -v bochs-bin >/dev/null || { echo "bochs-bin not installed (scripts/deps.sh vmx)" >&2; exit 2; }
[ -f "$image" ] || { echo "no image $image (make vmx-image)" >&2; exit 2; }
mkdir -p "$out"
cd "$out"
rm -f debug.txt serial.xsr bochs.log disk.img.lock
# A private copy: Bochs locks its disk image, and runs on several models may go at once.
cp "$image" disk.img

bochs_config . "$model" 64 4000000 serial.xsr \
	'ata0-master: type=disk, path=disk.img, mode=flat, cylinders=2, heads=16, spt=63, translation=none' \
	'boot: disk' 'port_e9_hack: enabled=1' 'magic_break: enabled=1'

# Bochs writes the 0xe9 port to stdout, mixed with its own banner lines; keep both, the TAP lines are whole.
# On a hang SIGINT drops Bochs into its debugger, which prints where the CPU is and quits (stdin is empty).
timeout -k 10 -s INT "${BOCHS_TIMEOUT:-120}" "${bochs_cmd[@]}" </dev/null >debug.txt 2>bochs.stderr
