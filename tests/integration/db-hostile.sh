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

# ---- damaged record files: exact counts, and one verdict from import and top --replay ----
# Clear the guest-state flag of a record of the first chunk: its size no longer matches, the chunk's rest is
# skipped. top-synth --state-every 2: records alternate 192 and 576 bytes, so bytes / 192 is no record count.
"$TOP_SYNTH" -o "$tmp/s.xsr" --count 2000 --rate 100000 --state-every 2
python3 - "$tmp/s.xsr" "$tmp/flag.xsr" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pos = 32
while pos < len(data):
    kind, length = struct.unpack_from("<II", data, pos)
    if kind == 1:
        rec, n = pos + 8, 0
        while True:
            size, flags = struct.unpack_from("<H", data, rec + 2)[0], struct.unpack_from("<I", data, rec + 12)[0]
            if size > 192:
                break
            rec += size
            n += 1
        open(sys.argv[2] + ".before", "w").write(str(n))
        data[rec + 2:rec + 4] = struct.pack("<H", 192)  # the size says core only, the flag says state follows
        break
    pos += 8 + length
open(sys.argv[2], "wb").write(data)
PY
expect_fail "import of a damaged chunk counts the records lost exactly" 1 "records lost (the END chunk counts 2000" \
	"$X" import "$tmp/flag.xsr" -o "$tmp/d.db"
got=$(q "$tmp/d.db" "SELECT exits || '+' || dropped FROM runs WHERE imported_from LIKE '%flag.xsr'")
check "stored exits + dropped = the 2000 written ($got)" [ "$(( ${got/+/ + } ))" = 2000 ]
cp "$tmp/err" "$tmp/import.err"
expect_fail "top --replay of the same file fails the same way" 1 "records lost (the END chunk counts 2000" \
	"$X" top --replay "$tmp/flag.xsr" --batch --speed 0
check "with the same verdict" grep -qF "$(sed 's/^exitscope: [^:]*: //' "$tmp/import.err")" "$tmp/err"
# Without its END chunk the number lost cannot be known: it is not invented.
size=$(stat -c %s "$tmp/flag.xsr")
head -c $((size - 24)) "$tmp/flag.xsr" >"$tmp/flag-noend.xsr"
expect_fail "damage without an END chunk: the loss is unknown" 1 "unknown number of records" \
	"$X" import "$tmp/flag-noend.xsr" -o "$tmp/d.db"
check "and stored as unknown, not as a count" [ "$(q "$tmp/d.db" "SELECT r.dropped || ' ' || m.value FROM runs r JOIN run_meta m USING (run_id) WHERE m.key = 'import.lost_records' AND r.imported_from LIKE '%flag-noend.xsr'")" = "0 unknown" ]
expect_fail "top --replay says the same" 1 "unknown number of records" "$X" top --replay "$tmp/flag-noend.xsr" --batch --speed 0

# Messages that named the wrong thing.
cat "$tmp/a.xsr" "$tmp/a.xsr" >"$tmp/twice.xsr"
expect_fail "two record files end to end" 1 "files were concatenated" "$X" import "$tmp/twice.xsr" -o "$tmp/d.db"
python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[12] = 99; open(sys.argv[2], 'wb').write(d)" "$tmp/a.xsr" "$tmp/hdr.xsr"
expect_fail "a damaged header-size field" 1 "corrupt header: header size 99, not 32" "$X" import "$tmp/hdr.xsr" -o "$tmp/d.db"
printf 'XSRECORDgarbage-garbage-garbage-garbage' >"$tmp/broken.xsr"
printf 'not a record file at all, nor a database' >"$tmp/junk.xsr"
expect_fail "top --replay of a broken record file" 1 "broken.xsr: record file format version" "$X" top --replay "$tmp/broken.xsr" --batch
expect_fail "top --replay of junk named .xsr" 1 "junk.xsr: not an exitscope record file" "$X" top --replay "$tmp/junk.xsr" --batch
finish
