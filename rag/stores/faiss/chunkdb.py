"""The chunk store: sources (with the exact text citations point into) and chunks, in SQLite.

SQLite keeps the text on disk, so serving a million chunks does not hold them all in memory,
and a row lookup by vector id is one indexed read.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.records import Chunk, Metadata, Source, source_file
from rag.stores.base import chunk_row, source_row

SCHEMA = """
CREATE TABLE sources (path TEXT PRIMARY KEY, file TEXT NOT NULL, hash TEXT NOT NULL,
    format TEXT NOT NULL, title TEXT, author TEXT, date TEXT, outlet TEXT, text TEXT NOT NULL,
    spans TEXT NOT NULL, extracted INTEGER NOT NULL, url TEXT, date_source TEXT);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, ordinal INTEGER NOT NULL,
    sentences TEXT NOT NULL);
CREATE INDEX chunks_path ON chunks(path);
CREATE TABLE files (path TEXT PRIMARY KEY, hash TEXT NOT NULL);
"""


class ChunkDB:
    def __init__(self, path: Path, readonly: bool = True) -> None:
        self.path = path
        if readonly:
            uri = f"file:{path}?mode=ro&immutable=1"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()  # the app's worker threads share one connection

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:  # type: ignore[type-arg]
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    @classmethod
    def create(cls, path: Path) -> ChunkDB:
        db = cls(path, readonly=False)
        db.conn.executescript(SCHEMA)
        return db

    def close(self) -> None:
        self.conn.close()

    # ---- writing -------------------------------------------------------------------------
    def write(self, sources: Sequence[Source], chunks: Sequence[Chunk], files: dict[str, str]) -> None:
        c = self.conn
        # Rows are generated as SQLite takes them: a list of every row's tuple was +100 MB at 176k chunks.
        c.executemany(
            "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((s.path, source_file(s.path), s.content_hash, s.format, s.metadata.title,
              s.metadata.author, s.metadata.date, s.metadata.outlet, s.text,
              json.dumps(s.spans), int(s.extracted), s.metadata.url, s.metadata.date_source)
             for s in sources))
        c.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
            ((i, ch.chunk_id, ch.path, ch.start, ch.end, ch.text, ch.ordinal, json.dumps(list(ch.sentences)))
             for i, ch in enumerate(chunks)))
        c.executemany("INSERT INTO files VALUES (?,?)", sorted(files.items()))
        c.commit()

    # ---- reading -------------------------------------------------------------------------
    def chunks(self, rows: Iterable[int]) -> dict[int, Chunk]:
        return {r[0]: chunk_row(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))
                for r in self._rows('row, path, start, "end", text, ordinal, sentences', rows)}

    def _rows(self, columns: str, rows: Iterable[int]) -> Iterator[Any]:
        """``columns`` of the chunks at ``rows`` (any order), 500 rows a query."""
        ids = [int(r) for r in rows]
        for lo in range(0, len(ids), 500):
            part = ids[lo:lo + 500]
            yield from self.query(f"SELECT {columns} FROM chunks WHERE row IN ({','.join('?' * len(part))})", part)

    def all_chunks(self) -> list[Chunk]:
        rows = self.query('SELECT path, start, "end", text, ordinal, sentences FROM chunks ORDER BY row')
        return [chunk_row(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def source(self, path: str) -> Source | None:
        found = self.query(
            f"SELECT path, text, hash, format, title, author, date, outlet, spans, extracted, {self._news} "
            "FROM sources WHERE path = ?", (path,))
        if not found:
            return None
        r = found[0]
        return source_row(r, json.loads(r[8]))

    def sources(self) -> list[Source]:
        paths = [r[0] for r in self.query("SELECT path FROM sources ORDER BY path")]
        return [s for p in paths if (s := self.source(p)) is not None]

    def metadata(self) -> dict[str, Metadata]:
        return {r[0]: Metadata(*r[1:]) for r in self.query(
            f"SELECT path, title, author, date, outlet, {self._news} FROM sources")}

    @property
    def _news(self) -> str:
        """url and date_source; NULLs for an index built before they were stored."""
        if not hasattr(self, "_news_cols"):
            cols = {r[1] for r in self.query("PRAGMA table_info(sources)")}
            self._news_cols = "url, date_source" if "url" in cols else "NULL, NULL"
        return self._news_cols

    def files(self) -> dict[str, str]:
        return dict(self.query("SELECT path, hash FROM files"))

    def count(self, table: str) -> int:
        assert table in ("sources", "chunks", "files")
        return int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])
