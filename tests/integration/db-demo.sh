#!/usr/bin/env bash
# The README's main job: a built-in guest recorded into a local SQLite file, then the report
# (`make demo`: exitscope run --guest mixed --iterations 1000 -o exitscope.db && exitscope report exitscope.db).
# The store must hold exactly the exits the run counted, and the report must show them.
# test-needs: kvm
source "$(dirname "$0")/db-lib.bash"
source "$(dirname "$0")/kvm-lib.bash"
require_kvm
cd "$tmp"
"$X" run --guest mixed --iterations 1000 -o exitscope.db >run.txt 2>&1 || { cat run.txt; bad "exitscope run"; finish; }
cat run.txt
"$X" report exitscope.db | tee report.txt
total=$(awk '/ exits in / { print $1; exit }' run.txt)
check "the run printed its total ($total)" [ -n "$total" ]
check "the store holds every exit of the run" [ "$(q exitscope.db "SELECT count(*) FROM exits")" = "$total" ]
check "the run row agrees" [ "$(q exitscope.db "SELECT exits || ' ' || state || ' ' || source FROM runs")" = "$total complete launcher" ]
check "report counts them all" grep -q "^$total exits, 0 dropped" report.txt
check "report lists the guest's port I/O" grep -q "^kvm IO " report.txt
check "report --by port names the UART" grep -q "^0x3f8 " <("$X" report exitscope.db --by port)
check "the run's metadata is in the store" [ "$(q exitscope.db "SELECT guest FROM runs")" = mixed ]
check "guest state was stored" [ "$(q exitscope.db "SELECT guest_states > 0 FROM runs")" = 1 ]
check "a second run appends" "$X" run --guest mixed --iterations 10 -o exitscope.db >/dev/null 2>&1
check "as run 2" [ "$(q exitscope.db "SELECT max(run_id) FROM runs")" = 2 ]
finish
