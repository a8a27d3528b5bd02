#!/usr/bin/env bash
# Layering of the tuning driver (docs/architecture.md): tune/ calls the launcher library through
# launcher/launcher.h (and the controls spec, launcher/controls.h, and the guest table) and reads results
# through db/ and common/; it never includes a backend or the launcher's internals, and nothing below it
# (common/, db/, launcher/, collector/, decoder/) includes tune/. common/rundiff.c stays pure: only include/
# and common/.
set -uo pipefail
cd "$(dirname "$0")/../.."
fail() {
	echo "FAIL: $*"
	exit 1
}
allowed='^#include "(tune/|common/|db/|decoder/|exitscope/|launcher/launcher\.h|launcher/controls\.h|launcher/guests\.h)'
bad=$(grep -h '^#include "' tune/*.c tune/*.h | grep -Ev "$allowed")
[ -z "$bad" ] || fail "tune/ includes what it must not: $bad"
bad=$(grep -l '^#include "tune/' common/* db/* launcher/* collector/* decoder/* 2>/dev/null)
[ -z "$bad" ] || fail "a lower stage includes tune/: $bad"
bad=$(grep -h '^#include "' common/rundiff.c common/rundiff.h | grep -Ev '^#include "(common/|exitscope/)')
[ -z "$bad" ] || fail "common/rundiff is not pure: $bad"
echo "tune layering: ok"
