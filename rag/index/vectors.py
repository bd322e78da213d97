"""The vector store seam: exact or approximate nearest neighbours over normalized vectors.

Backends sit behind ``VectorIndex`` and a tiny factory, as in txtai's ``ann/``: the FAISS one
here, a PostgreSQL + pgvector one elsewhere. Scores are inner products (= cosine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import numpy as np

AnnKind = Literal["flat", "hnsw", "ivf"]
KINDS: tuple[AnnKind, ...] = ("flat", "hnsw", "ivf")
AUTO_LARGE: AnnKind = "ivf"  # what "auto" picks above the threshold (why: faiss_index.py docstring)


class VectorIndex(Protocol):
    kind: str

    def __len__(self) -> int: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each (n_queries, k); missing neighbours have row -1."""
        ...

    def save(self, folder: Path) -> None:
        """Write into a generation folder; approximate kinds may also read that folder's
        ``vectors.npy`` back at load time, for exact re-scoring."""
        ...


def choose_kind(n: int, setting: str, threshold: int) -> AnnKind:
    """Exact search up to ``threshold`` vectors, approximate above; a setting can force one."""
    if setting in KINDS:
        return setting  # type: ignore[return-value]
    return AUTO_LARGE if n > threshold else "flat"


def build_index(vectors: np.ndarray, kind: AnnKind) -> VectorIndex:
    from rag.index.faiss_index import FaissIndex

    return FaissIndex.build(vectors, kind)


def load_index(folder: Path, mmap: bool = True) -> VectorIndex:
    from rag.index.faiss_index import FaissIndex

    return FaissIndex.load(folder, mmap=mmap)
