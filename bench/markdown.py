"""Print a results file (bench/results/latest.json) as a Markdown table, for docs/performance.md.

Usage: python bench/markdown.py [results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fmt(v: float) -> str:
    if v == 0 or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results" / "latest.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    load = d["load_average"]
    print(f"{d['seconds'] / 60:.1f} min on {d['cpus']} CPUs, load average {load[0]:.1f} -> {load[1]:.1f}.\n")
    print("| section | figure | value | baseline (same run) | ratio | target | met | note |")
    print("|---|---|---:|---:|---:|---|:-:|---|")
    for r in d["rows"]:
        base = "" if r["baseline"] is None else f"{fmt(r['baseline'])} {r['unit']} ({r['baseline_name']})"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.3g}x"
        met = {True: "yes", False: "**NO**", None: ""}[r["ok"]]
        note = r["note"].replace("|", "/").replace("\n", " ")
        print(f"| {r['section']} | {r['name']} | {fmt(r['value'])} {r['unit']} | {base} | {ratio} | "
              f"{r['target']} | {met} | {note} |")


if __name__ == "__main__":
    main()
