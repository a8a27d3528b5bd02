#!/usr/bin/env bash
# What a hostile but fair user tried on the store and the CLI (issue 18): each check here failed once.
source "$(dirname "$0")/db-lib.bash"
need_tools
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 2000 --rate 100000
"$X" import "$tmp/a.xsr" -o "$tmp/a.db" >/dev/null

# ---- query is read-only unless --write ----
for sql in "DELETE FROM exit_rows" "DROP VIEW exits" "UPDATE runs SET exits = 1" "PRAGMA writable_schema = 1" \
	"PRAGMA query_only = 0" "ATTACH '$tmp/other.db' AS o" "CREATE TABLE t(x)" "VACUUM" "REINDEX" \
	"PRAGMA journal_mode = DELETE" "INSERT INTO db_info VALUES ('k', 'v')"; do
	expect_fail "query refuses: $sql" 1 "--write allows it" "$X" query "$tmp/a.db" "$sql"
done
check "nothing changed" [ "$(q "$tmp/a.db" "SELECT (SELECT count(*) FROM exits) || '/' || (SELECT exits FROM runs)")" = 2000/2000 ]
check "no file was attached into being" [ ! -e "$tmp/other.db" ]
check "reads still work: PRAGMA table_info" [ "$(q "$tmp/a.db" "SELECT count(*) > 10 FROM pragma_table_info('runs')")" = 1 ]
check "query --write writes" "$X" query --write "$tmp/a.db" "UPDATE runs SET guest = 'g'"
check "and it is stored" [ "$(q "$tmp/a.db" "SELECT guest FROM runs")" = g ]
expect_fail "runs takes no --write" 2 "" "$X" runs --write "$tmp/a.db"
finish
