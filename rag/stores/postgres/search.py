"""Retrieval over the PostgreSQL store: vectors by pgvector, keywords by the project's BM25.

Keywords: the ``rag_terms`` postings (term, chunk, tf) are written in the same transaction as the
chunks, and scored here with exactly bm25s' Lucene formula and float32 arithmetic, so BM25 and
hybrid results — and the no-answer decision, calibrated on BM25 IDF — are the FAISS store's
(docs/scaling.md has the measurements against PostgreSQL's own ``ts_rank``, which has no IDF).

Vectors: exact search (``<#>``, which the cosine HNSW index cannot serve, so PostgreSQL scans)
for small indexes and selective filters; the HNSW index otherwise. pgvector before 0.8 filters
*after* the HNSW scan and may return too few rows, so a filter that keeps a small share of the
chunks is searched exactly, and a short HNSW answer falls back to exact search.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.search.bm25 import analyze
from rag.search.scoring import idf as lucene_idf
from rag.search.scoring import tf_part
from rag.search.topk import positive_top
from rag.stores.postgres.db import Pool, visible

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.stores.base import Filters

EXACT_MAX = 10_000  # chunks: below this every search is exact (~20 ms at 10k in PostgreSQL)
SELECTIVE = 0.25  # a filter keeping less than this share of the chunks is searched exactly
EF_MIN, EF_MAX = 200, 1000  # hnsw.ef_search bounds (1000 is pgvector's maximum; docs/scaling.md)
POSTINGS_CACHE = 2_000_000  # postings kept per snapshot (~24 MB)


class PgSnapshot(Protocol):
    """What the search reads of ``rag.stores.postgres.snapshot.PgSnapshot`` (named here, not imported:
    the snapshot builds these searchers)."""

    settings: Settings
    pool: Pool
    generation: int
    hidden: int
    dl: np.ndarray
    vecs: Any

    @property
    def n_chunks(self) -> int: ...

    @property
    def ann(self) -> Any: ...

    def rows_of(self, ids: np.ndarray) -> np.ndarray: ...


class PgBM25:
    """``BM25Index``'s interface over the postings of one generation."""

    def __init__(self, snap: PgSnapshot) -> None:
        self.snap = snap
        self.n = snap.n_chunks
        self.avgdl = float(snap.dl.sum()) / self.n if self.n else 1.0
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cached = 0

    def _postings(self, stems: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per stem: the rows (of this generation) that contain it, and its count in each.
        A generation never changes, so each term's postings are fetched once and kept (common
        terms, the expensive ones, recur in most questions) until the cache is full."""
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        missing = []
        for t in set(stems):
            hit = self._terms.get(t)
            if hit is None:
                missing.append(t)
            elif len(hit[0]):
                out[t] = hit
        if not missing:
            return out
        found = self.snap.pool.run(lambda c: c.execute(
            "SELECT term, array_agg(chunk_id), array_agg(tf) FROM rag_terms WHERE term = ANY(%s) GROUP BY term",
            (sorted(missing),)).fetchall())
        none = (np.zeros(0, np.int64), np.zeros(0, np.float32))
        fetched = dict.fromkeys(missing, none)
        for term, ids, tfs in found:
            rows = self.snap.rows_of(np.asarray(ids, dtype=np.int64))
            keep = rows >= 0
            fetched[term] = (rows[keep], np.asarray(tfs, dtype=np.float32)[keep])
        size = sum(len(r) for r, _ in fetched.values())
        if self._cached + size > POSTINGS_CACHE:
            self._terms, self._cached = {}, 0
        self._terms.update(fetched)
        self._cached += size
        out.update({t: v for t, v in fetched.items() if len(v[0])})
        return out

    def _idf(self, df: int) -> float:
        return lucene_idf(self.n, df)

    def scores(self, query: str) -> np.ndarray:
        """BM25 of every row, bit-for-bit what bm25s computes for the same texts."""
        stems = analyze(query)
        post = self._postings(stems)
        out = np.zeros(self.n, dtype=np.float32)
        part: dict[str, np.ndarray] = {}
        for t in stems:  # query order, repeats counted: as BM25.get_scores_from_ids
            if t not in post:
                continue
            rows, tf = post[t]
            if t not in part:
                idf = np.float32(self._idf(len(rows)))
                l_d = self.snap.dl[rows]
                tfc = tf_part(tf, l_d, self.avgdl)
                part[t] = (idf * tfc).astype(np.float32)
            np.add.at(out, rows, part[t])
        if len(out):
            top = np.argpartition(-out, min(len(out), self.snap.settings.search.candidates) - 1)
            self.snap.vecs.prefetch(top[:self.snap.settings.search.candidates])
        return out

    def idf(self, query: str) -> dict[str, float]:
        post = self._postings(analyze(query))
        return {t: self._idf(len(post[t][0]) if t in post else 0) for t in analyze(query)}

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        return positive_top(self.scores(query), k)


class PgAnn:
    """``VectorIndex``'s search over the chunks table: exact or HNSW, as the size says."""

    def __init__(self, snap: PgSnapshot) -> None:
        self.snap = snap
        s = snap.settings
        ann = s.index.ann
        self.kind = "flat" if ann == "flat" or (ann == "auto" and snap.n_chunks <= EXACT_MAX) else "hnsw"

    def __len__(self) -> int:
        return self.snap.n_chunks

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = max(1, min(k, self.snap.n_chunks)) if self.snap.n_chunks else 1
        scores = np.zeros((len(q), k), np.float32)
        rows = -np.ones((len(q), k), np.int64)
        for i, v in enumerate(q):
            s, r = (exact(self.snap, v, k) if self.kind == "flat" else hnsw(self.snap, v, k))
            if len(r) < min(k, self.snap.n_chunks):  # HNSW came up short (rows of dead versions)
                s, r = exact(self.snap, v, k)
            scores[i, :len(r)], rows[i, :len(r)] = s, r
        return scores, rows


def _rows_scores(snap: PgSnapshot, found: list[tuple[Any, ...]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Map (id, score, embedding) rows to this generation's rows, best first, ``k`` at most."""
    if not found:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    rows = snap.rows_of(np.array([f[0] for f in found], dtype=np.int64))
    scores = np.array([f[1] for f in found], dtype=np.float32)
    snap.vecs.remember({int(f[0]): f[2] for f in found})
    keep = rows >= 0
    rows, scores = rows[keep], scores[keep]
    order = np.lexsort((rows, -scores))[:k]
    return scores[order], rows[order]


def exact(snap: PgSnapshot, q: np.ndarray, k: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
    where, params = filter_sql(filters)
    params.update(g=snap.generation, q=q, k=k)
    sql = (f"SELECT c.id, -(c.embedding <#> %(q)s), c.embedding FROM rag_chunks c "
           f"JOIN rag_documents d ON d.id = c.doc_id WHERE {visible()}{where} "
           "ORDER BY c.embedding <#> %(q)s, c.id LIMIT %(k)s")
    return _rows_scores(snap, snap.pool.run(lambda c: c.cursor(binary=True).execute(sql, params).fetchall()), k)


def hnsw(snap: PgSnapshot, q: np.ndarray, k: int, filters: Filters | None = None,
         share: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Approximate search; ``share`` is the part of the chunks the filter keeps (over-fetch)."""
    want = int(min(EF_MAX, math.ceil(k / max(share, 1e-3) * (1.5 if share < 1 else 1)) + snap.hidden))
    ef = str(int(min(EF_MAX, max(EF_MIN, 2 * want))))
    where, params = filter_sql(filters)
    params.update(g=snap.generation, q=q, n=max(want, k))
    sql = (f"SELECT c.id, 1 - (c.embedding <=> %(q)s), c.embedding FROM rag_chunks c "
           f"JOIN rag_documents d ON d.id = c.doc_id WHERE {visible()}{where} "
           "ORDER BY c.embedding <=> %(q)s LIMIT %(n)s")

    def run(c: Any) -> list[tuple[Any, ...]]:
        with c.transaction():
            c.execute("SELECT set_config('hnsw.ef_search', %s, true)", (ef,))
            return c.cursor(binary=True).execute(sql, params).fetchall()

    return _rows_scores(snap, snap.pool.run(run), k)


def dense_search(snap: PgSnapshot, qvec: np.ndarray, k: int,
                 filters: Filters | None) -> tuple[np.ndarray, np.ndarray]:
    """The retriever's dense step with the filter in SQL: exact when it is selective."""
    if filters is None or not filters.active():
        s, r = snap.ann.search(qvec[None, :], k)
        keep = r[0] >= 0
        return s[0][keep], r[0][keep]
    where, params = filter_sql(filters)
    params["g"] = snap.generation
    allowed = int(snap.pool.run(lambda c: c.execute(
        f"SELECT count(*) FROM rag_chunks c JOIN rag_documents d ON d.id = c.doc_id WHERE {visible()}{where}",
        params).fetchone()[0]))
    if not allowed:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    share = allowed / max(1, snap.n_chunks)
    if snap.ann.kind == "flat" or share < SELECTIVE:
        return exact(snap, qvec, k, filters)
    scores, rows = hnsw(snap, qvec, k, filters, share)
    if len(rows) < min(k, allowed):  # the post-filtered HNSW answer came up short
        return exact(snap, qvec, k, filters)
    return scores, rows


def filter_sql(filters: Filters | None) -> tuple[str, dict[str, Any]]:
    """The retriever's ``Filters.allows`` as SQL over ``rag_documents d`` (byte-wise compares)."""
    if filters is None or not filters.active():
        return "", {}
    parts: list[str] = []
    params: dict[str, Any] = {}
    if filters.paths:
        parts.append("(d.path = ANY(%(paths)s) OR d.file = ANY(%(paths)s))")
        params["paths"] = sorted(filters.paths)
    if filters.outlets:
        parts.append("coalesce(d.outlet, '') = ANY(%(outlets)s)")
        params["outlets"] = sorted(filters.outlets)
    if filters.date_from:
        parts.append('d.date IS NOT NULL AND d.date COLLATE "C" >= %(date_from)s')
        params["date_from"] = filters.date_from
    if filters.date_to:
        parts.append('d.date IS NOT NULL AND d.date COLLATE "C" <= %(date_to)s')
        params["date_to"] = filters.date_to
    return "".join(f" AND {p}" for p in parts), params
