"""Build vs txtai: `rag index` and a txtai hybrid index of the same news-like corpus, whole
processes, built alternately in one run; wall time, texts embedded, peak RSS and the ratio; the
same for one 1 MB article; then warm hybrid query p50 of both (threads tried 1 and 2, best kept).

txtai runs from its own venv (bench/txtai_env.py) on the same packaged MiniLM folder, one record
per article with content stored and BM25 + dense scoring (bench/txtai_side.py). Our side is the
real CLI (`rag index --full --json`) and, for queries, `Searcher.search`: grouping, highlighting
(with query-time sentence vectors), the answer and the no-answer decision included.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench import news, txtai_env
from bench.common import ENV, Row, Workspace, log, p50, rag_exe, run_child
from bench.warm import STARTS

SIDE = Path(__file__).resolve().parent / "txtai_side.py"
THREADS = (1, 2)


def questions(texts: list[str], n: int, seed: int = 3) -> list[str]:
    """Questions made of a few words of random corpus sentences (the same for both sides)."""
    from rag.chunk.sentences import sentence_spans
    from rag.search.bm25 import terms

    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        t = rng.choice(texts)
        spans = sentence_spans(t)
        a, b = rng.choice(spans)
        words = terms(t[a:b])
        if len(words) >= 4:
            out.append(f"{rng.choice(STARTS)} {' '.join(rng.sample(words, rng.randint(2, min(7, len(words)))))}?")
    return out


def _ours_build(ws: Workspace, data: Path, name: str) -> dict[str, Any]:
    index = ws.index_dir(name)
    r = run_child([*rag_exe(), "index", "--data", str(data), "--index", str(index), "--full", "--json"],
                  rss=True, timeout=3600)
    if r.code != 0:
        raise RuntimeError(f"rag index failed: {r.err[-600:]}")
    rep = json.loads(r.out)
    return {"wall": r.wall, "cpu": r.cpu, "rss": r.peak_rss, "embedded": rep["embedded"], "chunks": rep["chunks"],
            "index": str(index)}


def _txtai_build(py: Path, data: Path, out: Path, model: str, threads: int) -> dict[str, Any]:
    r = run_child([str(py), str(SIDE), "build", str(data), str(out), model, str(threads)], rss=True,
                  timeout=3600, env={**ENV, "OMP_NUM_THREADS": str(threads)})
    if r.code != 0:
        raise RuntimeError(f"txtai build failed: {r.err[-600:]}")
    rep = json.loads(r.out.strip().splitlines()[-1])
    return {"wall": r.wall, "cpu": r.cpu, "rss": r.peak_rss, "embedded": rep["embedded"], "index": str(out)}


def _ours_query(index: str, data: Path, qfile: Path, threads: int) -> dict[str, Any]:
    r = run_child([sys.executable, "-m", "bench.vs_txtai", "query", index, str(data), str(qfile), str(threads)],
                  env={**ENV, "OMP_NUM_THREADS": str(threads)}, timeout=1800)
    if r.code != 0:
        raise RuntimeError(f"rag query timing failed: {r.err[-600:]}")
    return dict(json.loads(r.out.strip().splitlines()[-1]))


def _txtai_query(py: Path, index: str, qfile: Path, threads: int) -> dict[str, Any]:
    r = run_child([str(py), str(SIDE), "query", index, str(qfile), str(threads)],
                  env={**ENV, "OMP_NUM_THREADS": str(threads)}, timeout=1800)
    if r.code != 0:
        raise RuntimeError(f"txtai query timing failed: {r.err[-600:]}")
    return dict(json.loads(r.out.strip().splitlines()[-1]))


def run(ws: Workspace, n_articles: int, rounds: int, n_questions: int,
        big: bool = True) -> tuple[list[Row], dict[str, Any]]:
    from rag.config import Settings
    from rag.embed import resolve

    py = txtai_env.ensure(log)
    model = str(resolve(Settings.load().index.model).folder)
    data = ws.root / "news-data"
    texts = news.write(data, n_articles)
    info: dict[str, Any] = {"articles": n_articles, "words": sum(len(t.split()) for t in texts),
                            "ours": [], "txtai": []}
    log(f"vs txtai: {n_articles} articles, {info['words']:,} words, {rounds} alternating rounds")
    for i in range(rounds):  # who goes first swaps every round, so a drifting load cancels out
        for side in (("ours", "txtai") if i % 2 == 0 else ("txtai", "ours")):
            info[side].append(_ours_build(ws, data, f"news-ours-{i}") if side == "ours"
                              else _txtai_build(py, data, ws.root / f"news-txtai-{i}", model, 2))
        log(f"vs txtai round {i}: ours {info['ours'][-1]['wall']:.1f} s, txtai {info['txtai'][-1]['wall']:.1f} s")
    ours, theirs = info["ours"], info["txtai"]
    label = f"{n_articles} news-like articles"
    paired = p50([o["wall"] / t["wall"] for o, t in zip(ours, theirs, strict=True)])
    rows = [
        Row("vs txtai", f"build wall time, {label}", p50([o["wall"] for o in ours]), "s",
            p50([t["wall"] for t in theirs]), "txtai hybrid index, same run", "<= 1.0x txtai",
            paired <= 1.0,
            f"medians of {rounds} alternating rounds; median of the per-round ratios {paired:.2f}x; we embed "
            f"{ours[0]['embedded']:,} chunk texts ({ours[0]['chunks']:,} chunks), txtai "
            f"{theirs[0]['embedded']:,} records (one per article, truncated to the model's 256 tokens)"),
        Row("vs txtai", f"build CPU time (user + system), {label}", p50([o["cpu"] for o in ours]), "s",
            p50([t["cpu"] for t in theirs]), "txtai, same run", "",
            None, "the work done, whatever else the machine runs (2 cores: wall ~ cpu / 2 when idle)"),
        Row("vs txtai", f"build peak RSS, {label}", max(o["rss"] for o in ours) / 2**20, "MiB",
            max(t["rss"] for t in theirs) / 2**20, "txtai, same run", "<= txtai",
            max(o["rss"] for o in ours) <= max(t["rss"] for t in theirs)),
    ]
    if big:
        one = ws.root / "big-data"
        news.big_article(one)
        o = _ours_build(ws, one, "big-ours")
        t = _txtai_build(py, one, ws.root / "big-txtai", model, 2)
        info["big"] = {"ours": o, "txtai": t}
        rows.append(Row("vs txtai", "build, one 1 MB article: wall time", o["wall"], "s", t["wall"], "txtai",
                        "", None, f"we embed {o['embedded']:,} chunks; txtai 1 record (truncated to 256 tokens)"))
        rows.append(Row("vs txtai", "build, one 1 MB article: peak RSS", o["rss"] / 2**20, "MiB",
                        t["rss"] / 2**20, "txtai", "<= 500 MiB", o["rss"] <= 500 * 2**20))
    qfile = ws.root / "news-questions.json"
    qfile.write_text(json.dumps(questions(texts, n_questions)), encoding="utf-8")
    q_ours = {n: _ours_query(ours[-1]["index"], data, qfile, n) for n in THREADS}
    q_txtai = {n: _txtai_query(py, theirs[-1]["index"], qfile, n) for n in THREADS}
    info["query"] = {"ours": q_ours, "txtai": q_txtai}
    best_o = min(THREADS, key=lambda n: q_ours[n]["p50_ms"])
    best_t = min(THREADS, key=lambda n: q_txtai[n]["p50_ms"])
    rows.append(Row("vs txtai", f"warm hybrid p50, {label} (everything included)", q_ours[best_o]["p50_ms"], "ms",
                    q_txtai[best_t]["p50_ms"], "txtai hybrid search p50", "<= txtai",
                    q_ours[best_o]["p50_ms"] <= q_txtai[best_t]["p50_ms"],
                    f"{n_questions} questions, k=5; best threads: ours {best_o}, txtai {best_t}; p95 "
                    f"{q_ours[best_o]['p95_ms']:.1f} vs {q_txtai[best_t]['p95_ms']:.1f} ms; sentence texts "
                    f"embedded per query {q_ours[best_o]['sentences_per_query']:.1f} (0: read from the index); "
                    f"ours p50 "
                    f"{q_ours[best_o]['p50_entities_ms']:.0f} ms for the {q_ours[best_o]['entity_questions']} "
                    f"questions asking for entities, {q_ours[best_o]['p50_other_ms']:.0f} ms for the others"))
    return rows, info


def query_main(index: str, data: str, qfile: str, threads: int) -> None:
    """In a fresh process: warm `Searcher.search` p50 over the questions (k=5, hybrid)."""
    from rag.answer.pipeline import Searcher
    from rag.answer.question import analyse
    from rag.config import Settings

    s = Settings.load(index_dir=index, data_dir=data, threads=threads, quiet=True)
    searcher = Searcher(s)
    qs = json.loads(Path(qfile).read_text(encoding="utf-8"))
    for q in qs[:5]:  # warm-up only: not timed
        searcher.search(q, k=5, mode="hybrid")
    before = searcher.sentences.embedded
    times, by_kind = [], {True: [], False: []}  # asks for entities (spaCy reads passages) or not
    for q in qs[5:]:
        t0 = time.perf_counter()
        searcher.search(q, k=5, mode="hybrid")
        times.append((time.perf_counter() - t0) * 1000)
        by_kind[analyse(q).wants_entities].append(times[-1])
    times.sort()
    print(json.dumps({"p50_ms": p50(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "n": len(times),
                      "sentences_per_query": (searcher.sentences.embedded - before) / len(times),
                      "entity_questions": len(by_kind[True]),
                      "p50_entities_ms": p50(by_kind[True]) if by_kind[True] else 0.0,
                      "p50_other_ms": p50(by_kind[False]) if by_kind[False] else 0.0}))


if __name__ == "__main__":
    if sys.argv[1] == "query":
        query_main(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
