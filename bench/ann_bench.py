"""Scale: flat vs approximate vector indexes at 100k and 1M synthetic-but-realistic vectors
(bench/synth.py): build time, size, peak RSS, search p50, recall@10 against exact search."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, Row, log, run_child
from bench.synth import Mixture, exact_top, recall_at
from rag.config import Settings
from rag.stores.faiss.vectors import choose_kind

WORKER = str(ROOT / "bench" / "ann_worker.py")
TARGETS_1M = {"p50_ms": 5.0, "recall": 0.95, "rss_gib": 2.0}


def make_vectors(folder: Path, mix: Mixture, n: int, nq: int) -> np.ndarray:
    """vectors.npy written block by block (never two copies in memory), queries, ground truth."""
    folder.mkdir(parents=True, exist_ok=True)
    out = np.lib.format.open_memmap(folder / "vectors.npy", mode="w+", dtype=np.float32,
                                    shape=(n, mix.base.shape[1]))
    lo = 0
    for block in mix.chunks(n, seed=n % 9973):
        out[lo:lo + len(block)] = block
        lo += len(block)
    out.flush()
    del out
    queries = mix.sample(nq, seed=424242)
    np.save(folder / "queries.npy", queries)
    truth = exact_top(np.load(folder / "vectors.npy", mmap_mode="r"), queries, 100)
    np.save(folder / "truth.npy", truth)
    return truth


def worker(*args: str) -> dict[str, Any]:
    r = run_child([sys.executable, WORKER, *args], timeout=1800, rss=True)
    if r.code != 0:
        raise RuntimeError(f"ann worker {args} failed: {r.err[-800:]}")
    return {**json.loads(r.out.strip().splitlines()[-1]), "peak_rss": r.peak_rss}


def measure(folder: Path, kind: str, nq: int, truth: np.ndarray) -> dict[str, Any]:
    log(f"ann: {kind} at {folder.name}: build")
    b = worker("build", str(folder), kind)
    log(f"ann: {kind} at {folder.name}: serve {nq} queries (build {b['build_s']:.1f} s)")
    s = worker("serve", str(folder), kind, str(nq))
    found10 = np.load(folder / kind / "found10.npy")
    found100 = np.load(folder / kind / "found100.npy")
    res = {**b, **{f"serve_{k}" if k == "peak_rss" else k: v for k, v in s.items()}, "nq": nq,
           "recall10": recall_at(found10, truth[:nq], 10), "recall100": recall_at(found100, truth[:nq], 100)}
    shutil.rmtree(folder / kind, ignore_errors=True)
    return res


def rows_for(n: int, kind: str, m: dict[str, Any], flat: dict[str, Any], auto: str,
             vec_bytes: int) -> list[Row]:
    label = f"{kind} @ {n:,}" + (" (auto)" if kind == auto else "")
    big = n >= 1_000_000 and kind == auto
    gib = m["serve_peak_rss"] / 2**30
    t = TARGETS_1M
    return [
        Row("scale", f"search p50, {label}", m["p50_ms"], "ms", flat["p50_ms"], "flat exact p50",
            f"<= {t['p50_ms']:g} ms" if big else "", (m["p50_ms"] <= t["p50_ms"]) if big else None,
            f"p95 {m['p95_ms']:.2f} ms; k=100 p50 {m['p50_k100_ms']:.2f} ms"),
        Row("scale", f"recall@10, {label}", m["recall10"], "", 1.0, "exact search",
            f">= {t['recall']}" if big else "", (m["recall10"] >= t["recall"]) if big else None,
            f"recall@100 {m['recall100']:.3f}"),
        Row("scale", f"peak RSS serving, {label}", gib * 1024, "MiB", flat["serve_peak_rss"] / 2**20,
            "flat, same vectors", f"<= {t['rss_gib']:g} GiB" if big else "",
            (gib <= t["rss_gib"]) if big else None,
            f"load + {2 * m['nq']} searches; at the end anon "
            f"{m.get('RssAnon', 0) / 2**20:,.0f} + file-backed {m.get('RssFile', 0) / 2**20:,.0f} MiB"),
        Row("scale", f"build time, {label}", m["build_s"], "s", flat["build_s"], "flat build",
            note=f"build peak RSS {m['peak_rss'] / 2**20:,.0f} MiB (vectors in memory)"),
        Row("scale", f"index size, {label}", m["size_bytes"] / 2**20, "MiB", vec_bytes / 2**20,
            "vectors.npy", note={"ivf": "codes only: re-scores from vectors.npy, which every generation has",
                                 "flat": "searched from vectors.npy (the FAISS copy is only written)",
                                 "hnsw": "graph + a float32 copy of every vector"}.get(kind, "")),
    ]


def run(base: np.ndarray, root: Path, sizes: list[int], hnsw_max: int, nq: int) -> tuple[list[Row], dict[str, Any]]:
    mix = Mixture(base)
    threshold = Settings.load().index.ann_threshold
    rows: list[Row] = []
    info: dict[str, Any] = {}
    for n in sizes:
        folder = root / f"ann-{n}"
        t0 = time.perf_counter()
        log(f"ann: generating {n:,} vectors around {len(base):,} real embeddings")
        truth = make_vectors(folder, mix, n, nq)
        info[f"{n}_generate_s"] = time.perf_counter() - t0
        auto = choose_kind(n, "auto", threshold)
        kinds = ["flat", "ivf"] + (["hnsw"] if n <= hnsw_max else [])
        results = {k: measure(folder, k, nq if k != "flat" else min(nq, 40), truth) for k in kinds}
        vec_bytes = (folder / "vectors.npy").stat().st_size
        for k in kinds:
            rows += rows_for(n, k, results[k], results["flat"], auto, vec_bytes)
        info[str(n)] = results
        q = np.load(folder / "queries.npy")
        top = exact_top(np.load(folder / "vectors.npy", mmap_mode="r"), q[:50], 10)
        v = np.load(folder / "vectors.npy", mmap_mode="r")
        info[f"{n}_mean_top10_cosine"] = float(np.mean([q[i] @ v[top[i, 9]] for i in range(len(top))]))
        shutil.rmtree(folder, ignore_errors=True)
    return rows, info
