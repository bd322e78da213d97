"""Top-k selection, one rule for every ranked list: best first, ties by row (deterministic)."""

from __future__ import annotations

import numpy as np


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first; ties by row so results are deterministic."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def positive_top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) of the best ``k`` rows that match at all (score > 0)."""
    top = top_rows(scores, k)
    keep = scores[top] > 0
    return scores[top][keep], top[keep].astype(np.int64)
