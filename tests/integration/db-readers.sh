#!/usr/bin/env bash
# The store's promises to readers (docs/schema.md, "Promises"): a reader never needs write access and never
# waits for a writer; a store on a read-only mount or in a directory the user cannot write is read like any
# other; opening checks the schema without a write lock and says clearly what is wrong with a bad one.
source "$(dirname "$0")/db-lib.bash"
need_tools
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 2000 --rate 100000
"$X" import "$tmp/a.xsr" -o "$tmp/a.db" >/dev/null

# A writer holds a write transaction for 15 s: readers answer at once all the same (they used to wait 10 s).
(echo "BEGIN IMMEDIATE; INSERT INTO db_info VALUES ('held', 1);"; sleep 15; echo "ROLLBACK;") | sqlite3 "$tmp/a.db" &
holder=$!
cleanup_hooks+=("kill $holder 2>/dev/null")
sleep 0.5
for cmd in runs "query|SELECT count(*) FROM exits" "report"; do
	IFS='|' read -r sub sql <<<"$cmd"
	start=$(date +%s%N)
	if [ -n "${sql:-}" ]; then timeout 4 "$X" $sub "$tmp/a.db" "$sql" >/dev/null 2>"$tmp/err"; else timeout 4 "$X" $sub "$tmp/a.db" >/dev/null 2>"$tmp/err"; fi
	rc=$?
	check "$sub answers while a writer holds the lock (status $rc $(head -c 200 "$tmp/err"))" [ $rc -eq 0 ]
done
kill $holder 2>/dev/null; wait $holder 2>/dev/null

# While a writer runs (stopped here mid-import), a reader sees whole committed batches: the exits, the run's
# counter and the aggregates agree.
"$TOP_SYNTH" -o "$tmp/big.xsr" --count 400000 --rate 100000
"$X" import "$tmp/big.xsr" -o "$tmp/live.db" >/dev/null 2>&1 &
writer=$!
cleanup_hooks+=("kill -9 $writer 2>/dev/null; kill -CONT $writer 2>/dev/null")
for _ in $(seq 400); do
	[ "$(q "$tmp/live.db" "SELECT exits > 0 FROM runs" 2>/dev/null)" = 1 ] && break
	sleep 0.02
done
for round in 1 2 3; do
	kill -STOP $writer 2>/dev/null
	agree=$(q "$tmp/live.db" "SELECT (SELECT count(*) FROM exits) || ' ' || (SELECT exits FROM runs) || ' ' || (SELECT sum(count) FROM agg WHERE dim = 'reason')")
	read -r a b c <<<"$agree"
	check "round $round: with a writer mid-import, exits, runs.exits and the aggregates agree ($agree)" eval "[ \"$a\" = \"$b\" ] && [ \"$b\" = \"$c\" ] && [ -n \"$a\" ]"
	kill -CONT $writer 2>/dev/null
	sleep 0.2
done
wait $writer

# A read-only mount: no -shm file can be made there; the store is read all the same.
mkdir "$tmp/romnt"
if mount -t tmpfs tmpfs "$tmp/romnt" 2>/dev/null; then
	cleanup_hooks+=("umount '$tmp/romnt' 2>/dev/null")
	cp "$tmp/a.db" "$tmp/romnt/a.db"
	mount -o remount,ro "$tmp/romnt"
	check "runs of a store on a read-only mount" eval '"$X" runs "$tmp/romnt/a.db" >/dev/null' 
	check "query of a store on a read-only mount" [ "$(q "$tmp/romnt/a.db" "SELECT count(*) FROM exits")" = 2000 ]
	check "report of a store on a read-only mount" eval '"$X" report "$tmp/romnt/a.db" -j >/dev/null' 
else
	echo "no mount here: the read-only mount case is not tried (it runs on the testbeds)"
fi

# A directory the user cannot write, as an unprivileged user (root ignores modes).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	mkdir "$tmp/nw" && cp "$tmp/a.db" "$tmp/nw/a.db" && chmod 444 "$tmp/nw/a.db" && chmod 555 "$tmp/nw"
	chmod 755 "$tmp"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	check "runs of a store in an unwritable directory" eval 'as_nobody "$X" runs "$tmp/nw/a.db" >/dev/null' 
	check "query of a store in an unwritable directory" \
		[ "$(as_nobody "$X" query "$tmp/nw/a.db" "SELECT count(*) FROM exits" --format csv | sed -n 2p)" = 2000 ]
fi

# A schema version nobody wrote: a clear message, never stack garbage.
cp "$tmp/a.db" "$tmp/neg.db"
sqlite3 "$tmp/neg.db" "PRAGMA user_version = -1"
for sub in runs report "query|SELECT 1" "import"; do
	IFS='|' read -r c sql <<<"$sub"
	case $c in
	import) expect_fail "import into user_version -1" 1 "user_version) -1 was not written by exitscope" "$X" import "$tmp/a.xsr" -o "$tmp/neg.db" ;;
	query) expect_fail "query of user_version -1" 1 "user_version) -1 was not written by exitscope" "$X" query "$tmp/neg.db" "$sql" ;;
	*) expect_fail "$c of user_version -1" 1 "user_version) -1 was not written by exitscope" "$X" "$c" "$tmp/neg.db" ;;
	esac
done
expect_fail "top --replay of user_version -1" 1 "user_version) -1 was not written by exitscope" "$X" top --replay "$tmp/neg.db"
# Version-2 tables under user_version 1: the migration says the tables do not match.
sqlite3 "$tmp/v1.db" "PRAGMA application_id = 1481851970; PRAGMA user_version = 1; CREATE TABLE agg(x);"
expect_fail "v2 tables under user_version 1" 1 "do not match user_version 1" "$X" runs "$tmp/v1.db"
# A record file where a store is expected.
expect_fail "a record file given as a store" 1 "a.xsr: an exitscope record file (.xsr), not a store" "$X" runs "$tmp/a.xsr"
finish
