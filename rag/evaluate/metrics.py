"""Ranking metrics, written out so they can be checked by hand on tiny examples.

nDCG uses the BEIR/pytrec_eval definition (gain = grade, discount = log2(rank + 1), ideal from
the judged grades); a document appearing twice in a ranking counts once, at its best rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dedupe(ranking: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for d in ranking:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    ranked = dedupe(ranking)[:k]
    dcg = sum(qrels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 100) -> float:
    relevant = {d for d, g in qrels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(dedupe(ranking)[:k])) / len(relevant)


def first_hit(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first hit, or None."""
    return next((i + 1 for i, h in enumerate(hits) if h), None)


def hit_at_k(hits: Sequence[bool], k: int) -> float:
    r = first_hit(hits)
    return 1.0 if r is not None and r <= k else 0.0


def mrr_at_k(hits: Sequence[bool], k: int = 10) -> float:
    r = first_hit(hits)
    return 1.0 / r if r is not None and r <= k else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
