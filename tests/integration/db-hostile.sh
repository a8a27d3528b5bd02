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

# ---- import: where it writes, twice the same file, a full disk ----
expect_fail "import -o '' is refused" 2 "not an empty string" "$X" import "$tmp/a.xsr" -o ""
expect_fail "import -o x.xsr is refused" 2 "a .xsr name is for record files" "$X" import "$tmp/a.xsr" -o "$tmp/out.xsr"
check "and writes nothing there" [ ! -e "$tmp/out.xsr" ]
cp "$tmp/a.xsr" "$tmp/copy.xsr"
expect_fail "the same content imported twice is refused" 1 "already imported as run 1 of" "$X" import "$tmp/copy.xsr" -o "$tmp/a.db"
check "so report --run all does not count it twice" [ "$(q "$tmp/a.db" "SELECT count(*) FROM runs")" = 1 ]
check "--again imports it once more" eval '"$X" import --again "$tmp/copy.xsr" -o "$tmp/a.db" >/dev/null'
check "as a second run" [ "$(q "$tmp/a.db" "SELECT count(*) FROM runs")" = 2 ]

# A full disk: the store is blamed, not the file; every record of the file is either stored or counted as
# dropped; the run ends 'failed', or 'incomplete' when even that cannot be written.
mkdir "$tmp/small"
"$TOP_SYNTH" -o "$tmp/big.xsr" --count 200000 --rate 100000
for size in 1m 176k 160k; do
	mount -t tmpfs -o size=$size tmpfs "$tmp/small" || { echo "cannot mount a small tmpfs"; exit 1; }
	"$X" import "$tmp/big.xsr" -o "$tmp/small/full.db" >/dev/null 2>"$tmp/err"
	rc=$?
	check "full disk ($size): status 1" [ $rc = 1 ]
	check "full disk ($size): the store is blamed, not the file, in one line" eval '! grep -q "no END chunk\|cut short" "$tmp/err" && grep -q "full.db.*database or disk is full" "$tmp/err" && [ "$(grep -c . "$tmp/err")" = 1 ]'
	if [ -s "$tmp/small/full.db" ] && [ -n "$(q "$tmp/small/full.db" "SELECT run_id FROM runs")" ]; then
		state=$("$X" runs "$tmp/small/full.db" --format csv | sed -n 2p | cut -d, -f4)
		check "full disk ($size): the run is failed or incomplete, never recording ($state)" eval '[ "$state" = failed ] || [ "$state" = incomplete ]'
		if [ "$state" = failed ]; then
			check "full disk ($size): stored + dropped = the file's 200000" [ "$(q "$tmp/small/full.db" "SELECT exits + dropped FROM runs")" = 200000 ]
		fi
		stored=$(q "$tmp/small/full.db" "SELECT count(*) FROM exits")
		[ -n "$stored" ] || stored=0
		check "full disk ($size): the message counts what is stored ($stored)" grep -q "$stored of the file's 200000 records are stored" "$tmp/err"
	fi
	umount "$tmp/small"
done
mount -t tmpfs -o size=1m tmpfs "$tmp/small" && cleanup_hooks+=("umount '$tmp/small' 2>/dev/null")
"$X" import "$tmp/big.xsr" -o "$tmp/small/full.db" >/dev/null 2>&1
check "on a 1 MiB disk the run ends failed" [ "$("$X" runs "$tmp/small/full.db" --format csv | sed -n 2p | cut -d, -f4)" = failed ]
umount "$tmp/small"

# ---- a live writer is 'recording', a dead one 'incomplete' ----
"$TOP_SYNTH" -o "$tmp/live.xsr" --count 400000 --rate 100000
"$X" import "$tmp/live.xsr" -o "$tmp/live.db" >/dev/null 2>&1 &
writer=$!
for _ in $(seq 200); do
	[ "$(q "$tmp/live.db" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] && break
	sleep 0.05
done
kill -STOP $writer
check "a run whose writer is alive shows as recording" [ "$("$X" runs "$tmp/live.db" --format csv | sed -n 2p | cut -d, -f4)" = recording ]
check "report says it is still recording" eval '"$X" report "$tmp/live.db" | head -1 | grep -q "still recording"'
{ kill -9 $writer; kill -CONT $writer; wait $writer; } 2>/dev/null
check "once the writer is dead it shows as incomplete" [ "$("$X" runs "$tmp/live.db" --format csv | sed -n 2p | cut -d, -f4)" = incomplete ]
check "report says the writer did not finish" eval '"$X" report "$tmp/live.db" | head -1 | grep -q "the writer did not finish"'
check "importing it again is not refused (the first import is incomplete)" eval '"$X" import "$tmp/live.xsr" -o "$tmp/live.db" >/dev/null'

# ---- a run that failed leaves a 'failed' run, and a record file no reader takes for a whole recording ----
# (--backend kvm: with the default backend a host without KVM runs the guest on the vmx backend instead)
EXITSCOPE_KVM=/nonexistent "$X" run --backend kvm -o "$tmp/failed.db" >/dev/null 2>&1
check "run without KVM: the store's run is failed, not complete" [ "$(q "$tmp/failed.db" "SELECT state || ' ' || exits FROM runs")" = "failed 0" ]
EXITSCOPE_KVM=/nonexistent "$X" run --backend kvm -o "$tmp/failed.xsr" >/dev/null 2>&1
expect_fail "run without KVM: its record file imports as failed" 1 "the run that wrote it failed" "$X" import "$tmp/failed.xsr" -o "$tmp/failed2.db"
check "and the imported run is failed too" [ "$(q "$tmp/failed2.db" "SELECT state FROM runs")" = failed ]
expect_fail "and top --replay says the same" 1 "the run that wrote it failed" "$X" top --replay "$tmp/failed.xsr" --batch --speed 0

# ---- every output path checks its writes: a full device fails the command, with a message ----
if [ -w /dev/full ]; then
	for cmd in "runs $tmp/a.db" "report $tmp/a.db" "report $tmp/a.db -j" "query $tmp/a.db SELECT(1)" \
		"decode --isa vmx 28 0x3" "version" "--help" "import --again $tmp/a.xsr -o $tmp/full-out.db" \
		"top --replay $tmp/a.xsr --batch --speed 0"; do
		# shellcheck disable=SC2086
		"$X" $cmd >/dev/full 2>"$tmp/err"
		rc=$?
		check "$cmd > /dev/full fails with a message (status $rc)" eval '[ $rc -ne 0 ] && [ -s "$tmp/err" ]'
	done
fi

# ---- numeric options are range-checked, overflow included ----
for args in "run --duration 1e300" "run --duration 1e10" "record --duration 1e300" "top --replay $tmp/a.xsr --interval 1e300 --batch" \
	"report $tmp/a.db --run 99999999999999999999" "top --replay $tmp/a.xsr --speed 1e400 --batch"; do
	# shellcheck disable=SC2086
	EXITSCOPE_KVM=/nonexistent timeout 20 "$X" $args >/dev/null 2>"$tmp/err"
	rc=$?
	check "$args is refused as a usage error (status $rc)" eval '[ $rc = 2 ] && [ "$(grep -c . "$tmp/err")" -ge 1 ]'
done

# ---- outside text reaches terminals without escape sequences, and JSON as valid UTF-8 ----
python3 - "$tmp/a.xsr" "$tmp/evil.xsr" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
def meta(k, v):
    payload = k + b"\0" + v + b"\0"
    return struct.pack("<II", 2, len(payload)) + payload
evil = b"\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m bad\xff\xfe utf8 \xe2\x82"
out = data[:32] + meta(b"run.host", evil) + meta(b"run.guest", b"g\x1b[31m") + meta(b"run.kernel", evil) + data[32:]
open(sys.argv[2], "wb").write(out)
PY
"$X" import "$tmp/evil.xsr" -o "$tmp/evil.db" >/dev/null
no_escapes() { ! LC_ALL=C grep -q $'\x1b\|\x07\|\xc2\x9b' "$1"; }
valid_json() { python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$1"; }
"$X" runs "$tmp/evil.db" >"$tmp/out"
check "runs (table) shows no raw escape" no_escapes "$tmp/out"
check "and shows the bytes visibly" grep -qF '\x1b]0;pwned' "$tmp/out"
"$X" runs "$tmp/evil.db" --format csv >"$tmp/out"
check "runs (csv) shows no raw escape" no_escapes "$tmp/out"
"$X" runs "$tmp/evil.db" --format json >"$tmp/out"
check "runs (json) is valid UTF-8 JSON" valid_json "$tmp/out"
check "runs (json) has no raw escape" no_escapes "$tmp/out"
"$X" query "$tmp/evil.db" "SELECT host, guest, cmdline FROM runs" --format json >"$tmp/out"
check "query (json) is valid UTF-8 JSON" valid_json "$tmp/out"
"$X" report "$tmp/evil.db" >"$tmp/out"
check "report (text) shows no raw escape" no_escapes "$tmp/out"
"$X" report "$tmp/evil.db" -j >"$tmp/out"
check "report (json) is valid UTF-8 JSON" valid_json "$tmp/out"
check "report (json) has no raw escape" no_escapes "$tmp/out"
"$X" top --replay "$tmp/evil.xsr" --batch --speed 0 >"$tmp/out" 2>&1
check "top --replay --batch shows no raw escape" no_escapes "$tmp/out"
"$X" top --replay "$tmp/evil.db" --batch --speed 0 >"$tmp/out" 2>&1
check "top --replay of the store shows no raw escape" no_escapes "$tmp/out"

# ---- messages that named the wrong thing (the record-file ones are above) ----
"$X" import "$tmp/a.xsr" -o "$tmp/empty.db" >/dev/null
"$X" query --write "$tmp/empty.db" "DELETE FROM runs" >/dev/null
expect_fail "report --run all of an empty store" 1 "no runs in this store yet" "$X" report "$tmp/empty.db" --run all
check "not 'no run -1'" eval '! grep -q "run -1" "$tmp/err"'
finish
