"""Synthetic but realistic vectors and texts for the scale benchmarks.

Uniform random points on the sphere have no structure, so every ANN index looks terrible on
them; real sentence embeddings are anisotropic and clustered by topic. Synthetic vectors here
are drawn around real MiniLM embeddings: a blend of two real "topic" embeddings plus Gaussian
noise with the real embeddings' own covariance, then normalised. Queries are drawn the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

SPREAD = (0.45, 0.9)  # noise scale (uniform in this range) relative to the real embeddings' spread
BLEND = 0.5  # up to this share of a second topic embedding mixed into each vector


class Mixture:
    """Sampler of unit vectors around ``base`` (real embeddings, one per row)."""

    def __init__(self, base: np.ndarray, spread: tuple[float, float] = SPREAD, blend: float = BLEND) -> None:
        self.base = np.ascontiguousarray(base, dtype=np.float32)
        centred = self.base - self.base.mean(axis=0)
        # Covariance square root via SVD of the centred data: noise shaped like the real cloud.
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        self.shape = (s[:, None] * vt / np.sqrt(max(1, len(base) - 1))).astype(np.float32)
        self.spread = spread
        self.blend = blend

    def sample(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        a = rng.integers(0, len(self.base), n)
        b = rng.integers(0, len(self.base), n)
        w = (rng.random(n, dtype=np.float32) * self.blend)[:, None]
        out = (1 - w) * self.base[a] + w * self.base[b]
        noise = rng.standard_normal((n, self.shape.shape[0]), dtype=np.float32) @ self.shape
        lo, hi = self.spread
        out += (lo + (hi - lo) * rng.random(n, dtype=np.float32))[:, None] * noise
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.astype(np.float32, copy=False)

    def chunks(self, n: int, seed: int, size: int = 65536) -> Iterator[np.ndarray]:
        """``n`` vectors in blocks, so a million never needs two full copies in memory."""
        for i, lo in enumerate(range(0, n, size)):
            yield self.sample(min(size, n - lo), seed * 1_000_003 + i)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 131072) -> np.ndarray:
    """Ground-truth rows of the ``k`` best inner products, scanning ``vectors`` in blocks."""
    best_s = np.full((len(queries), k), -np.inf, np.float32)
    best_r = np.zeros((len(queries), k), np.int64)
    for lo in range(0, len(vectors), block):
        s = np.asarray(vectors[lo:lo + block], dtype=np.float32) @ queries.T  # (b, nq)
        s = s.T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        cand_r = np.concatenate([best_r, part + lo], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(cand_s, order, 1)
        best_r = np.take_along_axis(cand_r, order, 1)
    return best_r


def recall_at(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (k * len(truth))
