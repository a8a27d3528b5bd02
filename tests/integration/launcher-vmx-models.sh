#!/usr/bin/env bash
# The vmx backend's CPU-model table (launcher/vmx_models.h, behind --cpu-model, --list-cpu-models and the
# host-side control checks) against the capability MSRs the emulated CPU reports: a run on each of three
# models stores what the runner read (vmx.* metadata), which must equal the table's values. Also: the default
# model is the one --list-cpu-models marks, and a run names the model it used. Needs only Bochs.
. "$(dirname "$0")/launcher-lib.bash"
require_bochs

"$EXITSCOPE" run --list-cpu-models >"$LWORK/models.txt" || fail "--list-cpu-models failed"
default=$(awk '/\(default\)/ { print $1 }' "$LWORK/models.txt")
[ "$default" = tigerlake ] || fail "the default model is '$default': $(cat "$LWORK/models.txt")"
[ "$(grep -c '/30' "$LWORK/models.txt")" -eq 12 ] || fail "not 12 models listed: $(cat "$LWORK/models.txt")"

for model in corei5_lynnfield_750 corei7_haswell_4770 tigerlake; do
	run_ok $model --backend vmx --guest cpuid --iterations 3 --cpu-model $model
	check $model "meta['vmx.cpu_model'] == '$model'" "n(name='CPUID') == 3"
	python3 - "$LWORK/$model.xsr" "$model" <<'PY' || fail "$model: the table differs from the emulated CPU"
import re, sys
sys.path.insert(0, "tests/integration")
import launcher_check as lc
_recs, meta, _end = lc.load(sys.argv[1])
text = open("launcher/vmx_models.h").read()
m = re.search(r'\{"%s",([^}]*)\}' % re.escape(sys.argv[2]), text)
vals = [int(v.strip(), 16) for v in m.group(1).split(",")]
names = ["basic", "pinbased", "procbased", "procbased2", "exit", "entry", "misc", "ept_vpid_cap", "cr0_fixed0",
         "cr0_fixed1", "cr4_fixed0", "cr4_fixed1"]
bad = [(k, hex(v), meta.get("vmx." + k)) for k, v in zip(names, vals) if int(meta["vmx." + k], 16) != v]
print(sys.argv[2], "differs:" if bad else "matches the table", bad or "")
sys.exit(1 if bad else 0)
PY
done
echo "the model table matches what Bochs' CPUs report"
