"""An index built before url/date_source were stored still reads (as None), and new ones keep them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rag.records import Metadata, Source
from rag.stores.faiss.chunkdb import SCHEMA, ChunkDB


def test_old_sqlite_index_reads_without_the_news_columns(tmp_path: Path) -> None:
    old = SCHEMA.replace(", url TEXT, date_source TEXT", "")
    assert old != SCHEMA
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(old)
    conn.execute("INSERT INTO sources VALUES ('a.txt','a.txt','h','txt','T',NULL,'2024-05-01',NULL,'text','[]',0)")
    conn.commit()
    conn.close()
    db = ChunkDB(path)
    assert db.metadata() == {"a.txt": Metadata("T", None, "2024-05-01", None, None, None)}
    src = db.source("a.txt")
    assert src is not None and src.metadata.url is None


def test_new_index_keeps_url_and_date_source(tmp_path: Path) -> None:
    db = ChunkDB.create(tmp_path / "new.sqlite")
    meta = Metadata("T", None, "2017-03-14", "Herald", "https://h.example/a", "feed")
    db.write([Source("web/a.jsonl#1", "text", "h", "jsonl", meta, ((0, 4),), True)], [], {})
    db.close()
    assert ChunkDB(tmp_path / "new.sqlite").metadata()["web/a.jsonl#1"] == meta
