"""What the search layer reads, from PostgreSQL: one generation of the tables, as a ``Snapshot``.

Rows are the FAISS store's rows — chunks of the generation's documents in canonical order (path,
byte-wise; then position) — so every consumer of ``Snapshot`` works unchanged and both stores rank
identically. Vectors stay in the database and are fetched by id on demand (with a bounded cache
and prefetching of the candidates), so a replica holds only ids, lengths and paths in memory.

``PgHolder`` checks ``rag_meta.generation`` on every query (one indexed single-row read) and
opens the new generation when another process — a replica, `rag add` — committed one.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embed import Encoder, load_encoder, resolve
from rag.errors import IndexIncompatible, IndexMissing
from rag.index import pg_db
from rag.index.generation import check_compatible, int8
from rag.index.pg_search import PgAnn, PgBM25
from rag.records import Chunk, Metadata, Source

CACHE_MAX = 50_000  # vectors kept per snapshot (~77 MB at 384 dims) before the cache starts over
LAZY_ROWS = 2048  # vectors[rows] above this many rows is computed in the database (see RowSet)


class VectorCache:
    """Vectors by database id: fetched in one query for many ids, remembered for the next use."""

    def __init__(self, pool: pg_db.Pool, table: str) -> None:
        self.pool, self.table = pool, table
        self._mem: dict[int, np.ndarray] = {}

    def remember(self, found: dict[int, np.ndarray]) -> None:
        if len(self._mem) + len(found) > CACHE_MAX:
            self._mem = {}
        self._mem.update(found)

    def get(self, ids: list[int], dim: int) -> np.ndarray:
        mem = self._mem  # another thread may start the cache over meanwhile: read one dict
        missing = sorted({i for i in ids if i not in mem})
        found: dict[int, np.ndarray] = {}
        if missing:
            rows = self.pool.run(lambda c: c.cursor(binary=True).execute(
                f"SELECT id, embedding FROM {self.table} WHERE id = ANY(%s)", (missing,)).fetchall())
            found = {int(i): v for i, v in rows}
            self.remember(found)
        if not ids:
            return np.zeros((0, dim), np.float32)
        try:
            return np.stack([found[i] if i in found else mem[i] for i in ids])
        except KeyError:
            raise IndexIncompatible("the index changed under this search: try again") from None


class ChunkVectors:
    """``snapshot.vectors``: indexable by row (an int, a list or an array of rows)."""

    def __init__(self, snap: PgSnapshot) -> None:
        self.snap = snap
        self.cache = VectorCache(snap.pool, "rag_chunks")
        self.shape = (snap.n_chunks, snap.model.dim)

    def __len__(self) -> int:
        return self.snap.n_chunks

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)):
            return self.cache.get([int(self.snap.ids[int(key)])], self.shape[1])[0]
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        if len(rows) > LAZY_ROWS:
            return RowSet(self, rows)
        return self.cache.get(self.snap.ids[rows].tolist(), self.shape[1])

    def prefetch(self, rows: np.ndarray) -> None:
        self.cache.get(self.snap.ids[np.asarray(rows, dtype=np.int64)].tolist(), self.shape[1])

    def remember(self, found: dict[int, np.ndarray]) -> None:
        self.cache.remember(found)


class RowSet:
    """Many rows' vectors, not fetched: ``rowset @ q`` is computed by PostgreSQL (a filtered exact
    search sends back one score per row instead of 1.5 kB of vector); ``np.asarray`` fetches."""

    def __init__(self, view: ChunkVectors, rows: np.ndarray) -> None:
        self.view, self.rows = view, rows
        self.shape = (len(rows), view.shape[1])

    def __len__(self) -> int:
        return len(self.rows)

    def __matmul__(self, q: np.ndarray) -> np.ndarray:
        ids = self.view.snap.ids[self.rows]
        found = self.view.snap.pool.run(lambda c: c.execute(
            "SELECT id, -(embedding <#> %s) FROM rag_chunks WHERE id = ANY(%s)",
            (np.asarray(q, dtype=np.float32), ids.tolist())).fetchall())
        score = dict(found)
        return np.array([score[int(i)] for i in ids], dtype=np.float32)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.view.cache.get(self.view.snap.ids[self.rows].tolist(), self.shape[1])
        return out if dtype is None else out.astype(dtype)


class PgDocs:
    """``snapshot.db``: chunks, sources and metadata of the snapshot's generation."""

    def __init__(self, snap: PgSnapshot) -> None:
        self.snap = snap

    def chunks(self, rows: Any) -> dict[int, Chunk]:
        rows = [int(r) for r in rows]
        ids = {int(self.snap.ids[r]): r for r in rows}
        found = self.snap.pool.run(lambda c: c.cursor(binary=True).execute(
            'SELECT id, path, start, "end", text, ordinal, sentences, embedding '
            "FROM rag_chunks WHERE id = ANY(%s)", (list(ids),)).fetchall())
        self.snap.vectors.remember({int(f[0]): f[7] for f in found})
        out: dict[int, Chunk] = {}
        for f in found:
            row = ids[int(f[0])]
            out[row] = Chunk(f[1], f[2], f[3], f[4], f[5], tuple(tuple(x) for x in f[6]))  # type: ignore[misc]
        return out

    def source(self, path: str) -> Source | None:
        found = self.snap.pool.run(lambda c: c.execute(
            "SELECT path, text, content_hash, format, title, author, date, outlet, spans, extracted, "
            f"{self.snap.news} FROM rag_documents d WHERE d.path = %(p)s AND {pg_db.visible()}",
            {"p": path, "g": self.snap.generation}).fetchone())
        if found is None:
            return None
        r = found
        return Source(r[0], r[1], r[2], r[3], Metadata(r[4], r[5], r[6], r[7], r[10], r[11]),
                      tuple(tuple(x) for x in r[8]), bool(r[9]))  # type: ignore[arg-type]

    def metadata(self) -> dict[str, Metadata]:
        return dict(self.snap.metadata)


class PgSnapshot:
    """One generation of the tables; the same attributes as ``rag.index.reader.Snapshot``."""

    def __init__(self, settings: Settings, pool: pg_db.Pool) -> None:
        self.settings, self.pool = settings, pool
        self.model = resolve(settings.model)
        meta = pool.run(pg_db.read_meta)
        self.generation = int(meta["generation"])
        self.manifest: dict[str, Any] = meta["manifest"]
        if not self.generation:
            raise IndexMissing("no index in the database yet: run `rag index` first")
        check_compatible(self.manifest, self.model.id, self.model.dim)
        params = {"g": self.generation}
        chunks = pool.run(lambda c: c.execute(
            "SELECT c.id, c.n_terms, c.path FROM rag_chunks c JOIN rag_documents d ON d.id = c.doc_id "
            f'WHERE {pg_db.visible()} ORDER BY c.path COLLATE "C", c.ordinal', params).fetchall())
        self.news = pool.run(pg_db.news_columns)
        docs = pool.run(lambda c: c.execute(
            f"SELECT path, title, author, date, outlet, {self.news} FROM rag_documents d WHERE {pg_db.visible()}",
            params).fetchall())
        self.hidden = int(pool.run(lambda c: c.execute(
            "SELECT count(*) FROM rag_chunks c JOIN rag_documents d ON d.id = c.doc_id "
            f"WHERE NOT {pg_db.visible()}", params).fetchone()[0]))
        self.ids = np.array([r[0] for r in chunks], dtype=np.int64)
        self.dl = np.array([r[1] for r in chunks], dtype=np.int64)
        self.chunk_paths = np.array([r[2] for r in chunks], dtype=object)
        self.metadata: dict[str, Metadata] = {r[0]: Metadata(*r[1:]) for r in docs}
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        self.db = PgDocs(self)
        self.vectors = ChunkVectors(self)

    @property
    def n_chunks(self) -> int:
        return len(self.ids)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """This generation's row of each database id; -1 for ids it does not contain."""
        if not len(self._sorted):
            return -np.ones(len(ids), np.int64)
        pos = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        return np.where(self._sorted[pos] == ids, self._order[pos], -1).astype(np.int64)

    def dense_search(self, qvec: np.ndarray, k: int, filters: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Dense retrieval with the filter run in SQL (the retriever's hook, see docs/scaling.md)."""
        from rag.index.pg_search import dense_search

        return dense_search(self, qvec, k, filters)

    @cached_property
    def ann(self) -> PgAnn:
        return PgAnn(self)

    @cached_property
    def bm25(self) -> PgBM25:
        return PgBM25(self)

    @cached_property
    def encoder(self) -> Encoder:
        return load_encoder(self.settings.index_dir, self.model, self.settings.threads, int8(self.manifest))


class PgHolder:
    """The newest committed generation, for one process (its threads share the pool)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = pg_db.Pool(pg_db.database_url(settings))
        self._lock = threading.Lock()
        self._snap: PgSnapshot | None = None

    def generation(self) -> int:
        return int(self.pool.run(pg_db.read_meta_generation))

    def get(self) -> PgSnapshot:
        gen = self.generation()
        with self._lock:
            if self._snap is None or self._snap.generation != gen:
                snap = PgSnapshot(self.settings, self.pool)
                old = self._snap
                if old is not None and "encoder" in old.__dict__ and int8(old.manifest) == int8(snap.manifest):
                    snap.__dict__["encoder"] = old.__dict__["encoder"]  # same model: keep ONNX
                self._snap = snap
            return self._snap
