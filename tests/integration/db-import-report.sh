#!/usr/bin/env bash
# The store end to end on synthetic exits: import record files, list runs, reports by every dimension and
# sort (checked against SQL over the exits view), query in every format, and usage errors.
source "$(dirname "$0")/db-lib.bash"
need_tools
db=$tmp/x.db
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 20000 --rate 100000 --vcpus 3
"$TOP_SYNTH" -o "$tmp/b.xsr" --count 5000 --rate 100000 --isa svm --pid-base 7000

out=$("$X" import "$tmp/a.xsr" -o "$db")
check "import says what it stored" [ "$out" = "$tmp/a.xsr: 20000 exits imported as run 1 of $db" ]
check "import of a second file is run 2" "$X" import "$tmp/b.xsr" -o "$db"
check "runs lists two complete runs" [ "$(q "$db" "SELECT count(*) FROM runs WHERE state = 'complete'")" = 2 ]
"$X" runs "$db" >"$tmp/runs.txt"
check "runs table names the source file" grep -q "a.xsr" "$tmp/runs.txt"
check "runs --format json is JSON" python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==2 and r[0]["exits"]==20000' < <("$X" runs "$db" --format json)

# The report's numbers equal SQL over the rows.
"$X" report "$db" --run 1 --json >"$tmp/r.json"
"$X" query "$db" "SELECT isa, reason, count(*) AS n, max(latency_ns) AS mx, min(latency_ns) AS mn FROM exits WHERE run_id = 1 GROUP BY 1, 2" --format json >"$tmp/sql.json"
check "report --by reason matches the exits view" python3 - "$tmp/r.json" "$tmp/sql.json" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1])); sql = json.load(open(sys.argv[2]))
isa = {1: "vmx", 2: "svm"}
want = {(isa[r["isa"]], r["reason"]): r for r in sql}
assert rep["exits"] == 20000 and rep["grouped"] == 20000, rep
assert len(rep["rows"]) == len(want)
counts = [r["count"] for r in rep["rows"]]
assert counts == sorted(counts, reverse=True), counts
for row in rep["rows"]:
    w = want[(row["isa"], row["reason"])]
    assert row["count"] == w["n"] and row["latency_max_ns"] == w["mx"] and row["latency_min_ns"] == w["mn"], (row, w)
    assert w["mn"] <= row["latency_p99_ns"] <= w["mx"]
assert abs(sum(r["time_share"] for r in rep["rows"]) - 1) < 1e-4
PY
check "report (newest run) is the SVM run" grep -q "svm NPF" <("$X" report "$db")
for by in reason vcpu port msr gpa; do
	for sort in count time max; do
		"$X" report "$db" --run 1 --by $by --sort $sort >"$tmp/rep.txt" 2>"$tmp/err" || bad "report --by $by --sort $sort"
	done
	"$X" report "$db" --run all --by $by --json | python3 -c 'import json,sys; json.load(sys.stdin)' ||
		bad "report --run all --by $by --json"
done
ok "report by reason/vcpu/port/msr/gpa, sorted by count/time/max, one run and all"
check "report --by vcpu has the three vCPUs" [ "$(grep -c '^vcpu [0-9]' <("$X" report "$db" --run 1 --by vcpu))" = 3 ]
check "report --by port lists the UART" grep -q '^0x3f8 ' <("$X" report "$db" --run 1 --by port)
check "report --run all merges both runs" python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["exits"]==25000 and sum(x["count"] for x in r["rows"])==25000' < <("$X" report "$db" --run all --json)
"$X" report "$db" --run 1 --sort max --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["rows"]
m = [x["latency_max_ns"] for x in r]
assert m == sorted(m, reverse=True), m' && ok "report --sort max orders by the slowest exit" || bad "report --sort max"
"$X" report "$db" --run 1 --by gpa --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["scanned"] and r["grouped"] == 6000, (r["scanned"], r["grouped"])' && ok "report --by gpa scans when GPAs overflow the aggregate" || bad "report --by gpa scan"

# query formats
check "query table" grep -q "IO_INSTRUCTION" <("$X" query "$db" "SELECT exit_name(isa, reason) AS n FROM exits WHERE run_id = 1 LIMIT 40")
check "query csv quotes" [ "$("$X" query "$db" "SELECT 'a,b' AS x, NULL AS y" --format csv | tail -n 1)" = '"a,b",' ]
check "query json types" [ "$("$X" query "$db" "SELECT 1 AS i, 1.5 AS f, 'x' AS t, NULL AS n, x'00ff' AS b" --format json)" = '[{"i":1,"f":1.5,"t":"x","n":null,"b":"00ff"}]' ]
check "query runs several statements" [ "$("$X" query "$db" "SELECT 1; SELECT 2" --format csv | tr '\n' ' ')" = "1 1 2 2 " ]
check "query views: reason_stats" [ "$(q "$db" "SELECT sum(count) FROM reason_stats WHERE run_id = 1")" = 20000 ]
check "query views: top_io_ports" [ "$(q "$db" "SELECT port FROM top_io_ports WHERE run_id = 1 LIMIT 1")" = 1016 ]
check "query views: exits_per_second" [ "$(q "$db" "SELECT sum(count) FROM exits_per_second WHERE run_id = 1")" = 20000 ]
check "query views: slowest_exits" [ "$(q "$db" "SELECT count(*) FROM slowest_exits")" = 100 ]

expect_fail "query with bad SQL" 1 "no such table: nope" "$X" query "$db" "SELECT * FROM nope"
expect_fail "query without SQL" 2 "usage" "$X" query "$db"
expect_fail "query with an unknown format" 2 "unknown format" "$X" query "$db" "SELECT 1" --format xml
expect_fail "report --by nonsense" 2 "--by wants" "$X" report "$db" --by cpu
expect_fail "report --sort nonsense" 2 "--sort wants" "$X" report "$db" --sort slow
expect_fail "report --run 0" 2 "--run wants" "$X" report "$db" --run 0
expect_fail "report of a run that is not there" 1 "no run 9" "$X" report "$db" --run 9
expect_fail "import without -o" 2 "usage" "$X" import "$tmp/a.xsr"
expect_fail "runs of a missing file" 1 "No such file" "$X" runs "$tmp/none.db"
finish
