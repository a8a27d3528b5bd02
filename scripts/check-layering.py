#!/usr/bin/env python3
"""Check every #include of ours against the include table in docs/architecture.md.

The table ("## Who may include whom") has one row per directory: the directory (or a sub-directory, the
longest match wins) and what its files may include, each a directory or a single header, or `*` for
anything. A file whose directory has no row, or an include of a directory the table does not name, is an
error too, so that a new directory must be declared before it builds. Prints one line per violation,
file:line, the include and the rule it breaks, and exits 1; prints a summary and exits 0 when clean.

    scripts/check-layering.py [REPO]
"""
import os
import re
import subprocess
import sys

DOC = "docs/architecture.md"
HEADING = "## Who may include whom"
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def read_rules(root):
    """Return [(directory/, [allowed prefix or '*', ...])] from the table under HEADING."""
    with open(os.path.join(root, DOC), encoding="utf-8") as f:
        lines = f.read().splitlines()
    try:
        start = lines.index(HEADING)
    except ValueError:
        sys.exit(f"{DOC}: no '{HEADING}' section: the include table is missing")
    rules = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        directory = cells[0].strip("`")
        allowed = re.findall(r"`([^`]+)`", cells[1])
        if not directory.endswith("/") or not allowed:
            sys.exit(f"{DOC}: bad include-table row: {line}")
        rules.append((directory, allowed))
    if not rules:
        sys.exit(f"{DOC}: the include table under '{HEADING}' has no rows")
    return rules


def source_files(root):
    """The C files git knows of (tracked, or new and not ignored); every file below root outside git."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"],
                             check=True, capture_output=True, text=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        out = []
        for d, subdirs, files in os.walk(root):
            subdirs[:] = [s for s in subdirs if not s.startswith((".", "build"))]
            out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted({p for p in out if p.endswith((".c", ".h")) and os.path.isfile(os.path.join(root, p))})


def rule_for(path, rules):
    best = None
    for directory, allowed in rules:
        if path.startswith(directory) and (best is None or len(directory) > len(best[0])):
            best = (directory, allowed)
    return best


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    rules = read_rules(root)
    top = {d.split("/")[0] for d, _ in rules}
    bad = 0
    files = source_files(root)
    for path in files:
        rule = rule_for(path, rules)
        if rule is None:
            print(f"{path}:1: {os.path.dirname(path)}/ is not in {DOC}'s include table: declare it there")
            bad += 1
            continue
        directory, allowed = rule
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                quote, name = m.groups()
                first = name.split("/")[0]
                if first == "exitscope":
                    target = "include/" + name
                elif "/" in name and first in top:
                    target = name
                elif quote == "<":
                    continue  # a system header
                elif "/" not in name:
                    target = os.path.join(os.path.dirname(path), name)  # beside the file (or generated)
                else:
                    print(f"{path}:{n}: includes \"{name}\": {first}/ is not in {DOC}'s include table")
                    bad += 1
                    continue
                if "*" in allowed or any(target.startswith(a) for a in allowed):
                    continue
                print(f"{path}:{n}: includes \"{name}\", but {directory} may include only "
                      f"{', '.join(allowed)} ({DOC})")
                bad += 1
    if bad:
        print(f"layering: {bad} violation(s)")
        return 1
    print(f"layering: ok ({len(files)} files, {len(rules)} rules from {DOC})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
