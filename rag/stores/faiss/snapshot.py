"""A read-only view of one generation folder: the FAISS store's ``Snapshot``.

Files are opened lazily (a cold `rag query` in BM25 mode never loads the vectors); the
generation never changes under a snapshot, so nothing here needs a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embed import resolve
from rag.errors import IndexIncompatible
from rag.index.texts import shingles
from rag.records import Chunk, Metadata, Place, Source
from rag.search.bm25 import BM25Index
from rag.search.topk import top_rows
from rag.stores.base import Filters, Manifest
from rag.stores.encoders import SnapshotEncoders
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import current_generation, read_manifest, verify_files
from rag.stores.faiss.vectors import VectorIndex, load_index
from rag.util import mapped_npy

SENTENCES = "sentences.npy"  # every chunk's sentence vectors, in chunk order
SENTENCE_OFFSETS = "sentence_offsets.npy"  # chunk i's rows: offsets[i]:offsets[i + 1]
SHINGLES = "shingles.bin"  # every chunk's word 5-gram hashes (int64), in chunk order
SHINGLE_OFFSETS = "shingle_offsets.npy"


def save_shingles(chunks: Sequence[Chunk], folder: Path) -> None:
    """Write every chunk's word 5-gram hashes, streamed (a build never holds them all): grouping
    then reads them instead of making them for each of a query's ~185 candidates."""
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    with open(folder / SHINGLES, "wb") as fh:
        for i, c in enumerate(chunks):
            h = np.fromiter(shingles(c.text), dtype="<i8")
            fh.write(h.tobytes())
            offsets[i + 1] = offsets[i] + len(h)
    np.save(folder / SHINGLE_OFFSETS, offsets)


class FaissSnapshot(SnapshotEncoders):
    def __init__(self, settings: Settings, gen: Path) -> None:
        self.settings = settings
        self.gen = gen
        self.manifest: dict[str, Any] = read_manifest(gen)
        self.model = resolve(settings.index.model)
        Manifest(self.manifest).compatible_with(self.model.id, self.model.dim)
        verify_files(gen, self.manifest)
        try:
            self.db = ChunkDB(gen / "chunks.sqlite")
            self.db.count("chunks")
        except Exception:
            raise IndexIncompatible(f"the chunk store in {gen} is unreadable: run `rag index`") from None

    @classmethod
    def open(cls, settings: Settings) -> FaissSnapshot:
        return cls(settings, current_generation(settings.paths.index_dir))

    @property
    def n_chunks(self) -> int:
        return int(self.manifest["counts"]["chunks"])

    @cached_property
    def matrix(self) -> np.ndarray:
        """Every row's vector, memory-mapped."""
        return mapped_npy(self.gen / "vectors.npy")

    @cached_property
    def _sentences(self) -> tuple[np.ndarray, np.ndarray]:
        return mapped_npy(self.gen / SENTENCES), np.load(self.gen / SENTENCE_OFFSETS)

    @cached_property
    def _shingles(self) -> tuple[np.ndarray, np.ndarray] | None:
        if SHINGLES not in self.manifest.get("files", {}):
            return None  # an index from before they were stored
        offsets = np.load(self.gen / SHINGLE_OFFSETS)
        if not offsets[-1]:
            return np.zeros(0, np.int64), offsets
        return np.asarray(np.memmap(self.gen / SHINGLES, dtype="<i8", mode="r")), offsets

    def shingles(self, rows: Sequence[int]) -> list[np.ndarray] | None:
        if self._shingles is None:
            return None
        values, offsets = self._shingles
        return [values[offsets[r]:offsets[r + 1]] for r in rows]

    def sentence_vectors(self, rows: Sequence[int]) -> dict[int, np.ndarray] | None:
        if not Manifest(self.manifest).stores_sentences:
            return None
        matrix, offsets = self._sentences
        return {int(r): np.array(matrix[offsets[r]:offsets[r + 1]]) for r in rows}

    @cached_property
    def ann(self) -> VectorIndex:
        try:
            return load_index(self.gen)
        except Exception:
            raise IndexIncompatible(f"the vector index in {self.gen} is unreadable: "
                                    "run `rag index`") from None

    @cached_property
    def bm25(self) -> BM25Index:
        try:
            return BM25Index.load(self.gen)
        except Exception:
            raise IndexIncompatible(f"the keyword index in {self.gen} is unreadable: "
                                    "run `rag index`") from None

    @cached_property
    def metadata(self) -> dict[str, Metadata]:
        return self.db.metadata()

    @cached_property
    def _layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every row's document path, start and end, in one read: filters need the paths, and
        grouping the places of ~185 candidates a query (a query of its own took ~0.3-0.8 ms)."""
        rows = self.db.query('SELECT path, start, "end" FROM chunks ORDER BY row')
        return (np.array([r[0] for r in rows], dtype=object), np.fromiter((r[1] for r in rows), np.int64, len(rows)),
                np.fromiter((r[2] for r in rows), np.int64, len(rows)))

    @property
    def chunk_paths(self) -> np.ndarray:
        """Document path of every row, for filters and grouping."""
        return self._layout[0]

    def dense(self, qvec: np.ndarray, k: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) by cosine: the ANN index over everything, or exact over the rows a
        filter keeps (an approximate index cannot be restricted to them)."""
        mask = (filters or Filters()).mask(self.chunk_paths, self.metadata)
        if mask is not None:
            rows = np.flatnonzero(mask)
            if not len(rows):
                return np.zeros(0, np.float32), np.zeros(0, np.int64)
            scores = np.asarray(self.matrix[rows] @ qvec, dtype=np.float32)
            top = top_rows(scores, k)
            return scores[top], rows[top]
        scores, found = self.ann.search(qvec[None, :], k)
        keep = found[0] >= 0
        return scores[0][keep], found[0][keep].astype(np.int64)

    def keyword_scores(self, query: str) -> np.ndarray:
        return self.bm25.scores(query)

    def idf(self, query: str) -> dict[str, float]:
        return self.bm25.idf(query)

    def vectors(self, rows: Any) -> np.ndarray:
        return np.asarray(self.matrix[rows])

    def chunks(self, rows: Any) -> dict[int, Chunk]:
        return self.db.chunks(rows)

    def places(self, rows: Sequence[int]) -> list[Place]:
        paths, starts, ends = self._layout
        return [Place(paths[r], int(starts[r]), int(ends[r])) for r in rows]

    def source(self, path: str) -> Source | None:
        return self.db.source(path)
