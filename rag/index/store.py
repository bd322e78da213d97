"""The store seam: where a built index lives and how it is read back.

A store gives the builder what it can reuse from the live index (file hashes, sources, vectors
by embedded text) and takes a complete new state in one atomic ``commit``. The embedded default
keeps generations of files on disk (``FaissStore``); a PostgreSQL + pgvector store keeps the
same records in tables. Backends are picked by ``settings.store``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.records import Chunk, Source

if TYPE_CHECKING:
    from rag.config import Settings
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


class IndexStore(Protocol):
    def previous(self, model: ModelInfo, vectors: bool = True) -> Previous | None:
        """The reusable state of the live index, or None when there is none compatible;
        ``vectors=False`` skips reading the embeddings (a full rebuild re-embeds anyway)."""
        ...

    def commit(self, result: BuildResult) -> str:
        """Make ``result`` the live index atomically; return its generation name."""
        ...


def open_store(settings: Settings) -> IndexStore:
    if settings.store == "postgres":
        from rag.index.pg_store import PostgresStore

        return PostgresStore(settings)
    from rag.index.faiss_store import FaissStore

    return FaissStore(settings)


def index_exists(settings: Settings) -> bool:
    """Is there a live index for these settings (in the folder, or in the database)?"""
    if settings.store == "postgres":
        from rag.index.pg_status import has_index

        return has_index(settings)
    from rag.index.generation import CURRENT

    return (settings.index_dir / CURRENT).is_file()
