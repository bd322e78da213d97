"""The store contract every backend passes (``test_faiss.py`` and ``test_postgres.py`` inherit
it): what a build holds, that incremental updates equal a rebuild, search, filters, exact
citations, and a one-line error for an index this program cannot read. Nothing is mocked:
PostgreSQL is a real server with pgvector."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.index.build import build
from rag.stores import SnapshotHolder
from rag.stores.base import Filters
from tests.helpers import rag_env, run_rag, sample_data

QUESTIONS = ["which countries lifted restrictions?", "What did Stoltenberg say about the risk of escalation?",
             "Where is most of the fighting happening near the border?", "flood barrier on the river Thorne"]
NEW_ARTICLE = ("Flood barrier opens\n\nThe new flood barrier on the river Thorne opened on Tuesday, "
               "protecting nine villages from spring floods, engineers said.\n")


def dump(settings: Settings) -> dict[str, Any]:
    """Everything a search can read from the live index, in row order."""
    snap = SnapshotHolder(settings).get()
    rows = list(range(snap.n_chunks))
    chunks = snap.chunks(rows)
    return {
        "chunks": [chunks[r] for r in rows],
        "paths": list(snap.chunk_paths),
        "vectors": np.asarray(snap.vectors(rows), dtype=np.float32),
        "metadata": dict(snap.metadata),
        "sources": {p: snap.source(p) for p in snap.metadata},
        "bm25": [snap.keyword_scores(q) for q in QUESTIONS],
        "idf": [snap.idf(q) for q in QUESTIONS],
    }


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["chunks"] == b["chunks"]
    assert a["paths"] == b["paths"]
    assert a["metadata"] == b["metadata"]
    assert a["sources"] == b["sources"]
    np.testing.assert_allclose(a["vectors"], b["vectors"], atol=1e-6)
    for x, y in zip(a["bm25"], b["bm25"], strict=True):
        np.testing.assert_array_equal(x, y)
    assert a["idf"] == b["idf"]


def top(resp: Any) -> list[tuple[str, int, int]]:
    return [(r.citation.path, r.citation.start, r.citation.end) for r in resp.results]


class StoreContract:
    """Inherit with ``STORE = "<backend>"``: every test below then runs against that backend."""

    STORE = ""
    pytestmark = pytest.mark.slow

    @pytest.fixture
    def store(self) -> str:
        return self.STORE

    def test_build_answers_with_exact_citations(self, make_settings: Any) -> None:
        s = make_settings("a")
        report = build(s)
        assert (report.documents, report.added) == (5, sorted(p.name for p in s.paths.data_dir.glob("*.txt")))
        searcher = Searcher(s)
        snap = searcher.snapshot()
        assert snap.n_chunks == report.chunks == len(snap.chunk_paths)
        for q in QUESTIONS[:3]:
            resp = searcher.search(q, k=5)
            assert resp.results
            for r in resp.results:
                c = r.citation
                assert (s.paths.data_dir / c.path).read_text(encoding="utf-8")[c.start:c.end] == r.text
                assert snap.source(c.path).text[c.start:c.end] == r.text
                assert all(c.start <= hs < he <= c.end for hs, he in r.highlights)
            for a in resp.answer:
                assert (s.paths.data_dir / a.path).read_text(encoding="utf-8")[a.start:a.end] == a.text


    def test_incremental_add_change_remove_equals_full_rebuild(self, make_settings: Any, tmp_path: Path) -> None:
        data = sample_data(tmp_path, "data-inc")
        s = make_settings("inc", data)
        build(s)
        (data / "zz_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        added = build(s, paths=[data / "zz_new.txt"])  # `rag add`
        assert added.added == ["zz_new.txt"] and added.reused > 0
        changed = data / "001_1a0347c2f0363c6c.txt"
        changed.write_text(changed.read_text(encoding="utf-8").replace("NATO", "the alliance"), encoding="utf-8")
        (data / "003_4b0b2928d8019f33.txt").unlink()
        report = build(s)  # a rescan: one changed, one removed
        assert report.changed == ["001_1a0347c2f0363c6c.txt"] and report.removed == ["003_4b0b2928d8019f33.txt"]
        build(s, paths=[], remove=["000_f86cd9bef1ccdea8.txt"])  # `rag remove`
        shutil.move(data / "000_f86cd9bef1ccdea8.txt", tmp_path / "aside.txt")
        assert build(s).up_to_date

        fresh = make_settings("full", data)
        build(fresh, full=True)
        assert_same(dump(s), dump(fresh))
        resp = Searcher(s).search(QUESTIONS[3], k=3)
        assert top(resp)[0][0] == "zz_new.txt"
        assert all(p not in {"003_4b0b2928d8019f33.txt", "000_f86cd9bef1ccdea8.txt"} for p, _, _ in top(resp))


    def test_a_running_searcher_sees_each_new_build(self, make_settings: Any, tmp_path: Path) -> None:
        data = sample_data(tmp_path, "data-live")
        s = make_settings("live", data)
        build(s)
        searcher = Searcher(s)
        assert top(searcher.search(QUESTIONS[3], k=3))[0][0] != "zz_new.txt"
        (data / "zz_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        build(s, paths=[data / "zz_new.txt"])
        assert top(searcher.search(QUESTIONS[3], k=3))[0][0] == "zz_new.txt"  # same searcher, no restart


    @pytest.mark.parametrize("filters,allowed", [
        (Filters(paths=frozenset({"002_61335ce61622f152.txt"})), {"002_61335ce61622f152.txt"}),
        (Filters(outlets=frozenset({"Antiwar.com", "Iran Front Page"})),
         {"000_f86cd9bef1ccdea8.txt", "001_1a0347c2f0363c6c.txt"}),
        (Filters(date_from="2024-05-01", date_to="2024-05-31"), {"002_61335ce61622f152.txt"}),
        (Filters(date_from="2025-01-01"), set()),
    ])
    def test_filters(self, make_settings: Any, filters: Filters, allowed: set[str]) -> None:
        s = make_settings("f")
        build(s)
        searcher = Searcher(s)
        for mode in ("dense", "bm25", "hybrid"):
            resp = searcher.search("Stoltenberg weapons Russia", k=5, mode=mode, filters=filters)  # type: ignore[arg-type]
            assert {r.citation.path for r in resp.results} <= allowed
            assert bool(resp.results) == bool(allowed)


    def test_an_index_of_another_version_is_a_one_line_error(self, make_settings: Any, store: str) -> None:
        s = make_settings("v")
        build(s)
        if store == "postgres":
            import psycopg

            with psycopg.connect(s.storage.database_url, autocommit=True) as c:
                c.execute("UPDATE rag_meta SET schema_version = 99")
        else:
            from rag.stores.faiss.generation import FORMAT_VERSION, MANIFEST, current_generation

            m = current_generation(s.paths.index_dir) / MANIFEST
            m.write_text(m.read_text(encoding="utf-8").replace(f'"format_version": {FORMAT_VERSION}',
                                                               '"format_version": 99'),
                         encoding="utf-8")
        commands = [["query", "Stoltenberg"]] + ([["status"], ["index"]] if store == "postgres" else [])
        for args in commands:
            out = run_rag(*args, env=rag_env(s))
            assert out.returncode == 1, out
            lines = out.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and "99" in lines[0], out.stderr
            assert "Traceback" not in out.stderr
