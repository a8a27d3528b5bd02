#!/usr/bin/env bash
# The SQL functions as a loadable extension in the stock sqlite3 shell: .load it, call every function, and
# query an exitscope store with them; without it the shell knows none of them.
source "$(dirname "$0")/db-lib.bash"
need_tools
command -v sqlite3 >/dev/null || { echo "the sqlite3 shell is not installed (scripts/deps/db.txt)"; exit 1; }
[ -f "$SQLITE_EXT" ] || { echo "$SQLITE_EXT is not built"; exit 1; }
db=$tmp/x.db
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 3000 --rate 100000
"$X" import "$tmp/a.xsr" -o "$db" >/dev/null

sq() { sqlite3 -batch -bail "$db" ".load $SQLITE_EXT" "$@"; }
check "exit_name in the stock shell" [ "$(sq "SELECT exit_name(1, 30), exit_name('svm', 0x7b), exit_name('kvm', 2), exit_name('host', 1);")" = "IO_INSTRUCTION|IOIO|IO|PIO" ]
check "exit_name of unknown codes is NULL" [ "$(sq "SELECT exit_name(1, 35) IS NULL, exit_name('arm', 1) IS NULL;")" = "1|1" ]
check "exit_field" [ "$(sq "SELECT exit_field('vmx', 30, 0x3f80008, 'port'), exit_field('vmx', 30, 0x3f80008, 'direction_name'), exit_field('vmx', 28, 3, 'access_type_name');")" = "1016|IN|MOV_TO_CR" ]
check "exit_decode is the decoder's JSON" [ "$(sq "SELECT json_extract(exit_decode('vmx', 30, 0x3f80008), '$.port');")" = 1016 ]
check "exit_decode of an SVM NPF" [ "$(sq "SELECT json_valid(exit_decode('svm', 0x400, 0x100000006, 0xfee00000));")" = 1 ]
check "exit_isa" [ "$(sq "SELECT exit_isa(1) || exit_isa('2');")" = vmxsvm ]
# Against the store's own view: the same answers as exitscope query gives.
want=$("$X" query "$db" "SELECT exit_name(isa, reason), count(*) FROM exits GROUP BY 1 ORDER BY 1" --format csv | tail -n +2 | tr ',' '|')
got=$(sq "SELECT exit_name(isa, reason), count(*) FROM exits GROUP BY 1 ORDER BY 1;")
check "the exits view with exit_name in the stock shell" [ "$got" = "$want" ]
check "ports decoded from the qualification match the stored I/O detail" [ "$(sq "SELECT count(*) FROM exits WHERE reason = 30 AND exit_field(isa, reason, qualification, 'port') != io_port;")" = 0 ]
check "the summary views need no extension" [ "$(sqlite3 -batch "$db" "SELECT sum(count) FROM reason_stats;")" = 3000 ]
expect_fail "without .load the shell has no exit_name" 1 "no such function: exit_name" sqlite3 -batch -bail "$db" "SELECT exit_name(1, 30);"
expect_fail "wrong argument count is refused" 1 "wrong number of arguments" sqlite3 -batch -bail "$db" ".load $SQLITE_EXT" "SELECT exit_name(1);"
finish
