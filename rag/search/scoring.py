"""BM25 (Lucene variant) as small pure functions: the bm25s index and the PostgreSQL postings
score with the same ones, so both stores rank alike."""

from __future__ import annotations

import math

import numpy as np

K1, B = 1.2, 0.75


def idf(n: int, df: int) -> float:
    """Lucene IDF of a term found in ``df`` of ``n`` documents (never negative)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def tf_part(tf: np.ndarray, dl: np.ndarray | int, avgdl: float) -> np.ndarray:
    """Lucene's saturated term frequency, in bm25s' arithmetic (float32 counts, float64 avgdl)."""
    return tf / (K1 * ((1 - B) + B * dl / np.float64(avgdl)) + tf)
