"""PostgreSQL + pgvector plumbing: connections, the versioned schema, and the meta row.

Vectors are stored PLAIN (in the row, never compressed or moved to TOAST): a distance then reads
the row's own page instead of fetching a TOAST tuple, which made exact scans several times slower.

The schema is created by the first `rag index` (``ensure_schema``); every reader and writer checks
its version and stops with one line when it is not the one this program speaks, instead of
guessing at a layout it does not know. Tables are ``rag_*`` in the connection's search path, so
one database can hold several indexes in different schemas (``?options=-csearch_path%3Dname``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from rag.config import StoreConfig
from rag.errors import IndexIncompatible, IndexMissing, RagError, require_extra

SCHEMA_VERSION = 2  # 2: no rag_sentences (sentence vectors are made at query time)
UPGRADABLE = (1,)  # versions a writer upgrades in place (see _upgrade_from_1)
LOCK_KEY = 0x7261_6701  # pg_advisory_xact_lock key: one committing writer per database/schema
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64

TABLES = ("rag_terms", "rag_sentences", "rag_chunks", "rag_documents", "rag_files", "rag_meta")

DDL = """
CREATE TABLE rag_meta (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), schema_version int NOT NULL,
    dim int NOT NULL, generation bigint NOT NULL DEFAULT 0, manifest jsonb NOT NULL DEFAULT '{{}}',
    committed_at timestamptz);
CREATE TABLE rag_files (path text PRIMARY KEY, hash text NOT NULL);
CREATE TABLE rag_documents (id bigint PRIMARY KEY, path text NOT NULL, file text NOT NULL,
    content_hash text NOT NULL, fingerprint text NOT NULL, format text NOT NULL, title text,
    author text, date text, outlet text, url text, date_source text, text text NOT NULL, spans jsonb NOT NULL,
    extracted boolean NOT NULL, indexed_at timestamptz NOT NULL DEFAULT now(),
    born bigint NOT NULL, dead bigint);
CREATE UNIQUE INDEX rag_documents_live ON rag_documents (path) WHERE dead IS NULL;
CREATE INDEX rag_documents_outlet ON rag_documents (outlet);
CREATE INDEX rag_documents_date ON rag_documents (date);
CREATE SEQUENCE rag_ids;
CREATE TABLE rag_chunks (id bigint PRIMARY KEY, doc_id bigint NOT NULL REFERENCES rag_documents(id),
    chunk_id text NOT NULL, path text NOT NULL, ordinal int NOT NULL, start int NOT NULL,
    "end" int NOT NULL, text text NOT NULL, sentences jsonb NOT NULL,
    key text NOT NULL, n_terms int NOT NULL, embedding vector({dim}) NOT NULL);
ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX rag_chunks_doc ON rag_chunks (doc_id);
CREATE TABLE rag_terms (term text NOT NULL, chunk_id bigint NOT NULL, doc_id bigint NOT NULL,
    tf int NOT NULL);
"""
# Indexes that a bulk load builds after the rows are in (much faster than row by row).
TERMS_INDEXES = ("CREATE UNIQUE INDEX IF NOT EXISTS rag_terms_term ON rag_terms (term, chunk_id) INCLUDE (tf)",
                 "CREATE INDEX IF NOT EXISTS rag_terms_doc ON rag_terms (doc_id)")
HNSW_INDEX = (f"CREATE INDEX IF NOT EXISTS rag_chunks_hnsw ON rag_chunks USING hnsw (embedding vector_cosine_ops) "
              f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")


def visible(alias: str = "d") -> str:
    """Documents of generation %(g)s: born at or before it, not yet dead at it."""
    return f"({alias}.born <= %(g)s AND ({alias}.dead IS NULL OR {alias}.dead > %(g)s))"


def database_url(config: StoreConfig) -> str:
    """The URL every PostgreSQL path starts from; first, the optional extra must be installed."""
    require_extra("postgres", "psycopg", "pgvector")
    if not config.database_url:
        raise RagError("the postgres store needs a database: set RAG_DATABASE_URL=postgresql://user@host/db")
    return config.database_url


def connect(url: str, *, autocommit: bool = True) -> Any:
    """A psycopg connection with vectors as float32 numpy arrays (binary both ways)."""
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RagError(f"cannot connect to the database ({first})") from None
    register_vectors(conn)
    return conn


def register_vectors(conn: Any) -> bool:
    """Adapters for pgvector's type, when the extension is there (False when it is not yet)."""
    from pgvector.psycopg import register_vector
    from psycopg.adapt import Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        return False
    register_vector(conn)

    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> np.ndarray:
            return np.frombuffer(bytes(data), dtype=">f4", offset=4).astype(np.float32)

    class TextLoader(Loader):
        def load(self, data: Any) -> np.ndarray:
            return np.array(bytes(data).decode()[1:-1].split(","), dtype=np.float32)

    conn.adapters.register_loader(info.oid, BinaryLoader)
    conn.adapters.register_loader(info.oid, TextLoader)
    return True


def meta_exists(conn: Any) -> bool:
    """Whether *this* schema (the first of the search path) has the tables: with ``with_schema``
    an unqualified name would otherwise fall through to the index in ``public``."""
    return bool(conn.execute("SELECT to_regclass(format('%I.rag_meta', current_schema())) IS NOT NULL")
                .fetchone()[0])


def read_meta(conn: Any, writer: bool = False) -> dict[str, Any]:
    """The meta row, checked: a missing schema or another schema version is a one-line error
    (a ``writer`` accepts a version it upgrades when it commits)."""
    if not meta_exists(conn):
        raise IndexMissing("no index in the database yet: run `rag index` first")
    row = conn.execute("SELECT schema_version, dim, generation, manifest FROM rag_meta").fetchone()
    if row is None:
        raise IndexMissing("no index in the database yet: run `rag index` first")
    check_version(row[0], writer)
    return {"schema_version": row[0], "dim": row[1], "generation": row[2], "manifest": row[3] or {}}


def read_meta_generation(conn: Any) -> int:
    """The live generation: what replicas read on every query to notice a new commit."""
    import psycopg

    try:
        row = conn.execute("SELECT generation, schema_version FROM rag_meta").fetchone()
    except psycopg.errors.UndefinedTable:
        raise IndexMissing("no index in the database yet: run `rag index` first") from None
    if row is None:
        raise IndexMissing("no index in the database yet: run `rag index` first")
    check_version(row[1])
    return int(row[0])


def check_version(version: int, writer: bool = False) -> None:
    if version == SCHEMA_VERSION or (writer and version in UPGRADABLE):
        return
    if version in UPGRADABLE:
        raise IndexIncompatible(f"the database holds rag schema version {version}: run `rag index` "
                                "to upgrade it (nothing is embedded again)")
    if version != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"the database holds rag schema version {version}, this program needs {SCHEMA_VERSION}: "
            "drop its rag_* tables (or use a new database) and run `rag index`")


def ensure_schema(conn: Any, dim: int) -> None:
    """Create the extension and tables on first use (one transaction; safe to race), then make
    sure this connection can send vectors (it may predate the extension)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        _create(conn, dim)
    register_vectors(conn)


def _create(conn: Any, dim: int) -> None:
    import psycopg

    exists = meta_exists(conn)
    if exists:
        row = conn.execute("SELECT schema_version, dim FROM rag_meta").fetchone()
        if row is not None and row[0] == 1:
            _upgrade_from_1(conn)
            row = (SCHEMA_VERSION, row[1])
        if row is not None:
            check_version(row[0])
            if row[1] != dim:
                raise IndexIncompatible(
                    f"the database's vectors have {row[1]} dimensions, the model makes {dim}: "
                    "use a new database (or drop the rag_* tables) for this model")
            conn.execute(ADD_NEWS_COLUMNS)
            return
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as exc:
        raise RagError(f"cannot enable pgvector in this database ({str(exc).strip().splitlines()[0]}): "
                       "install the extension or ask the database owner to run CREATE EXTENSION vector") from None
    if not exists:
        conn.execute(DDL.format(dim=int(dim)))
    conn.execute("INSERT INTO rag_meta (schema_version, dim) VALUES (%s, %s)", (SCHEMA_VERSION, dim))


def _upgrade_from_1(conn: Any) -> None:
    """Version 1 stored sentence vectors; dropping them keeps every chunk (nothing re-embedded)."""
    conn.execute("ALTER TABLE rag_chunks DROP COLUMN IF EXISTS sentence_ids")
    conn.execute("DROP TABLE IF EXISTS rag_sentences")
    conn.execute("UPDATE rag_meta SET schema_version = %s", (SCHEMA_VERSION,))


ADD_NEWS_COLUMNS = ("ALTER TABLE rag_documents ADD COLUMN IF NOT EXISTS url text, "
                    "ADD COLUMN IF NOT EXISTS date_source text")


def news_columns(conn: Any) -> str:
    """``url, date_source``, or NULLs for tables made before they existed (the next `rag index`
    adds them): readers, read replicas included, never need to alter the schema."""
    n = conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                     "AND table_name = 'rag_documents' AND column_name IN ('url', 'date_source')").fetchone()[0]
    return "url, date_source" if n == 2 else "NULL, NULL"


def drop_schema(conn: Any) -> None:
    """Remove every rag_* table (tests, and a clean start after a schema change)."""
    conn.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES) + " CASCADE")
    conn.execute("DROP SEQUENCE IF EXISTS rag_ids")


def with_schema(url: str, schema: str) -> str:
    """``url`` with its rag_* tables in ``schema`` (created when missing): a second index in the
    same database, e.g. a benchmark corpus beside the main one. ``public`` stays in the path for
    pgvector's type."""
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    conn = connect(url)
    try:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    finally:
        conn.close()
    return make_conninfo(url, options=f"-csearch_path={schema},public")


class Pool:
    """A few autocommit connections shared by a process's threads (the app answers in parallel);
    a connection that failed is dropped and the query retried once on a new one."""

    def __init__(self, url: str, size: int = 4) -> None:
        self.url = url
        self.size = size
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    @contextmanager
    def conn(self) -> Iterator[Any]:
        c = self._take()
        ok = False
        try:
            yield c
            ok = True
        finally:
            if ok and not c.closed and c.info.transaction_status == 0:  # idle
                self._idle.put(c)
            else:
                c.close()
                with self._lock:
                    self._made -= 1

    def run(self, fn: Any) -> Any:
        """``fn(conn)``, retried once on a fresh connection if the first one broke."""
        import psycopg

        for attempt in (0, 1):
            try:
                with self.conn() as c:
                    return fn(c)
            except psycopg.OperationalError:
                if attempt:
                    raise RagError("lost the connection to the database; try again") from None
        return None

    def _take(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._made < self.size
            if grow:
                self._made += 1
        if not grow:
            return self._idle.get(timeout=60)
        try:
            return connect(self.url)
        except BaseException:
            with self._lock:
                self._made -= 1
            raise

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
