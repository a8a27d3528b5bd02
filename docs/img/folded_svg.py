#!/usr/bin/env python3
"""Draw folded stacks ("a;b;c count" lines) as a flame graph SVG: the layout of flamegraph.pl (root at the
bottom, each frame as wide as its count, children left to right in name order). For the docs only."""
import html, sys

W, H, PAD = 1100, 22, 8
root = {"n": 0, "kids": {}}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    stack, count = line.rsplit(" ", 1)
    node = root
    node["n"] += int(count)
    for f in stack.split(";"):
        node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
        node["n"] += int(count)

def depth(node):
    return 1 + max((depth(k) for k in node["kids"].values()), default=0)

levels = depth(root)
height = levels * H + 40
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W + 2 * PAD}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<rect width="100%" height="100%" fill="#fff"/>',
       f'<text x="{PAD}" y="16">{html.escape(sys.argv[2] if len(sys.argv) > 2 else "")}</text>']
palette = ["#e5553b", "#ee8a3a", "#f0a23c", "#e8703a", "#f2b64a"]

def draw(name, node, x, level):
    w = W * node["n"] / root["n"]
    y = height - (level + 1) * H
    out.append(f'<g><title>{html.escape(name)} ({node["n"]})</title>'
               f'<rect x="{PAD + x:.1f}" y="{y}" width="{max(w - 1, 0.5):.1f}" height="{H - 1}" fill="{palette[(hash(name) & 0xff) % len(palette)]}"/>')
    label = f"{name} ({node['n']})"
    if w > 7 * len(label):
        out.append(f'<text x="{PAD + x + 3:.1f}" y="{y + 15}">{html.escape(label)}</text>')
    elif w > 40:
        out.append(f'<text x="{PAD + x + 3:.1f}" y="{y + 15}">{html.escape(label[: int(w / 7) - 2])}..</text>')
    out.append("</g>")
    for kid in sorted(node["kids"]):
        draw(kid, node["kids"][kid], x, level + 1)
        x += W * node["kids"][kid]["n"] / root["n"]

draw("all exits", root, 0, 0)
out.append("</svg>")
print("\n".join(out))
