"""Combining the dense and keyword rankings.

Two ways, both measured on SciFact (docs/quality.md):

* ``blend`` (default): cosine + w * BM25 / (the question's total IDF). Dividing BM25 by the IDF
  mass of the question puts it on a fixed scale (about 0 to 1: the share of the question's
  rare words a passage carries, saturated by term frequency), the same for short and long
  questions and for small and large corpora, so one weight serves every query. Measured best.
* ``rrf``: reciprocal rank fusion, which ignores scores entirely and only needs ranks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf(rankings: Sequence[Sequence[int]], k: int = 60,
        weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked row lists; ties go to the lower row id so results are deterministic."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def blend(dense: Mapping[int, float], keyword: Mapping[int, float],
          weight: float) -> list[tuple[int, float]]:
    """``dense[row] + weight * keyword[row]`` over every row either side knows (a missing
    side counts 0), best first, ties to the lower row."""
    rows = set(dense) | set(keyword)
    scored = {r: dense.get(r, 0.0) + weight * keyword.get(r, 0.0) for r in rows}
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
