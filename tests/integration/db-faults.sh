#!/usr/bin/env bash
# Bad input and faults: a file that is not SQLite, somebody else's SQLite file, a newer schema, a read-only
# store, a full disk, corrupt record files. Each must give a one-line error naming the problem and a non-zero
# status, and keep what could be kept.
source "$(dirname "$0")/db-lib.bash"
need_tools
"$TOP_SYNTH" -o "$tmp/a.xsr" --count 2000 --rate 100000

head -c 10000 /dev/urandom >"$tmp/junk.db"
expect_fail "report of a file that is not SQLite" 1 "junk.db: not an SQLite database" "$X" report "$tmp/junk.db"
expect_fail "import into a file that is not SQLite" 1 "not an SQLite database" "$X" import "$tmp/a.xsr" -o "$tmp/junk.db"
sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
expect_fail "query of somebody else's SQLite file" 1 "not an exitscope store" "$X" query "$tmp/other.db" "SELECT 1"
expect_fail "import into somebody else's SQLite file" 1 "not an exitscope store" "$X" import "$tmp/a.xsr" -o "$tmp/other.db"
check "which is left alone" [ "$(sqlite3 "$tmp/other.db" "SELECT count(*) FROM sqlite_schema")" = 1 ]

"$X" import "$tmp/a.xsr" -o "$tmp/new.db" >/dev/null
sqlite3 "$tmp/new.db" "PRAGMA user_version = 42"
expect_fail "a newer schema version is refused" 1 "schema version 42 is newer than this exitscope understands" "$X" runs "$tmp/new.db"
expect_fail "and not written to" 1 "schema version 42 is newer" "$X" import "$tmp/a.xsr" -o "$tmp/new.db"
expect_fail "a directory" 1 "not a regular file" "$X" report "$tmp"

# Read-only: root ignores file modes, so make the file immutable (chattr) or the mount read-only.
"$X" import "$tmp/a.xsr" -o "$tmp/ro.db" >/dev/null
if chattr +i "$tmp/ro.db" 2>/dev/null; then
	cleanup_hooks+=("chattr -i '$tmp/ro.db' 2>/dev/null")
	expect_fail "writing a read-only store" 1 "ro.db: read-only" "$X" import --again "$tmp/a.xsr" -o "$tmp/ro.db"
	check "reading a read-only store works" [ "$(q "$tmp/ro.db" "SELECT exits FROM runs")" = 2000 ]
	check "report of a read-only store works" "$X" report "$tmp/ro.db" -j >/dev/null
	chattr -i "$tmp/ro.db"
else
	mkdir "$tmp/romnt"
	mount -t tmpfs tmpfs "$tmp/romnt" || { echo "cannot make a read-only file here (no chattr, no mount)"; exit 1; }
	cleanup_hooks+=("umount '$tmp/romnt'")
	cp "$tmp/ro.db" "$tmp/romnt/ro.db"
	mount -o remount,ro "$tmp/romnt"
	expect_fail "writing a store on a read-only mount" 1 "ro.db: read-only" "$X" import --again "$tmp/a.xsr" -o "$tmp/romnt/ro.db"
	check "reading a store on a read-only mount works" [ "$(q "$tmp/romnt/ro.db" "SELECT exits FROM runs")" = 2000 ]
fi

# A full disk: a 1 MiB tmpfs; the import runs out of space.
mkdir "$tmp/small"
mount -t tmpfs -o size=1m tmpfs "$tmp/small" || { echo "cannot mount a small tmpfs for the full-disk test"; exit 1; }
cleanup_hooks+=("umount '$tmp/small'")
"$TOP_SYNTH" -o "$tmp/big.xsr" --count 200000 --rate 100000
expect_fail "import onto a full disk" 1 "database or disk is full" "$X" import "$tmp/big.xsr" -o "$tmp/small/full.db"
check "the error is one line" [ "$(grep -c . "$tmp/err")" = 1 ]
if [ -s "$tmp/small/full.db" ]; then
	check "the full store still opens and is intact" [ "$(sqlite3 "$tmp/small/full.db" "PRAGMA integrity_check")" = ok ]
	check "and every stored exit is counted in its run" [ "$(q "$tmp/small/full.db" "SELECT count(*) = (SELECT sum(exits) FROM runs) FROM exits")" = 1 ]
fi

# Corrupt record files.
printf 'NOTARECORDFILE-at-all-0123456789' >"$tmp/bad-magic.xsr"
expect_fail "a record file with a bad magic" 1 "bad-magic.xsr" "$X" import "$tmp/bad-magic.xsr" -o "$tmp/c.db"
check "creates no run" [ ! -e "$tmp/c.db" ] || [ "$(q "$tmp/c.db" "SELECT count(*) FROM runs")" = 0 ]
size=$(stat -c %s "$tmp/a.xsr")
head -c $((size - 1000)) "$tmp/a.xsr" >"$tmp/cut.xsr"
expect_fail "a record file cut short" 1 "cut.xsr" "$X" import "$tmp/cut.xsr" -o "$tmp/c.db"
kept=$(q "$tmp/c.db" "SELECT exits FROM runs WHERE imported_from LIKE '%cut.xsr'")
check "keeps the records before the cut ($kept)" [ "$kept" -gt 0 ] && [ "$kept" -lt 2000 ]
check "and says so in the run's metadata" [ "$(q "$tmp/c.db" "SELECT count(*) FROM run_meta WHERE key = 'import.problem'")" = 1 ]
# Damage the version field of the 11th record of the first RECORDS chunk.
python3 - "$tmp/a.xsr" "$tmp/flipped.xsr" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pos = 32
while pos < len(data):
    kind, length = struct.unpack_from("<II", data, pos)
    if kind == 1:
        struct.pack_into("<H", data, pos + 8 + 192 * 10, 7)
        break
    pos += 8 + length
open(sys.argv[2], "wb").write(data)
PY
expect_fail "a record file with an invalid record" 1 "records lost (the END chunk counts 2000" "$X" import "$tmp/flipped.xsr" -o "$tmp/c.db"
expect_fail "a record file that is not there" 1 "none.xsr" "$X" import "$tmp/none.xsr" -o "$tmp/c.db"
check "the store survives all of it" [ "$(sqlite3 "$tmp/c.db" "PRAGMA integrity_check")" = ok ]
finish
