#!/usr/bin/env bash
# exitscope ship into a real ClickHouse (Debian's clickhouse-server, started here on 127.0.0.1): a 1 M-exit store
# arrives with per-reason counts equal to SQLite's; a ship killed with SIGKILL mid-way and re-run loses and
# duplicates nothing; a server that goes away mid-ship gives one clear line and a resumable state; --follow
# ships runs added while it runs; bad input (unreachable server, wrong URL, a non-ClickHouse HTTP server, a
# table with another schema) gives one line, a non-zero status, and leaves the store as it was.
source "$(dirname "$0")/fleet-lib.bash"
need_tools

# ---- the 1 M-exit store ----
"$TOP_SYNTH" -o "$tmp/big.xsr" --count 1000000 --rate 100000 --vcpus 4 >/dev/null || { echo "top-synth failed"; exit 1; }
"$X" import "$tmp/big.xsr" -o "$tmp/big.db" >/dev/null || { echo "import failed"; exit 1; }
rm -f "$tmp/big.xsr"
store_counts() { "$X" query "$1" "SELECT exit_name(isa, reason), count(*) FROM exits GROUP BY 1" --format csv |
	tail -n +2 | tr , '\t' | sort; }
store_counts "$tmp/big.db" >"$tmp/sqlite_counts"
[ "$(awk '{s += $2} END {print s}' "$tmp/sqlite_counts")" = 1000000 ] || { echo "the store does not hold 1 M exits"; exit 1; }

start_clickhouse
T=exitscope.exits
ch_counts() { chq "SELECT reason_name, count() FROM $T ${1:-} GROUP BY reason_name ORDER BY reason_name" | sort; }
exact() { # what: ClickHouse equals SQLite per reason, and no exit id twice
	if diff -u "$tmp/sqlite_counts" <(ch_counts) >"$tmp/diff"; then
		ok "$1: per-reason counts in ClickHouse equal SQLite's ($(wc -l <"$tmp/sqlite_counts") reasons, 1000000 exits)"
	else
		bad "$1: per-reason counts differ: $(head -20 "$tmp/diff")"
	fi
	local dup
	dup=$(chq "SELECT count() - uniqExact(exit_id) FROM $T")
	[ "$dup" = 0 ] && ok "$1: no exit twice" || bad "$1: $dup duplicate exits"
}

# ---- killed mid-way (SIGKILL), then re-run ----
"$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --batch 20000 --quiet >"$tmp/ship1.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
	n=$(chq "SELECT count() FROM $T" 2>/dev/null)
	[ "${n:-0}" -ge 300000 ] 2>/dev/null && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
before=$(chq "SELECT count() FROM $T")
[ "$before" -gt 0 ] && [ "$before" -lt 1000000 ] && ok "ship killed with SIGKILL part-way ($before of 1000000 exits in ClickHouse)" ||
	bad "the kill did not land mid-way ($before exits)"
[ -s "$tmp/big.db.shipped" ] && ok "the sidecar records what was acknowledged: $(tail -1 "$tmp/big.db.shipped" | cut -f4-)" ||
	bad "no sidecar after the killed ship"
# Once more, killed by the clock rather than at a batch's acknowledgement (at an arbitrary point), sending plain text.
"$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --batch 200000 --no-gzip --quiet >/dev/null 2>&1 &
pid=$!
sleep 1.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
mid=$(chq "SELECT count() FROM $T")
[ "$mid" -lt 1000000 ] && ok "a second SIGKILL part-way ($mid exits in ClickHouse)" || bad "the second kill came too late"
check "the re-run ships the rest" "$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --batch 50000
exact "after kill -9 and re-run"
"$X" ship "$tmp/big.db" --clickhouse "$CH_URL" >"$tmp/again" 2>&1 && grep -q '^shipped 0 exits (1000000 were already there)' "$tmp/again" &&
	ok "a third run sends nothing" || bad "a third run: $(cat "$tmp/again")"
store_counts "$tmp/big.db" | diff -q - "$tmp/sqlite_counts" >/dev/null && ok "the store is as it was" || bad "the store changed"

# ---- the server goes away mid-ship, comes back ----
chq "DROP TABLE $T" >/dev/null
rm -f "$tmp/big.db.shipped"
"$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --batch 20000 --quiet >"$tmp/ship2.out" 2>"$tmp/ship2.err" &
pid=$!
for _ in $(seq 600); do
	n=$(chq "SELECT count() FROM $T" 2>/dev/null)
	[ "${n:-0}" -ge 200000 ] 2>/dev/null && break
	sleep 0.05
done
kill -9 "$CH_PID"
wait "$CH_PID" 2>/dev/null
wait "$pid"
rc=$?
[ "$rc" = 1 ] && ok "the ship fails (status 1) when ClickHouse goes away" || bad "status $rc when ClickHouse went away"
[ "$(wc -l <"$tmp/ship2.err")" = 1 ] && grep -q 're-run to send the rest' "$tmp/ship2.err" &&
	ok "one line: $(cat "$tmp/ship2.err")" || bad "the error: $(cat "$tmp/ship2.err")"
expect_fail "a server that is down: one line, status 1" 1 "cannot reach ClickHouse at $CH_URL" \
	"$X" ship "$tmp/big.db" --clickhouse "$CH_URL"
start_clickhouse
check "after the server is back, a re-run ships the rest" "$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --quiet
exact "after the server went away and came back"

# ---- the server refuses part-way (a quota of 12 queries), then a re-run as another user ----
chq "DROP TABLE $T" >/dev/null
rm -f "$tmp/big.db.shipped"
expect_fail "a server that refuses part-way: one line, status 1" 1 "Quota for user" \
	"$X" ship "$tmp/big.db" --clickhouse "$CH_URL/?user=limited" --batch 100000 --quiet
n=$(chq "SELECT count() FROM $T")
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "re-run to send the rest" "$tmp/err" && [ "$n" -gt 0 ] && [ "$n" -lt 1000000 ] &&
	ok "... after $n exits, saying so: $(cat "$tmp/err")" || bad "refused part-way: $n exits, $(cat "$tmp/err")"
check "a re-run (another user) ships the rest" "$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --quiet
exact "after a refusal part-way"

# ---- --follow: runs added while it ships ----
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 3000 --rate 1000 --vcpus 2 >/dev/null
"$TOP_SYNTH" -o "$tmp/b.xsr" --count 5000 --rate 1000 --vcpus 3 >/dev/null
"$X" import "$tmp/a.xsr" -o "$tmp/f.db" >/dev/null
"$X" ship "$tmp/f.db" --clickhouse "$CH_URL" --table exitscope.follow --follow --interval 0.2 --quiet >"$tmp/follow.out" 2>&1 &
fpid=$!
cleanup_hooks+=("stop_pid $fpid")
fcount() { chq "SELECT count() FROM exitscope.follow" 2>/dev/null; }
for _ in $(seq 100); do [ "$(fcount)" = 3000 ] && break; sleep 0.1; done
[ "$(fcount)" = 3000 ] && ok "--follow ships the first run" || bad "--follow: $(fcount) of 3000"
expect_fail "a second ship of a store being shipped" 1 "another ship of this store is running" \
	"$X" ship "$tmp/f.db" --clickhouse "$CH_URL" --table exitscope.follow
"$X" import "$tmp/b.xsr" -o "$tmp/f.db" >/dev/null
for _ in $(seq 100); do [ "$(fcount)" = 8000 ] && break; sleep 0.1; done
[ "$(fcount)" = 8000 ] && ok "--follow ships a run recorded while it runs" || bad "--follow: $(fcount) of 8000"
kill -TERM "$fpid"
wait "$fpid"
[ $? = 0 ] && grep -q '^shipped 8000 exits' "$tmp/follow.out" && ok "--follow stops cleanly on SIGTERM" ||
	bad "--follow on SIGTERM: $(cat "$tmp/follow.out")"
if [ -e "${EXITSCOPE_KVM:-/dev/kvm}" ] && "$X" run --guest cpuid --iterations 10 >/dev/null 2>&1; then
	"$X" run --guest mixed --duration 4 -o "$tmp/live.db" >/dev/null 2>&1 &
	rpid=$!
	for _ in $(seq 50); do [ -s "$tmp/live.db" ] && break; sleep 0.1; done
	sleep 0.5
	"$X" ship "$tmp/live.db" --clickhouse "$CH_URL" --table exitscope.live --follow --interval 0.2 --quiet \
		>"$tmp/live.out" 2>&1 &
	lpid=$!
	cleanup_hooks+=("stop_pid $lpid")
	sleep 1.5
	mid=$(chq "SELECT count() FROM exitscope.live" 2>/dev/null)
	wait "$rpid"
	want=$("$X" query "$tmp/live.db" "SELECT count(*) FROM exits" --format csv | sed -n 2p)
	for _ in $(seq 100); do [ "$(chq 'SELECT count() FROM exitscope.live')" = "$want" ] && break; sleep 0.1; done
	got=$(chq 'SELECT count() FROM exitscope.live')
	[ "$got" = "$want" ] && ok "--follow during a recording: $got exits (${mid:-0} while it ran)" ||
		bad "--follow during a recording: $got of $want"
	stop_pid "$lpid"
fi

# ---- bad input: one line, non-zero status, the store unchanged ----
sum_before=$(store_counts "$tmp/big.db" | md5sum)
chq "CREATE TABLE exitscope.other (a UInt8, b String) ENGINE = MergeTree ORDER BY a" >/dev/null
expect_fail "a table with another schema" 1 "table exitscope.other has another schema" \
	"$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --table exitscope.other
port=$(free_port)
expect_fail "an unreachable server" 1 "cannot reach ClickHouse at http://127.0.0.1:$port" \
	"$X" ship "$tmp/big.db" --clickhouse "http://127.0.0.1:$port"
expect_fail "not a URL" 1 "is not a URL" "$X" ship "$tmp/big.db" --clickhouse "not a url"
expect_fail "a scheme other than http(s)" 1 "needs http:// or https://" "$X" ship "$tmp/big.db" --clickhouse "ftp://127.0.0.1/"
# A server that is not ClickHouse: exitscope's own metrics endpoint.
maddr=127.0.0.1:$(free_port)
EXITSCOPE_KVM=/nonexistent "$X" serve --metrics "$maddr" --replay "$tmp/f.db" --speed 0 >/dev/null 2>&1 &
spid=$!
cleanup_hooks+=("stop_pid $spid")
wait_http "http://$maddr/" 10
expect_fail "an HTTP server that is not ClickHouse" 1 "does not answer like ClickHouse" \
	"$X" ship "$tmp/big.db" --clickhouse "http://$maddr/"
stop_pid "$spid"
expect_fail "a bad table name" 1 "give DATABASE.TABLE" "$X" ship "$tmp/big.db" --clickhouse "$CH_URL" --table "x;DROP"
expect_fail "a missing store" 1 "nope.db" "$X" ship "$tmp/nope.db" --clickhouse "$CH_URL"
[ "$(store_counts "$tmp/big.db" | md5sum)" = "$sum_before" ] && ok "the store is unchanged after every refusal" ||
	bad "the store changed"
finish
