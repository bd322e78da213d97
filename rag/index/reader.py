"""A read-only view of one index generation, and a holder that swaps in newer ones.

The app keeps answering from the snapshot it has while a rebuild writes the next generation,
and moves to the new one on the first query after the pointer flips: no restart, no mix.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np

from rag.config import Settings
from rag.embed import Encoder, load_encoder, resolve
from rag.errors import IndexIncompatible
from rag.index.chunkdb import ChunkDB
from rag.index.generation import CURRENT, check_compatible, current_generation, int8, read_manifest, verify_files
from rag.index.vectors import VectorIndex, load_index
from rag.search.bm25 import BM25Index


class Snapshot:
    def __init__(self, settings: Settings, gen: Path) -> None:
        self.settings = settings
        self.gen = gen
        self.manifest: dict[str, Any] = read_manifest(gen)
        self.model = resolve(settings.model)
        check_compatible(self.manifest, self.model.id, self.model.dim)
        verify_files(gen, self.manifest)
        try:
            self.db = ChunkDB(gen / "chunks.sqlite")
            self.db.count("chunks")
        except Exception:
            raise IndexIncompatible(f"the chunk store in {gen} is unreadable: run `rag index`") from None

    @classmethod
    def open(cls, settings: Settings) -> Snapshot:
        return cls(settings, current_generation(settings.index_dir))

    @property
    def n_chunks(self) -> int:
        return int(self.manifest["counts"]["chunks"])

    @cached_property
    def vectors(self) -> np.ndarray:
        return np.load(self.gen / "vectors.npy", mmap_mode="r")

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
    def encoder(self) -> Encoder:
        return load_encoder(self.settings.index_dir, self.model, self.settings.threads, int8(self.manifest))

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return self.db.metadata()

    @cached_property
    def chunk_paths(self) -> np.ndarray:
        """Document path of every row, for filters and grouping."""
        rows = self.db.query("SELECT path FROM chunks ORDER BY row")
        return np.array([r[0] for r in rows], dtype=object)


class SnapshotHolder:
    """Thread-safe access to the newest complete generation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._pointer: str | None = None
        self._pg: Any = None

    def get(self) -> Snapshot:
        if self.settings.store == "postgres":  # same attributes; it follows rag_meta.generation
            with self._lock:
                if self._pg is None:
                    from rag.index.pg_snapshot import PgHolder

                    self._pg = PgHolder(self.settings)
            return cast(Snapshot, self._pg.get())
        pointer = self._read_pointer()
        with self._lock:
            if self._snap is None or pointer != self._pointer:
                snap = Snapshot.open(self.settings)
                old = self._snap
                if old is not None and "encoder" in old.__dict__ and int8(old.manifest) == int8(snap.manifest):
                    # Same model, new generation: keep the loaded ONNX session.
                    snap.__dict__["encoder"] = old.__dict__["encoder"]
                self._snap, self._pointer = snap, pointer
            return self._snap

    def _read_pointer(self) -> str | None:
        try:
            return (self.settings.index_dir / CURRENT).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):  # a garbled pointer is reported by Snapshot.open
            return None
