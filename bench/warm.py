"""Warm latency: Searcher.search in one long-lived process, per retrieval mode, over ~100 varied
questions, on the sample index and on a synthetic 100k-chunk index."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path
from typing import Any

from bench.common import DATA, ROOT, SCIFACT, Row, log, p50, p95
from rag.config import MODES, Settings

STARTS = ("What did", "Who", "Why did", "How many", "When did", "What is known about", "Which", "Where")
TARGET_MS = {"sample": 25.0, "100k": 60.0}


def news_questions(n: int, seed: int) -> list[str]:
    """The shared evaluation questions, then questions made from the sample articles' words."""
    out: list[str] = []
    shared = ROOT.parent / "shared" / "eval" / "questions.jsonl"
    if shared.is_file():
        out += [json.loads(x)["question"] for x in shared.read_text(encoding="utf-8").splitlines() if x.strip()]
    from rag.search.bm25 import terms

    rng = random.Random(seed)
    sentences = [s for p in sorted(DATA.glob("*.txt"))
                 for s in re.split(r"(?<=[.!?])\s+", p.read_text(encoding="utf-8")) if len(terms(s)) >= 4]
    while len(out) < n and sentences:
        words = terms(rng.choice(sentences))
        pick = rng.sample(words, min(len(words), rng.randint(2, 7)))
        out.append(f"{rng.choice(STARTS)} {' '.join(pick)}?")
    return out[:n]


def scifact_questions(n: int, seed: int) -> list[str]:
    qfile = SCIFACT / "queries.jsonl"
    if not qfile.is_file():
        return []
    qs = [json.loads(x)["text"] for x in qfile.read_text(encoding="utf-8").splitlines() if x.strip()]
    return random.Random(seed).sample(qs, min(n, len(qs)))


def mixed_questions(n: int, news_share: float, seed: int) -> list[str]:
    news = news_questions(round(n * news_share), seed)
    qs = news + scifact_questions(n - len(news), seed)
    if len(qs) < n:
        qs += news_questions(n - len(qs), seed + 1)
    random.Random(seed).shuffle(qs)
    return qs[:n]


def time_searches(settings: Settings, questions: list[str], modes: tuple[str, ...] = MODES,
                  warmup: int = 5) -> dict[str, list[float]]:
    """Milliseconds per search, modes interleaved question by question (fair under noise)."""
    from rag.answer.pipeline import Searcher

    searcher = Searcher(settings)
    for q in questions[:warmup]:
        for mode in modes:
            searcher.search(q, mode=mode)  # type: ignore[arg-type]
    out: dict[str, list[float]] = {m: [] for m in modes}
    for q in questions:
        for mode in modes:
            t0 = time.perf_counter()
            searcher.search(q, mode=mode)  # type: ignore[arg-type]
            out[mode].append((time.perf_counter() - t0) * 1000)
    return out


def st_query_ms(st: Any, questions: list[str]) -> list[float]:
    """Baseline: plain SentenceTransformer.encode of the question alone (warm, same process)."""
    for q in questions[:5]:
        st.encode([q], show_progress_bar=False)
    times = []
    for q in questions:
        t0 = time.perf_counter()
        st.encode([q], show_progress_bar=False, normalize_embeddings=True)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def rows_for(label: str, timings: dict[str, list[float]], baseline: list[float], n_chunks: int,
             note: str = "") -> list[Row]:
    base = p50(baseline)
    rows = []
    for mode, ms in timings.items():
        target = TARGET_MS.get(label) if mode == "hybrid" else None
        value = p50(ms)
        rows.append(Row("warm", f"{mode} p50 ({label}, {n_chunks:,} chunks)", value, "ms", base,
                        "ST.encode(question) p50", f"<= {target:g} ms" if target else "",
                        (value <= target) if target else None, note,
                        {"p95_ms": p95(ms), "n": len(ms)}))
        rows.append(Row("warm", f"{mode} p95 ({label})", p95(ms), "ms", p95(baseline),
                        "ST.encode(question) p95"))
    return rows


def run(sample: dict[str, Path], st: Any, big: dict[str, Path] | None, n_questions: int) -> list[Row]:
    rows: list[Row] = []
    qs = mixed_questions(n_questions, 0.7, seed=11)
    log(f"warm: {len(qs)} questions x {len(MODES)} modes on the sample index")
    s = Settings.load(data_dir=sample["data"], index_dir=sample["index"])
    from rag.answer.pipeline import Searcher

    n_sample = Searcher(s).snapshot().n_chunks
    timings = time_searches(s, qs)
    rows += rows_for("sample", timings, st_query_ms(st, qs), n_sample)
    if big:
        qs_big = mixed_questions(n_questions, 0.3, seed=12)
        for kind, index in big.items():
            s_big = Settings.load(data_dir=sample["data"], index_dir=index)
            snap = Searcher(s_big).snapshot()
            log(f"warm: {len(qs_big)} questions on the synthetic {snap.n_chunks:,}-chunk index ({kind})")
            modes = MODES if kind == "auto" else ("dense", "hybrid")
            timings = time_searches(s_big, qs_big, modes)
            label = "100k" if kind == "auto" else f"100k, forced {kind}"
            note = f"vector index: {snap.ann.kind}"
            rows += rows_for(label, timings, st_query_ms(st, qs_big), snap.n_chunks, note)
    return rows


def prototype_rows(sample: dict[str, Path], big: dict[str, Path], n_questions: int) -> list[Row]:
    """Hybrid p50 as is vs with the recommended changes (bench/proto.py), interleaved question
    by question in one process; and a check that FastBM25 scores equal bm25s' bit for bit."""
    from bench.proto import FastBM25, patch_all
    from rag.answer.pipeline import Searcher

    rows: list[Row] = []
    targets = {"sample": sample["index"], **({"100k": big["auto"]} if "auto" in big else {})}
    for label, index in targets.items():
        qs = mixed_questions(n_questions, 0.7 if label == "sample" else 0.3, seed=13)
        s = Settings.load(data_dir=sample["data"], index_dir=index)
        as_is, proto = Searcher(s), Searcher(s)
        patch_all(proto)
        snap = as_is.snapshot()
        fast = FastBM25.load(snap.gen)
        same = all((fast.scores(q) == snap.bm25.scores(q)).all() for q in qs)
        for q in qs[:5]:
            as_is.search(q)
            proto.search(q)
        t: dict[str, list[float]] = {"as_is": [], "proto": []}
        for q in qs:
            for name, se in (("as_is", as_is), ("proto", proto)):
                t0 = time.perf_counter()
                se.search(q, mode="hybrid")
                t[name].append((time.perf_counter() - t0) * 1000)
        rows.append(Row("warm", f"hybrid p50 with recommended changes ({label}, prototype)", p50(t["proto"]),
                        "ms", p50(t["as_is"]), "hybrid p50 as is, same questions", "", None,
                        f"no ONNX spinning + plain views + FastBM25 (scores identical: {same})",
                        {"p95_ms": p95(t["proto"]), "as_is_p95_ms": p95(t["as_is"])}))
    return rows
