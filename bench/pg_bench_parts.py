"""Pieces of bench/pg_bench.py: a synthetic 100k-chunk build result, a PostgreSQL server, the
timed searches (in this process and from concurrent client processes), and the keyword-side
comparison (the project's BM25 against PostgreSQL's ``ts_rank_cd``) on SciFact."""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.synth import Mixture
from bench.synth_index import make_chunks, sentence_pool
from rag.config import Settings
from rag.embed import resolve
from rag.index.texts import embed_text
from rag.stores.base import BuildResult


def synthetic_result(n: int, docs: list[dict[str, str]], base: np.ndarray, export: str,
                     seed: int = 5) -> BuildResult:
    """What the builder would hand a store for ``n`` chunks: real SciFact sentences as texts
    (realistic posting lists), vectors drawn around real MiniLM embeddings (bench/synth.py)."""
    titles, sents = sentence_pool(docs)
    sources, chunks = make_chunks(n, titles, sents, seed)
    by_path = {s.path: s.metadata.title for s in sources}
    texts = [embed_text(c, by_path[c.path]) for c in chunks]
    mix = Mixture(base)
    vectors = np.concatenate(list(mix.chunks(len(chunks), seed)))
    return BuildResult(resolve(Settings.load().index.model), export, sources, chunks, texts, vectors,
                       {s.path: s.content_hash for s in sources}, {"synthetic": True})


def start_server(root: Path) -> str:
    """A throw-away PostgreSQL 16 + pgvector from pgserver (stopped when this process exits)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root))
    import pgserver

    folder = Path(tempfile.mkdtemp(prefix="rag-pg-bench-"))
    server = pgserver.get_server(folder, cleanup_mode="delete")
    return str(server.get_uri())


def timed_searches(settings: Settings, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    """Per-query milliseconds (snapshot check + vector search, as the app does) and the rows.
    FAISS runs one thread, like one PostgreSQL backend per query (and the machine is shared)."""
    import faiss

    from rag.stores import SnapshotHolder

    faiss.omp_set_num_threads(1)
    holder = SnapshotHolder(settings)
    for q in queries[:10]:  # warm: caches, connections, the HNSW graph's pages
        holder.get().ann.search(q[None], k)
    ms, rows = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, r = holder.get().ann.search(q[None], k)
        ms.append((time.perf_counter() - t0) * 1000)
        rows.append(r[0])
    return ms, np.array(rows)


def timed_keyword(settings: Settings, texts: list[str]) -> list[float]:
    """Per-query milliseconds of the keyword side: BM25 scores of every chunk."""
    from rag.stores import SnapshotHolder

    holder = SnapshotHolder(settings)
    for t in texts[:5]:
        holder.get().bm25.scores(t)
    ms = []
    for t in texts:
        t0 = time.perf_counter()
        holder.get().bm25.scores(t)
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


def _client(settings: Settings, queries: np.ndarray, k: int, start: float, seconds: float) -> int:
    import faiss

    from rag.stores import SnapshotHolder

    faiss.omp_set_num_threads(1)  # one thread per client process: no oversubscription
    holder = SnapshotHolder(settings)
    holder.get().ann.search(queries[0][None], k)
    while time.time() < start:
        time.sleep(0.001)
    done, i = 0, 0
    while time.time() < start + seconds:
        holder.get().ann.search(queries[i % len(queries)][None], k)
        done, i = done + 1, i + 1
    return done


def concurrent_qps(settings: Settings, queries: np.ndarray, k: int, clients: int, seconds: float) -> float:
    """Queries per second served to ``clients`` processes, each with its own snapshot."""
    ctx = mp.get_context("spawn")
    start = time.time() + 20  # every client has loaded its snapshot by then
    with ctx.Pool(clients) as pool:
        counts = pool.starmap(_client, [(settings, np.roll(queries, 7 * i, axis=0), k, start, seconds)
                                        for i in range(clients)])
    return sum(counts) / seconds


def keyword_quality(url: str, scifact: Path, limit: int = 300) -> dict[str, Any]:
    """nDCG@10 and latency on SciFact, documents as the unit: the project's BM25 (bm25s) against
    PostgreSQL full text (english config, GIN index, ``ts_rank_cd`` over an OR of the terms)."""
    import psycopg

    from rag.evaluate.beir import load_beir
    from rag.evaluate.metrics import mean, ndcg_at_k
    from rag.search.bm25 import BM25Index, terms

    data = load_beir(scifact)
    import json

    docs = [json.loads(x) for x in data.corpus.read_text(encoding="utf-8").splitlines() if x.strip()]
    ids = [str(d["_id"]) for d in docs]
    texts = [f"{d.get('title') or ''}\n{d['text']}" for d in docs]
    bm = BM25Index.build(texts)
    qs = list(data.queries.items())[:limit]
    out: dict[str, Any] = {"queries": len(qs), "documents": len(docs)}
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS bench_fts")
        c.execute("CREATE TABLE bench_fts (id text, body text, tsv tsvector)")
        with c.cursor().copy("COPY bench_fts (id, body) FROM STDIN") as cp:
            for i, t in zip(ids, texts, strict=True):
                cp.write_row((i, t))
        c.execute("UPDATE bench_fts SET tsv = to_tsvector('english', body)")
        c.execute("CREATE INDEX ON bench_fts USING gin (tsv)")
        c.execute("ANALYZE bench_fts")
        for name in ("bm25", "fts"):
            nd, ms = [], []
            for qid, q in qs:
                t0 = time.perf_counter()
                if name == "bm25":
                    _, rows = bm.search(q, 10)
                    ranking = [ids[r] for r in rows]
                else:
                    words = " | ".join(sorted({w.replace("'", "") for w in terms(q)})) or "none"
                    ranking = [r[0] for r in c.execute(
                        "SELECT id FROM bench_fts, to_tsquery('english', %s) q WHERE tsv @@ q "
                        "ORDER BY ts_rank_cd(tsv, q) DESC, id LIMIT 10", (words,))]
                ms.append((time.perf_counter() - t0) * 1000)
                nd.append(ndcg_at_k(ranking, data.qrels[qid], 10))
            out[name] = {"ndcg10": round(mean(nd), 4), "p50_ms": round(float(np.median(ms)), 2)}
        c.execute("DROP TABLE bench_fts")
    return out
