#!/usr/bin/env bash
# Install every Debian package exitscope needs to build and test, and nothing twice.
# Package lists live in scripts/deps/*.txt, one file per area, one package per line ('#' starts a comment).
# Usage: scripts/deps.sh [AREA ...]   (no argument: every area)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

lists=()
if [ $# -eq 0 ]; then
	lists=("$here"/deps/*.txt)
else
	for area in "$@"; do lists+=("$here/deps/$area.txt"); done
fi

wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${lists[@]}" | tr -s ' \t' '\n' | sort -u)
missing=()
for pkg in $wanted; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]}); run as root or install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Several builds may start at once (parallel checkouts): one installs at a time, the others wait for dpkg's lock.
exec 9>/var/lock/exitscope-deps.lock
flock 9
apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
# Update the index only when an install fails for want of it: keeps repeated runs fast.
if ! "${apt[@]}" install "${missing[@]}" >/dev/null; then
	apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null
	"${apt[@]}" install "${missing[@]}" >/dev/null
fi
