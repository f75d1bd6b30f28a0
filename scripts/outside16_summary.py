"""Summarise a run of scripts/outside16.py (JSON lines): every sample, medians, ratios, targets."""
from __future__ import annotations

import json
import math
import statistics
import sys
from collections import defaultdict


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[max(1, math.ceil(p / 100 * len(xs))) - 1]


def main() -> None:
    rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.startswith("{")]
    by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if "ms" in r:
            by[(r["kind"], r["what"])].append(r)
    for r in rows:
        if r["kind"] in ("begin", "end"):
            print(f"{r['kind']:5} {r['what']:6} {r['at']} load {[round(x, 2) for x in r['loadavg']]}")
    med = {k: statistics.median(x["ms"] for x in v) for k, v in by.items()}
    print()
    for (kind, what), v in sorted(by.items()):
        ms = [x["ms"] for x in v]
        cpu = [x["cpu_ms"] for x in v if x.get("cpu_ms") is not None]
        extra = f" cpu median {statistics.median(cpu):.0f} ms" if cpu else ""
        print(f"{kind}/{what}: n={len(ms)} median {statistics.median(ms):.1f} p50 {pct(ms, 50):.1f} "
              f"p99 {pct(ms, 99):.1f} min {min(ms):.1f} max {max(ms):.1f} "
              f"load {min(x['load1'] for x in v):.2f}-{max(x['load1'] for x in v):.2f}{extra}")
        print("   samples:", " ".join(f"{m:g}" for m in ms))
        if cpu:
            print("   cpu ms: ", " ".join(f"{c:g}" for c in cpu))
        own = [x["own_log_ms"] for x in v if "own_log_ms" in x]
        if own:
            print(f"   sender's own log: median {statistics.median(own):.1f} p99 {pct(own, 99):.1f}")
            print("   own samples:", " ".join(f"{m:g}" for m in own))
    print()

    def ratio(a: tuple[str, str], b: tuple[str, str], target: float, label: str) -> None:
        if a in med and b in med:
            r = med[a] / med[b]
            print(f"{label}: {med[a]:.1f} / {med[b]:.1f} = {r:.2f}x (target <= {target}x) "
                  f"{'met' if r <= target else 'MISSED'}")
            ca = [x["cpu_ms"] for x in by[a] if x.get("cpu_ms") is not None]
            cb = [x["cpu_ms"] for x in by[b] if x.get("cpu_ms") is not None]
            if ca and cb:
                print(f"   in CPU: {statistics.median(ca):.0f} / {statistics.median(cb):.0f} = "
                      f"{statistics.median(ca) / statistics.median(cb):.2f}x")

    ratio(("open", "peers_open_big"), ("open", "floor_paint"), 1.2, "peers open 1M / bare paint")
    ratio(("open", "peers_open_big_base"), ("open", "floor_paint"), 1.2, "base: peers open 1M / bare paint")
    ratio(("open", "peers_open_big"), ("open", "peers_open_small"), 1.25, "peers open 1M / open 100")
    ratio(("cold", "peers_200_groups_base"), ("cold", "floor_paint"), 1.2, "base: cold start / bare paint")
    ratio(("cold", "peers_200_groups"), ("cold", "floor_paint"), 1.2, "cold start 200 groups / bare paint")
    ratio(("send", "peers_send"), ("send", "floor_sqlite_insert"), 3, "peers send / sqlite3 INSERT")
    ratio(("echo", "peers_composer"), ("echo", "floor_textarea"), 1.2, "echo / bare TextArea echo")
    ratio(("echo", "peers_composer"), ("echo", "floor_input"), 1.2, "echo / bare Input echo")
    for kind, what in sorted(by):
        v = by[(kind, what)]
        for part in ("group_list_ms", "roster_ms", "footer_ms", "settled_ms"):
            xs = [x[part] for x in v if x.get(part) is not None]
            if xs and ("floor_paint" in {w for k, w in by if k == kind}):
                fl = med[(kind, "floor_paint")]
                print(f"{kind}/{what} {part}: median {statistics.median(xs):.0f} ms = "
                      f"{statistics.median(xs) / fl:.2f}x floor ({len(xs)} of {len(v)} within the window)")
        full = [max(x[p] for p in ("group_list_ms", "roster_ms", "footer_ms")) for x in v
                if all(x.get(p) is not None for p in ("group_list_ms", "roster_ms", "footer_ms"))]
        if full and (kind, "floor_paint") in med:
            print(f"{kind}/{what} FULL SCREEN (newest row + group list + roster + footer): median "
                  f"{statistics.median(full):.0f} ms = {statistics.median(full) / med[(kind, 'floor_paint')]:.2f}x floor")
            print("   samples:", " ".join(f"{m:g}" for m in full))
    for key, limit, label in ((("alt", "to_big_first"), 60, "Alt+N first switch to 1M, median"),
                              (("alt", "to_big_again"), 60, "Alt+N later switches to 1M, median")):
        if key in med:
            print(f"{label}: {med[key]:.1f} ms (target <= {limit}) "
                  f"{'met' if med[key] <= limit else 'MISSED'}")
    key = ("enter", "enter_to_other_screen")
    if key in by:
        ms = [x["ms"] for x in by[key]]
        p50, p99 = pct(ms, 50), pct(ms, 99)
        print(f"Enter to the other screen: p50 {p50:.1f} ms (<= 25 {'met' if p50 <= 25 else 'MISSED'}),"
              f" p99 {p99:.1f} ms (<= 60 {'met' if p99 <= 60 else 'MISSED'})")


if __name__ == "__main__":
    main()
