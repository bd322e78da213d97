"""The PostgreSQL + pgvector store beside the FAISS store at 100k chunks.

Both stores take the same synthetic build result (real SciFact sentences as texts, vectors drawn
around real MiniLM embeddings: clustered like real ones, not uniform) through their real
``commit``; then: build time, vector search p50/p95 through the snapshot (as the app searches),
recall@10 against exact search, queries per second with 4 concurrent client processes, and the
keyword-side comparison that chose the project's BM25 over ``ts_rank_cd`` (docs/scaling.md).

    python bench/pg_bench.py [--n 100000] [--nq 200] [--clients 4] [--out bench/results/pg.json]

From bench/run.py: ``run_pg_bench(n=100_000) -> dict`` (``rows`` is a list of table rows).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bench.common import ROOT, SCIFACT, Workspace, log, scifact_docs
from bench.pg_bench_parts import (
    concurrent_qps,
    keyword_quality,
    start_server,
    synthetic_result,
    timed_keyword,
    timed_searches,
)
from bench.synth import exact_top, recall_at
from rag.config import Settings


def base_embeddings(ws: Workspace, docs: list[dict[str, str]], n: int = 800) -> np.ndarray:
    """Real MiniLM embeddings of SciFact titles: the centres the synthetic vectors are drawn around."""
    from rag.embed.onnx import OnnxEncoder

    titles = [d.get("title") or d["text"][:200] for d in docs[:n]]
    return OnnxEncoder(ws.export_dir()).encode(titles)


def run_pg_bench(n: int = 100_000, nq: int = 200, clients: int = 4, k: int = 10, seconds: float = 20.0,
                 base: np.ndarray | None = None, database_url: str | None = None,
                 workdir: Path | None = None, keyword: bool = True) -> dict[str, Any]:
    """Build both stores over the same ``n`` chunks and measure them; returns the figures."""
    from rag.stores.faiss.store import FaissStore
    from rag.stores.postgres.store import PostgresStore

    root = workdir or Path(tempfile.mkdtemp(prefix="rag-pg-bench-"))
    ws = Workspace(root)
    docs = scifact_docs()
    if not docs:
        raise RuntimeError(f"SciFact is not at {SCIFACT} (set RAG_BENCH_SCIFACT)")
    base = base_embeddings(ws, docs) if base is None else base
    url = database_url or os.environ.get("RAG_DATABASE_URL") or start_server(root)
    log(f"pg bench: {n:,} chunks, {nq} queries, {clients} clients")
    result = synthetic_result(n, docs, base, ws.export_dir().name)
    queries = synthetic_queries(base, nq)
    truth = exact_top(result.vectors, queries, k)
    out: dict[str, Any] = {"n": n, "nq": nq, "clients": clients, "k": k,
                           "sentences": sum(len(c.sentences) for c in result.chunks),
                           "documents": len(result.sources), "load_avg": os.getloadavg()[0], "stores": {}}
    for store in ("faiss", "postgres"):
        settings = Settings.load(data_dir=root / "data", index_dir=ws.index_dir(f"index-{store}"), store=store,
                                 database_url=url if store == "postgres" else None, quiet=True)
        if store == "postgres":
            reset(url)
        log(f"pg bench: committing {n:,} chunks to the {store} store")
        t0 = time.perf_counter()
        (PostgresStore(settings) if store == "postgres" else FaissStore(settings)).commit(result)
        build_s = time.perf_counter() - t0
        ms, rows = timed_searches(settings, queries, k)
        kw = timed_keyword(settings, [d["text"] for d in scifact_queries(nq)])
        from rag.stores import SnapshotHolder

        kind = SnapshotHolder(settings).get().ann.kind
        log(f"pg bench: {store} searched; {clients} concurrent clients for {seconds:.0f} s")
        qps = concurrent_qps(settings, queries, k, clients, seconds)
        out["stores"][store] = {"index": kind, "build_s": round(build_s, 1),
                                "p50_ms": round(float(np.percentile(ms, 50)), 2),
                                "p95_ms": round(float(np.percentile(ms, 95)), 2),
                                "recall_at_10": round(recall_at(rows, truth, k), 4), "qps_concurrent": round(qps, 1),
                                "bm25_p50_ms": round(float(np.percentile(kw, 50)), 2),
                                "bm25_p95_ms": round(float(np.percentile(kw, 95)), 2)}
    if keyword:
        log("pg bench: keyword side on SciFact (BM25 vs ts_rank_cd)")
        out["keyword"] = keyword_quality(url, SCIFACT)
    out["rows"] = table_rows(out)
    if workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return out


def scifact_queries(n: int) -> list[dict[str, str]]:
    lines = (SCIFACT / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines[:n] if x.strip()]


def synthetic_queries(base: np.ndarray, nq: int) -> np.ndarray:
    from bench.synth import Mixture

    return Mixture(base).sample(nq, seed=4242)


def reset(url: str) -> None:
    """An empty database for the build (a previous run's tables are dropped)."""
    from rag.stores.postgres import db as pg_db

    conn = pg_db.connect(url)
    try:
        pg_db.drop_schema(conn)
    finally:
        conn.close()


def table_rows(out: dict[str, Any]) -> list[list[str]]:
    rows = [["store", "index", "build (s)", "search p50 (ms)", "search p95 (ms)", "recall@10",
             f"QPS, {out['clients']} clients", "BM25 p50 (ms)", "BM25 p95 (ms)"]]
    for name, s in out["stores"].items():
        rows.append([name, s["index"], f"{s['build_s']:.1f}", f"{s['p50_ms']:.2f}", f"{s['p95_ms']:.2f}",
                     f"{s['recall_at_10']:.3f}", f"{s['qps_concurrent']:.0f}", f"{s['bm25_p50_ms']:.1f}",
                     f"{s['bm25_p95_ms']:.1f}"])
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--nq", type=int, default=200)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--no-keyword", action="store_true")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pg.json")
    a = p.parse_args()
    out = run_pg_bench(a.n, a.nq, a.clients, seconds=a.seconds, keyword=not a.no_keyword)
    for r in out["rows"]:
        print(" | ".join(r))
    if "keyword" in out:
        kw = out["keyword"]
        print(f"keyword side, SciFact ({kw['queries']} queries): BM25 nDCG@10 {kw['bm25']['ndcg10']:.3f} "
              f"({kw['bm25']['p50_ms']:.1f} ms), PostgreSQL ts_rank_cd {kw['fts']['ndcg10']:.3f} "
              f"({kw['fts']['p50_ms']:.1f} ms)")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
