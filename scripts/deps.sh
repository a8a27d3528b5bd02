#!/usr/bin/env bash
# Install every Debian package exitscope needs to build and test, and nothing twice.
# Package lists live in scripts/deps/*.txt, one file per area, one package per line ('#' starts a comment).
# Usage: scripts/deps.sh [--check] [AREA ...]   (no area: every area)
#   --check  install nothing: exit 1 with one line naming the missing packages (plain `make` runs this;
#            `make deps`, `make demo` and `make test` run the installing form)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

check=0
if [ "${1-}" = --check ]; then
	check=1
	shift
fi
lists=()
if [ $# -eq 0 ]; then
	lists=("$here"/deps/*.txt)
else
	for area in "$@"; do lists+=("$here/deps/$area.txt"); done
fi

wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${lists[@]}" | tr -s ' \t' '\n' | sort -u)
# One dpkg-query for all (plain `make` runs this check on every invocation); unknown names print nothing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $wanted 2>/dev/null | awk '$2 == "installed" { print $1 }' |
	sort -u || true)
missing=()
for pkg in $wanted; do
	grep -qxF "$pkg" <<<"$installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ $check -eq 1 ]; then
	echo "exitscope: missing Debian packages: ${missing[*]}; run 'make deps' (as root) to install them" >&2
	exit 1
fi
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
