"""The store seam: where a built index lives and how it is read back.

A store gives the builder what it can reuse from the live index (file hashes, sources, vectors
by embedded text) and takes a complete new state in one atomic ``commit``. The embedded default
keeps generations of files on disk (``FaissStore``); a PostgreSQL + pgvector store keeps the
same records in tables. Backends are picked by ``settings.store``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rag.stores.base import BuildResult, Previous

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.embed import ModelInfo


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
