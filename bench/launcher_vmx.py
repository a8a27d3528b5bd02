#!/usr/bin/env python3
"""The vmx backend's streaming (called by bench/launcher.sh): `exitscope run --backend vmx --print` as a user
runs it, each record line timestamped as it arrives on our end of the pipe.

  launcher_vmx.py EXITSCOPE ITERATIONS ROUNDS

Per round: time from the command's start to the first record line (Bochs boot, the runner reading its disk,
the first exit streamed out of the emulator), and records/s streamed from the first to the last record, with
the full guest state (576-byte records) and without it (record.guest_state=off: the core record only).
Prints `RESULT launcher <name> <value> <unit>` lines with the median of the rounds.
"""
import statistics
import subprocess
import sys
import time


def one(exitscope, iterations, extra):
    cmd = [exitscope, "run", "--backend", "vmx", "--guest", "cpuid", "--iterations", str(iterations), "--print",
           *extra]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = last = None
    n = 0
    for line in p.stdout:
        if "vmx " not in line or " exits in " in line:
            continue
        now = time.monotonic()
        if first is None:
            first = now
        last = now
        n += 1
    p.wait()
    if p.returncode != 0 or first is None:
        sys.exit(f"launcher_vmx: {' '.join(cmd)} failed: {p.stderr.read().strip()}")
    return first - t0, (n - 1) / (last - first) if last > first else 0.0, n


def main():
    exitscope, iterations, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for label, extra in (("gs_full", []), ("gs_off", ["--control", "record.guest_state=off"])):
        firsts, rates = [], []
        for _ in range(rounds):
            f, r, n = one(exitscope, iterations, extra)
            firsts.append(f)
            rates.append(r)
        print(f"vmx backend, guest state {label[3:]}: {n} records per run; first record after "
              f"{statistics.median(firsts):.3f} s (min {min(firsts):.3f}), {statistics.median(rates):.0f} records/s "
              f"streamed (max {max(rates):.0f})")
        print(f"RESULT\tlauncher\tvmx_first_record_s_{label}\t{statistics.median(firsts):.3f}\ts")
        print(f"RESULT\tlauncher\tvmx_records_per_s_{label}\t{statistics.median(rates):.0f}\trecords/s")


if __name__ == "__main__":
    main()
