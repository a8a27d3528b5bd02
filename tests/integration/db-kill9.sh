#!/usr/bin/env bash
# kill -9 of the writer in the middle of ingest, three times at different moments: the database opens,
# passes PRAGMA integrity_check, holds every exit the producer saw flushed (its "flushed N" lines are
# printed only after the store committed them) with no gap in seq, its aggregates agree with its rows, and the
# next writer appends a new run to it.
source "$(dirname "$0")/db-lib.bash"
need_tools
"$TOP_SYNTH" -o "$tmp/mix.xsr" --count 100000 --rate 1000000
db=$tmp/k.db

for round in 1 2 3; do
	"$INGEST_BENCH" --template "$tmp/mix.xsr" --count 1000000000 --db "$db" --flush-every $((20000 * round + 3)) \
		>"$tmp/out" 2>"$tmp/bench.err" &
	pid=$!
	# Let it commit a few batches, then kill at a moment that differs per round.
	for _ in $(seq 600); do
		[ "$(grep -c flushed "$tmp/out")" -ge $((2 + round)) ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep "0.0$((round * 3))"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	last=$(grep flushed "$tmp/out" | tail -n 1 | awk '{ print $2 }')
	[ -n "$last" ] || { bad "round $round: nothing was flushed before the kill ($(cat "$tmp/bench.err"))"; continue; }
	check "round $round: integrity_check after kill -9" [ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ]
	run=$(q "$db" "SELECT max(run_id) FROM runs")
	n=$(q "$db" "SELECT count(*) FROM exits WHERE run_id = $run")
	check "round $round: every flushed exit survived ($n >= $last)" [ "$n" -ge "$last" ]
	check "round $round: no gap in seq" [ "$(q "$db" "SELECT min(seq) = 0 AND max(seq) = count(*) - 1 AND count(DISTINCT seq) = count(*) FROM exits WHERE run_id = $run")" = 1 ]
	check "round $round: the run row counts them" [ "$(q "$db" "SELECT exits FROM runs WHERE run_id = $run")" = "$n" ]
	check "round $round: the aggregates agree" [ "$(q "$db" "SELECT sum(count) FROM agg WHERE run_id = $run AND dim = 'reason'")" = "$n" ]
	check "round $round: runs shows it incomplete" grep -q "incomplete" <("$X" runs "$db")
	check "round $round: report reads it" "$X" report "$db" --run "$run" -j >/dev/null
done
check "the killed store takes a new run" "$X" import "$tmp/mix.xsr" -o "$db"
check "which completes" [ "$(q "$db" "SELECT state FROM runs ORDER BY run_id DESC LIMIT 1")" = complete ]
check "integrity_check at the end" [ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ]
finish
