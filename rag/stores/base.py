"""What the builder, the stores and the search layer exchange: plain records, no backend.

Every store backend (``rag.stores.faiss``, ``rag.stores.postgres``) imports these; nothing here
imports a backend, so the seam has no import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.records import Chunk, Source

if TYPE_CHECKING:
    from rag.embed import ModelInfo


@dataclass
class Previous:
    """What the live index holds, for incremental builds."""

    files: dict[str, str]  # data-relative file path → content hash (skipped files too)
    sources: list[Source]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # sha256(embedded text) → vector
    documents: int = 0
    chunks: int = 0


@dataclass
class BuildResult:
    """A complete index state, in canonical order (sources by path, chunks by position)."""

    model: ModelInfo
    export: str  # name of the ONNX export folder in index/models
    sources: list[Source]
    chunks: list[Chunk]
    texts: list[str]  # what was embedded for each chunk (headline + text)
    vectors: np.ndarray  # (chunks, dim), normalized
    files: dict[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)  # chunking, build time, …


@dataclass(frozen=True)
class Filters:
    """Restrict the search to some documents; empty means everything."""

    outlets: frozenset[str] = field(default_factory=frozenset)
    paths: frozenset[str] = field(default_factory=frozenset)
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None

    def active(self) -> bool:
        return bool(self.outlets or self.paths or self.date_from or self.date_to)

    def allows(self, path: str, outlet: str | None, date: str | None) -> bool:
        if self.paths and path not in self.paths and path.split("#")[0] not in self.paths:
            return False
        if self.outlets and (outlet or "") not in self.outlets:
            return False
        if self.date_from and (not date or date < self.date_from):
            return False
        return not (self.date_to and (not date or date > self.date_to))
