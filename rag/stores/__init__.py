"""Where a built index lives and how it is read back; the one place a backend is named.

``open_store(settings)`` picks the backend from ``settings.storage.store``; everything else talks to the
``Store`` and ``Snapshot`` protocols of ``rag.stores.base``. Backends are imported only when
chosen, so a cold `rag query` never loads psycopg, and a missing extra is named in one line.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rag.errors import require_extra
from rag.stores.base import Manifest, Snapshot, Store

if TYPE_CHECKING:
    from rag.config import Settings, StoreConfig


def require_backend(config: StoreConfig) -> None:
    """The chosen store's optional packages are installed, or a one-line error naming the extra."""
    if config.store == "postgres":
        require_extra("postgres", "psycopg", "pgvector")


def open_store(settings: Settings) -> Store:
    if settings.storage.store == "postgres":
        from rag.stores.postgres.store import PostgresStore

        return PostgresStore(settings)
    from rag.stores.faiss.store import FaissStore

    return FaissStore(settings)


def index_exists(settings: Settings) -> bool:
    """Is there a live index for these settings (in the folder, or in the database)?"""
    return open_store(settings).exists()


def isolated(settings: Settings, name: str) -> Settings:
    """Settings whose index cannot overwrite the main one (an evaluation corpus's own index):
    the folder store already uses ``settings.paths.index_dir``; the database store gets its own schema."""
    if settings.storage.store != "postgres":
        return settings
    from rag.stores.postgres.db import database_url, with_schema

    safe = "".join(ch if ch.isalnum() else "_" for ch in name.lower())
    return settings.with_(database_url=with_schema(database_url(settings.storage), f"beir_{safe}"))


class SnapshotHolder:
    """Thread-safe access to the newest committed generation, for either backend.

    The app keeps answering from the snapshot it has while a rebuild writes the next
    generation, and moves to the new one on the first query after it is committed (by this
    process or another): no restart, no mix.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._snap: Snapshot | None = None
        self._generation: str | None = None

    def get(self) -> Snapshot:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings)
        generation = self._store.generation()
        with self._lock:
            if self._snap is None or generation != self._generation:
                snap = self._store.open()
                old = self._snap
                if old is not None and Manifest(old.manifest).int8 == Manifest(snap.manifest).int8:
                    for name in ("encoder", "reader"):  # same model: keep the ONNX sessions
                        if name in old.__dict__:
                            snap.__dict__[name] = old.__dict__[name]
                self._snap, self._generation = snap, generation
            return self._snap
