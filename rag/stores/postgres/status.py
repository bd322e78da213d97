"""`rag status` and `rag remove` for the PostgreSQL store: the live generation's files and documents."""

from __future__ import annotations

from typing import Any

from rag.config import StoreConfig
from rag.records import Metadata
from rag.stores.postgres import db as pg_db


def pg_files(config: StoreConfig) -> dict[str, str]:
    conn = pg_db.connect(pg_db.database_url(config))
    try:
        pg_db.read_meta(conn)
        return dict(conn.execute("SELECT path, hash FROM rag_files").fetchall())
    finally:
        conn.close()


def pg_state(config: StoreConfig) -> tuple[str, dict[str, Any], dict[str, str], dict[str, Metadata]]:
    """(generation name, manifest, indexed files, live documents' metadata), read consistently."""
    import psycopg

    from rag.errors import IndexMissing

    conn = pg_db.connect(pg_db.database_url(config))
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            meta = pg_db.read_meta(conn)
            if not meta["generation"]:
                raise IndexMissing("no index in the database yet: run `rag index` first")
            files = dict(conn.execute("SELECT path, hash FROM rag_files").fetchall())
            docs = {r[0]: Metadata(*r[1:]) for r in conn.execute(
                f"SELECT path, title, author, date, outlet, {pg_db.news_columns(conn)} "
                "FROM rag_documents WHERE dead IS NULL")}
        return f"pg-{meta['generation']}", meta["manifest"], files, docs
    finally:
        conn.close()


def has_index(config: StoreConfig) -> bool:
    """Whether the database holds a committed index (what the app checks at start-up instead of
    the FAISS store's ``CURRENT`` file: a replica must not rebuild from its own folder)."""
    from rag.errors import IndexMissing

    conn = pg_db.connect(pg_db.database_url(config))
    try:
        return bool(pg_db.read_meta(conn)["generation"])
    except IndexMissing:
        return False
    finally:
        conn.close()
