"""What the search layer reads, from PostgreSQL: one generation of the tables, as a ``Snapshot``
(the protocol in ``rag.stores.base``).

Rows are the FAISS store's rows — chunks of the generation's documents in canonical order (path,
byte-wise; then position) — so every consumer of ``Snapshot`` works unchanged and both stores rank
identically. Vectors stay in the database and are fetched by id on demand (with a bounded cache
and prefetching of the candidates), so a replica holds only ids, lengths and paths in memory.

``rag.stores.SnapshotHolder`` checks ``rag_meta.generation`` on every query (one indexed
single-row read, ``PostgresStore.generation``) and opens the new generation when another process
— a replica, `rag add` — committed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from rag.config import Settings
from rag.embed import resolve
from rag.errors import IndexIncompatible, IndexMissing
from rag.records import Chunk, Metadata, Place, Source
from rag.stores.base import Filters, Manifest, chunk_row, source_row
from rag.stores.encoders import SnapshotEncoders
from rag.stores.postgres import db as pg_db
from rag.stores.postgres.search import PgAnn, PgBM25, dense_search

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
    """``snapshot.vecs``: indexable by row (an int, a list or an array of rows)."""

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
        self.snap.vecs.remember({int(f[0]): f[7] for f in found})
        out: dict[int, Chunk] = {}
        for f in found:
            row = ids[int(f[0])]
            out[row] = chunk_row(f[1], f[2], f[3], f[4], f[5], f[6])
        return out

    def source(self, path: str) -> Source | None:
        found = self.snap.pool.run(lambda c: c.execute(
            "SELECT path, text, content_hash, format, title, author, date, outlet, spans, extracted, "
            f"{self.snap.news} FROM rag_documents d WHERE d.path = %(p)s AND {pg_db.visible()}",
            {"p": path, "g": self.snap.generation}).fetchone())
        if found is None:
            return None
        r = found
        return source_row(r, r[8])

    def metadata(self) -> dict[str, Metadata]:
        return dict(self.snap.metadata)


class PgSnapshot(SnapshotEncoders):
    """One generation of the tables, read on demand (``rag.stores.base.Snapshot``)."""

    def __init__(self, settings: Settings, pool: pg_db.Pool) -> None:
        self.settings, self.pool = settings, pool
        self.model = resolve(settings.index.model)
        meta = pool.run(pg_db.read_meta)
        self.generation = int(meta["generation"])
        self.manifest: dict[str, Any] = meta["manifest"]
        if not self.generation:
            raise IndexMissing("no index in the database yet: run `rag index` first")
        Manifest(self.manifest).compatible_with(self.model.id, self.model.dim)
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
        self.vecs = ChunkVectors(self)

    @property
    def n_chunks(self) -> int:
        return len(self.ids)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """This generation's row of each database id; -1 for ids it does not contain."""
        if not len(self._sorted):
            return -np.ones(len(ids), np.int64)
        pos = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        return np.where(self._sorted[pos] == ids, self._order[pos], -1).astype(np.int64)

    def dense(self, qvec: np.ndarray, k: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) by cosine; a filter runs in SQL, where the data is (docs/scaling.md)."""
        scores, rows = dense_search(self, qvec, k, filters)
        return scores, rows.astype(np.int64)

    def keyword_scores(self, query: str) -> np.ndarray:
        return self.bm25.scores(query)

    def idf(self, query: str) -> dict[str, float]:
        return self.bm25.idf(query)

    def vectors(self, rows: Any) -> np.ndarray:
        return np.asarray(self.vecs[rows])

    def sentence_vectors(self, rows: Sequence[int]) -> dict[int, np.ndarray] | None:
        return None  # not stored here: the answer stage embeds the few it reads

    def shingles(self, rows: Sequence[int]) -> list[np.ndarray] | None:
        return None  # not stored here: grouping makes them from the texts

    def places(self, rows: Sequence[int]) -> list[Place]:
        found = self.chunks(rows)
        return [found[int(r)].place for r in rows]

    def chunks(self, rows: Any) -> dict[int, Chunk]:
        return self.db.chunks(rows)

    def source(self, path: str) -> Source | None:
        return self.db.source(path)

    @cached_property
    def ann(self) -> PgAnn:
        return PgAnn(self)

    @cached_property
    def bm25(self) -> PgBM25:
        return PgBM25(self)

