"""Cold CLI: `rag query` as a new process against the sample index, next to the cost of merely
importing sentence-transformers, measured in the same run (medians, interleaved)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bench.common import ROOT, Row, log, p50, rag_exe, run_child

QUESTION = "Which countries lifted restrictions on the use of their weapons?"
FORBIDDEN = ("torch", "sentence_transformers", "gradio", "transformers")
TARGET_S = 1.5
TARGET_RATIO = 1 / 6


def _query_args(sample: dict[str, Path]) -> list[str]:
    return ["query", QUESTION, "--data", str(sample["data"]), "--index", str(sample["index"])]


def importtime(sample: dict[str, Path], top: int = 10) -> list[tuple[str, float]]:
    """Top-level imports of a cold query by cumulative milliseconds (python -X importtime)."""
    run = run_child([sys.executable, "-X", "importtime", "-m", "rag.cli", *_query_args(sample)])
    found: list[tuple[str, float]] = []
    for line in run.err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if m and len(m.group(2)) <= 1:  # imported by the program itself, not by another module
            found.append((m.group(3), int(m.group(1)) / 1000))
    return sorted(found, key=lambda x: -x[1])[:top]


def phases(sample: dict[str, Path]) -> dict[str, Any]:
    run = run_child([sys.executable, str(ROOT / "bench" / "cold_phases.py"), str(sample["data"]),
                     str(sample["index"]), QUESTION])
    try:
        return dict(json.loads(run.out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": run.err[-500:]}


def run(sample: dict[str, Path], rounds: int = 5, st_rounds: int = 3) -> tuple[list[Row], dict[str, Any]]:
    query = [*rag_exe(), *_query_args(sample)]
    st = [sys.executable, "-c", "import sentence_transformers"]
    r = run_child(query)  # page cache warm, like a user's second query
    if r.code != 0:
        raise RuntimeError(f"rag query failed: {r.err[-800:]}")
    times: dict[str, list[float]] = {"query": [], "st": []}
    log(f"cold: {rounds} x rag query, {st_rounds} x import sentence_transformers")
    for i in range(rounds):
        times["query"].append(run_child(query).wall)
        if i < st_rounds:
            times["st"].append(run_child(st).wall)
    q, base = p50(times["query"]), p50(times["st"])
    ok = q <= TARGET_S and q / base <= TARGET_RATIO
    ph = phases(sample)
    imports = importtime(sample)
    rows = [
        Row("cold", "rag query, new process (median)", q, "s", base, "import sentence_transformers",
            f"<= {TARGET_S} s and <= 1/6 of baseline", ok, extra={"runs": times["query"]}),
        Row("cold", "heavy modules imported by the query path", float(len(ph.get("heavy", []))), "modules",
            None, "", "0 (torch, sentence-transformers, transformers, gradio)",
            not ph.get("heavy"), ", ".join(ph.get("heavy", [])) or "none"),
    ]
    return rows, {"phases_ms": ph.get("phases", ph), "importtime_top_ms": imports, "runs_s": times}
