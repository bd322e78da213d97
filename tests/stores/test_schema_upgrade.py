"""A schema-1 database (with stored sentence vectors) is upgraded in place: the sentence table
goes, every chunk and vector stays, and the index answers as before without re-embedding."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.index.build import build
from rag.stores.postgres import db as pg_db
from tests.helpers import sample_data

pytestmark = pytest.mark.slow


def test_schema_1_is_upgraded_in_place(pg_url: str, tmp_path: Path, fresh_index: Path) -> None:
    s = Settings.load(data_dir=sample_data(tmp_path), index_dir=fresh_index, store="postgres",
                      database_url=pg_url, quiet=True)
    first = build(s)
    before = Searcher(s).search("which countries lifted restrictions?", k=3)
    conn = pg_db.connect(pg_url)
    try:  # what version 1 had on top of version 2
        with conn.transaction():
            conn.execute("ALTER TABLE rag_chunks ADD COLUMN sentence_ids bigint[]")
            conn.execute("CREATE TABLE rag_sentences (id bigint PRIMARY KEY, doc_id bigint NOT NULL, "
                         'start int NOT NULL, "end" int NOT NULL, key text NOT NULL)')
            conn.execute("UPDATE rag_meta SET schema_version = 1")
        n_chunks = conn.execute("SELECT count(*) FROM rag_chunks").fetchone()[0]
    finally:
        conn.close()
    (s.paths.data_dir / "new.txt").write_text("Ferry strike\n\nFerry crews walked out on Monday over pay, "
                                        "the union said.\n", encoding="utf-8")
    again = build(s)
    assert again.added == ["new.txt"] and again.embedded < first.embedded  # old vectors reused
    conn = pg_db.connect(pg_url)
    try:
        assert conn.execute("SELECT schema_version FROM rag_meta").fetchone()[0] == pg_db.SCHEMA_VERSION == 2
        assert conn.execute("SELECT to_regclass('rag_sentences')").fetchone()[0] is None
        assert conn.execute("SELECT count(*) FROM rag_chunks").fetchone()[0] >= n_chunks  # all kept
    finally:
        conn.close()
    after = Searcher(s).search("which countries lifted restrictions?", k=3)
    assert [r.citation for r in after.results] == [r.citation for r in before.results]
