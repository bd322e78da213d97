"""First-stage retrieval: dense, BM25 or both fused, over the whole index or a filtered part."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.config import Mode, SearchConfig
from rag.search.fusion import blend, rrf
from rag.search.topk import top_rows
from rag.stores.base import Filters, Snapshot


@dataclass
class Candidate:
    row: int
    score: float  # the fused (or single-retriever) score that ranks it
    dense: float = 0.0  # cosine to the question
    bm25: float = 0.0  # BM25 / the question's IDF mass (see rag.search.fusion)
    sentence: float = 0.0  # best sentence cosine (set by the second stage)


def retrieve(snap: Snapshot, query: str, qvec: np.ndarray | None, mode: Mode, k: int,
             filters: Filters | None = None, *, config: SearchConfig) -> list[Candidate]:
    """Up to ``k`` candidates per retriever, best first, with both retrievers' scores.

    Every candidate carries its cosine and its normalized BM25 (BM25 / the question's IDF
    mass), whichever retriever found it, so later stages can weigh both. ``config`` chooses
    how hybrid fuses the two lists.
    """
    filters = filters or Filters()
    mask = filters.mask(snap.chunk_paths, snap.metadata)
    dense: dict[int, float] = {}
    lexical: dict[int, float] = {}
    dense_rows: list[int] = []
    lex_rows: list[int] = []
    all_scores = np.zeros(0, np.float32)
    if mode in ("dense", "hybrid") and qvec is not None:
        s, r = snap.dense(qvec, k, filters)
        dense_rows = r.tolist()
        dense = dict(zip(dense_rows, s.tolist(), strict=True))
    norm = sum(snap.idf(query).values()) or 1.0
    if mode in ("bm25", "hybrid"):
        all_scores = snap.keyword_scores(query)
        if mask is not None and len(all_scores):
            all_scores = np.where(mask, all_scores, 0.0)
        top = top_rows(all_scores, k) if len(all_scores) else np.zeros(0, np.int64)
        top = top[all_scores[top] > 0]
        lex_rows = top.tolist()
        lexical = {int(r): float(all_scores[r]) / norm for r in top}
    if mode == "dense" and dense:
        all_scores = snap.keyword_scores(query)
    _fill_dense(snap, qvec, lexical, dense)
    _fill_lexical(all_scores, norm, dense, lexical)
    if mode == "dense":
        fused = [(r, dense[r]) for r in dense_rows]
    elif mode == "bm25":
        fused = [(r, lexical[r]) for r in lex_rows]
    elif config.fusion == "rrf":
        fused = rrf([dense_rows, lex_rows], k=config.rrf_k)
    else:
        fused = blend(dense, lexical, config.bm25_weight)
    return [Candidate(row, float(score), dense.get(row, 0.0), lexical.get(row, 0.0))
            for row, score in fused]


def _fill_dense(snap: Snapshot, qvec: np.ndarray | None, rows: dict[int, float],
                dense: dict[int, float]) -> None:
    """Cosine of rows only the keyword side found (exact, from the stored vectors)."""
    missing = [r for r in rows if r not in dense]
    if missing and qvec is not None:
        cos = np.asarray(snap.vectors(np.array(sorted(missing))) @ qvec, dtype=np.float32)
        dense.update(zip(sorted(missing), cos.tolist(), strict=True))


def _fill_lexical(all_scores: np.ndarray, norm: float, rows: dict[int, float],
                  lexical: dict[int, float]) -> None:
    """Normalized BM25 of rows only the dense side found (0 where no query word occurs)."""
    if not len(all_scores):
        return
    for r in rows:
        if r not in lexical:
            lexical[r] = float(all_scores[r]) / norm
