"""FAISS backend: exact ``IndexFlatIP`` for small indexes, IVF with 8-bit codes above the threshold.

Why IVF-SQ8 and not HNSW for large indexes (measured in bench/, see docs/performance.md): at 1M
x 384 an HNSW graph takes far longer to build on two cores, cannot be memory-mapped and holds a
second float32 copy of every vector (~1.8 GB resident). IVF-SQ8 keeps one byte per dimension
(a quarter of the float32 matrix), is memory-mapped from disk, and its small ranking errors are
removed by re-scoring the best candidates exactly against the generation's own ``vectors.npy``,
so recall@10 stays near exact search. HNSW can still be forced.

Re-scoring reads its few hundred rows with pread, not through a memory map: the kernel maps
the neighbours of every faulted page too, so 200 queries over a mapped 1M x 384 matrix left
1.4 GB of it in the process's RSS; pread leaves it in the page cache only, and is as fast.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.config import AnnKind
from rag.search.topk import top_rows
from rag.stores.vectorfile import VectorFile

FILE = "vectors.faiss"
VECTORS = "vectors.npy"  # written by the builder next to the index; IVF re-scores from it
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
IVF_MIN_TRAIN_PER_LIST = 39  # FAISS warns (and clusters badly) below this
IVF_TRAIN_PER_LIST = 40  # training sample per list: k-means cost grows with it, quality barely
IVF_NITER = 12
IVF_PROBE_SHARE = 0.03  # share of the lists visited per query, and at least
IVF_MIN_PROBE = 32  # lists: at 100k recall@10 went 0.95 -> 0.98 from 16 to 32 probes, for +0.2 ms
RESCORE = 3  # exact re-scoring of the best RESCORE*k (>= RESCORE_MIN) approximate candidates
RESCORE_MIN = 48
SEED = 1234
ADD_BLOCK = 16_384  # rows added to an IVF index per call (~25 MB of float32 at 384 dimensions)
BATCH_THREADS = 20  # fewer queries than this search on one OpenMP thread (see _threads)


def ivf_lists(n: int) -> int:
    """~sqrt(n) lists (a power of two): scanning centroids and scanning lists then cost about the
    same, and k-means stays cheap (at 1M on 2 cores: 4096 lists took 4+ min, 1024 take 10-30 s)."""
    if n < 2 * IVF_MIN_TRAIN_PER_LIST:
        return 1
    want = 2 ** round(math.log2(math.sqrt(n)))
    return int(max(1, min(want, n // IVF_MIN_TRAIN_PER_LIST, 65536)))


def ivf_probes(nlist: int) -> int:
    return int(min(nlist, max(IVF_MIN_PROBE, round(nlist * IVF_PROBE_SHARE))))


class FaissIndex:
    def __init__(self, index: faiss.Index, kind: str, vectors: np.ndarray | VectorFile | None = None) -> None:
        self.index = index
        self.kind = kind
        self.vectors = vectors  # float32 (n, dim) in memory, or rows read from vectors.npy: re-scoring
        if kind == "hnsw":
            inner: Any = faiss.downcast_index(index)
            inner.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray | VectorFile, kind: AnnKind) -> FaissIndex:
        dim = int(vectors.shape[1])
        if kind == "ivf":  # trained on a sample, filled in blocks: a build's vectors stay on disk
            rescore = np.ascontiguousarray(vectors, dtype=np.float32) if isinstance(vectors, np.ndarray) else None
            return cls(_build_ivf(vectors), "ivf", rescore)
        data = np.ascontiguousarray(vectors, dtype=np.float32)  # flat/HNSW: FAISS holds them all
        index: faiss.Index
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(dim)
        if len(data):
            index.add(data)
        return cls(index, kind)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> FaissIndex:
        index = _read(folder / FILE, mmap)
        inner = faiss.downcast_index(index)
        if isinstance(inner, faiss.IndexIVF):
            vecs = folder / VECTORS
            vectors: np.ndarray | VectorFile | None = None
            if vecs.is_file():
                vectors = _rows(vecs) if mmap else np.load(vecs)
            return cls(index, "ivf", vectors)
        return cls(index, "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat")

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self))) if len(self) else 1
        if not len(self):
            return np.zeros((len(q), k), np.float32), -np.ones((len(q), k), np.int64)
        with _threads(1 if len(q) < BATCH_THREADS else 0):
            if self.kind != "ivf" or self.vectors is None:
                scores, rows = self.index.search(q, k)
                return scores, rows
            wide = min(len(self), max(RESCORE * k, RESCORE_MIN))
            _, cand = self.index.search(q, wide)
        return _rescore(self.vectors, q, cand, k)

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / FILE))
        if self.kind == "ivf" and isinstance(self.vectors, np.ndarray) and not (folder / VECTORS).exists():
            np.save(folder / VECTORS, self.vectors)  # the builder writes it first; a bare save needs it


def _build_ivf(data: np.ndarray | VectorFile) -> faiss.Index:
    """IVF lists over k-means centroids; codes are 8-bit per dimension (no residual: re-scored).
    k-means sees a seeded sample of IVF_TRAIN_PER_LIST rows per list (what FAISS would draw
    itself), and the rows are added in blocks, so the matrix is never needed in memory whole."""
    n, dim = (int(x) for x in data.shape)
    nlist = ivf_lists(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT, False)
    index.cp.niter = IVF_NITER
    index.cp.seed = SEED
    index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST
    index.cp.min_points_per_centroid = 1  # tiny indexes: one list, no warning
    index.cp.spherical = True  # centroids on the sphere, like the vectors they stand for
    if n:
        cap = nlist * IVF_TRAIN_PER_LIST
        pick = np.sort(np.random.default_rng(SEED).choice(n, cap, replace=False)) if n > cap else slice(0, n)
        index.train(np.ascontiguousarray(data[pick], dtype=np.float32))
        for lo in range(0, n, ADD_BLOCK):
            index.add(np.ascontiguousarray(data[lo:lo + ADD_BLOCK], dtype=np.float32))
    index.nprobe = ivf_probes(nlist)
    return index


def _rows(path: Path) -> VectorFile | np.ndarray:
    """Rows read with pread for a plain C-order float32 matrix; otherwise (or without pread) a
    memory map."""
    if hasattr(os, "preadv"):  # what VectorFile reads with
        try:
            return VectorFile.open(path)
        except ValueError:
            pass
    return np.load(path, mmap_mode="r")


def _rescore(vectors: np.ndarray | VectorFile, q: np.ndarray, cand: np.ndarray,
             k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner products for the candidates (rows read in file order), best ``k`` kept."""
    nq = len(q)
    scores = np.full((nq, k), -np.inf, np.float32)
    rows = -np.ones((nq, k), np.int64)
    for i in range(nq):
        c = cand[i][cand[i] >= 0]
        if not len(c):
            continue
        c = np.sort(c)
        exact = np.asarray(vectors[c], dtype=np.float32) @ q[i]
        m = min(k, len(c))
        top = top_rows(exact, m)  # c is sorted: ties by position are ties by row
        scores[i, :m] = exact[top]
        rows[i, :m] = c[top]
    scores[rows < 0] = 0.0
    return scores, rows


@contextmanager
def _threads(n: int) -> Iterator[None]:
    """Run FAISS on ``n`` OpenMP threads (0: unchanged). A single query split over two threads
    waits for the second one: on a busy two-core machine flat search at 10k took 32 ms that
    way and 0.4 ms on one thread."""
    if n <= 0:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _read(path: Path, mmap: bool) -> faiss.Index:
    """Memory-mapped where FAISS allows: IVF lists via IO_FLAG_MMAP, flat codes via MMAP_IFC."""
    tries = [faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY]
    for flags in tries if mmap else []:
        try:
            return faiss.read_index(str(path), flags)
        except RuntimeError:
            continue
    return faiss.read_index(str(path))
