"""The vector store seam: exact or approximate nearest neighbours over normalized vectors.

Backends sit behind ``VectorIndex`` and a tiny factory, as in txtai's ``ann/``: the FAISS one
here, a PostgreSQL + pgvector one elsewhere. Scores are inner products (= cosine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from rag.config import AnnKind
from rag.search.topk import top_rows
from rag.stores.vectorfile import VectorFile
from rag.util import mapped_npy

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


def build_index(vectors: np.ndarray | VectorFile, kind: AnnKind) -> VectorIndex:
    from rag.stores.faiss.ann import FaissIndex

    return FaissIndex.build(vectors, kind)


def save_index(vectors: np.ndarray | VectorFile, kind: AnnKind, folder: Path) -> None:
    """Write the ``kind`` index of ``vectors`` into a generation folder. A flat index is written
    straight from the matrix in blocks: building a FAISS IndexFlatIP first would hold a second
    full copy of every vector in memory only to serialise it."""
    if kind == "flat":
        write_flat(vectors, folder / "vectors.faiss")
    else:
        build_index(vectors, kind).save(folder)


def write_flat(vectors: np.ndarray | VectorFile, path: Path, block: int = 8192) -> None:
    """The bytes ``faiss.write_index(IndexFlatIP)`` writes (a test compares them), block by block."""
    n, dim = (int(x) for x in vectors.shape)
    with open(path, "wb") as fh:
        fh.write(NumpyFlat.FLAT_MAGIC)
        fh.write(np.array([dim], "<i4").tobytes() + np.array([n, 1 << 20, 1 << 20], "<i8").tobytes())
        fh.write(b"\x01" + np.array([0], "<i4").tobytes())  # is_trained; METRIC_INNER_PRODUCT
        fh.write(np.array([n * dim], "<u8").tobytes())
        for lo in range(0, n, block):
            fh.write(np.ascontiguousarray(vectors[lo:lo + block], dtype="<f4").tobytes())


def load_index(folder: Path, mmap: bool = True) -> VectorIndex:
    """A flat index is searched straight from the generation's vectors.npy: same results, and a
    cold `rag query` skips importing FAISS (0.07-0.2 s). Other kinds load through FAISS."""
    flat = NumpyFlat.open(folder)
    if flat is not None:
        return flat
    from rag.stores.faiss.ann import FaissIndex

    return FaissIndex.load(folder, mmap=mmap)


class NumpyFlat:
    """Exact inner-product search over a (memory-mapped) float32 matrix, single-threaded.

    Why not ``vectors @ q``: BLAS wakes its thread pool for a matrix-vector product, which on a
    busy two-core machine costs ~15 ms of waiting per query; einsum's own loop does 10k x 384
    in ~0.4 ms and 50k (the default flat limit) in ~6 ms.
    """

    kind = "flat"
    FLAT_MAGIC = b"IxFI"  # what FAISS writes first for an IndexFlatIP

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    @classmethod
    def open(cls, folder: Path) -> NumpyFlat | None:
        """The generation's matrix when its saved index is a flat one of the same size."""
        try:
            with open(folder / "vectors.faiss", "rb") as fh:
                head = fh.read(16)
            if head[:4] != cls.FLAT_MAGIC:
                return None
            vectors = mapped_npy(folder / "vectors.npy")
        except (OSError, ValueError):
            return None
        ntotal = int(np.frombuffer(head[8:16], dtype="<i8")[0])  # after the dimension (int32)
        if vectors.ndim != 2 or vectors.dtype != np.float32 or len(vectors) != ntotal:
            return None
        return cls(vectors)

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        n = len(self.vectors)
        k = max(1, min(k, n)) if n else 1
        scores = np.zeros((len(q), k), np.float32)
        rows = -np.ones((len(q), k), np.int64)
        for i, v in enumerate(q):
            if not n:
                break
            s = np.einsum("ij,j->i", self.vectors, v)
            top = top_rows(s, k)
            scores[i], rows[i] = s[top], top
        return scores, rows

    def save(self, folder: Path) -> None:
        write_flat(self.vectors, folder / "vectors.faiss")
