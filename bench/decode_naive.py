#!/usr/bin/env python3
"""A naive batch decoder for bench/decode.sh: the same job as `exitscope decode --json -` written the obvious
way in Python (a name table in a dict, bit fields by shifts, json.dumps per line), the shape of bcc's
kvmexit-style tools. The table comes from `exitscope decode --list --json`, so both decode the same names.
Usage: decode_naive.py TABLE.jsonl < requests > results"""
import json
import sys


def main():
    names = {}
    for line in open(sys.argv[1]):
        e = json.loads(line)
        names[(e["isa"], e["code"])] = e["name"]
    by_name = {(isa, n): c for (isa, c), n in names.items() if n}
    out = sys.stdout
    for lineno, line in enumerate(sys.stdin, 1):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        try:
            isa, reason = w[0], w[1]
            code = int(reason, 0) if reason[0].isdigit() else by_name[(isa, reason.upper())]
            q = int(w[2], 0) if len(w) > 2 else 0
        except (KeyError, ValueError, IndexError) as e:
            out.write(json.dumps({"line": lineno, "error": str(e)}) + "\n")
            continue
        f = {}
        if isa == "vmx" and code == 48:
            for i, k in enumerate(("read", "write", "fetch", "readable", "writable", "executable",
                                   "user_executable", "gla_valid")):
                f[k] = q >> i & 1
            f["nmi_unblocking"] = q >> 12 & 1
        elif isa == "vmx" and code == 30:
            f.update(size=q & 7, direction="IN" if q & 8 else "OUT", string=q >> 4 & 1, rep=q >> 5 & 1,
                     port=q >> 16 & 0xffff)
        elif isa == "vmx" and code == 28:
            f.update(cr=q & 15, access_type=q >> 4 & 3, gpr=q >> 8 & 15)
        elif isa == "svm" and code == 0x400:
            for i, k in enumerate(("present", "write", "user", "rsvd", "fetch")):
                f[k] = q >> i & 1
            f.update(final_translation=q >> 32 & 1, page_walk=q >> 33 & 1)
        elif isa == "svm" and code == 0x7b:
            f.update(port=q >> 16 & 0xffff, direction="IN" if q & 1 else "OUT", string=q >> 2 & 1,
                     rep=q >> 3 & 1)
        out.write(json.dumps({"isa": isa, "reason": code, "name": names.get((isa, code & 0xffff if isa == "vmx"
                                                                             else code)),
                              "qualification": hex(q), "fields": f}, separators=(",", ":")) + "\n")


main()
