#!/usr/bin/env python3
"""Check a Chrome Trace Event JSON file (exitscope export --format trace) with Python's own json parser.

   trace_check.py FILE [--exits N]

Checks: the file parses; traceEvents is a list; every event has the keys its phase requires (ph, name, pid,
tid; ts for X/B/E/C; dur >= 0 for X; args for M and C); B/E events balance per track; timestamps never go back
per track (X/B/E per (pid, tid), C per (pid, name)); X slices on one track do not overlap; every track has a
thread_name and every process a process_name. With --exits, the number of X events must equal N.
Prints a summary line; exits 1 with the first problem found.
"""
import json
import sys


def fail(msg):
    print("trace_check: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        fail("usage: trace_check.py FILE [--exits N]")
    want = None
    if len(sys.argv) == 4 and sys.argv[2] == "--exits":
        want = int(sys.argv[3])
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail("no traceEvents list at the top level")
    last_ts, last_end, open_b = {}, {}, {}
    procs, threads, used_tracks = set(), set(), set()
    counts = {}
    for i, ev in enumerate(doc["traceEvents"]):
        if not isinstance(ev, dict):
            fail(f"event {i} is not an object")
        ph = ev.get("ph")
        for k in ("ph", "name", "pid", "tid"):
            if k not in ev:
                fail(f"event {i} lacks '{k}': {ev}")
        counts[ph] = counts.get(ph, 0) + 1
        if ph == "M":
            if not isinstance(ev.get("args"), dict) or "name" not in ev["args"]:
                fail(f"metadata event {i} without args.name")
            (procs if ev["name"] == "process_name" else threads).add(
                ev["pid"] if ev["name"] == "process_name" else (ev["pid"], ev["tid"]))
            continue
        if ph not in ("X", "B", "E", "C"):
            fail(f"event {i}: unexpected phase {ph!r}")
        ts = ev.get("ts")
        if not isinstance(ts, (int, float)):
            fail(f"event {i} has no numeric ts")
        track = (ev["pid"], ev["name"]) if ph == "C" else (ev["pid"], ev["tid"])
        key = (ph == "C",) + track
        if ts < last_ts.get(key, float("-inf")):
            fail(f"event {i}: ts {ts} goes back on track {track} (last {last_ts[key]})")
        last_ts[key] = ts
        if ph == "C":
            if not isinstance(ev.get("args"), dict) or not all(isinstance(v, (int, float)) for v in ev["args"].values()):
                fail(f"counter event {i} without numeric args")
            continue
        used_tracks.add(track)
        if ph == "X":
            dur = ev.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                fail(f"complete event {i} without a dur >= 0")
            if ts < last_end.get(track, float("-inf")) - 1e-3:
                fail(f"event {i}: slice at {ts} overlaps the previous one on {track} (ends {last_end[track]})")
            last_end[track] = ts + dur
        elif ph == "B":
            open_b[track] = open_b.get(track, 0) + 1
        else:
            if open_b.get(track, 0) <= 0:
                fail(f"event {i}: E without B on track {track}")
            open_b[track] -= 1
    for track, n in open_b.items():
        if n:
            fail(f"{n} B events never ended on track {track}")
    for pid, tid in used_tracks:
        if pid not in procs:
            fail(f"process {pid} has no process_name")
        if (pid, tid) not in threads:
            fail(f"track {(pid, tid)} has no thread_name")
    if want is not None and counts.get("X", 0) != want:
        fail(f"{counts.get('X', 0)} exit slices, expected {want}")
    print(f"trace_check: ok: {len(doc['traceEvents'])} events ({counts}), {len(procs)} processes, "
          f"{len(used_tracks)} tracks")


main()
