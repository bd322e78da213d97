"""The two stores hold the same index and give the same answers: `rag query` on the public
questions ranks the same passages first on FAISS and on PostgreSQL, in every mode."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.index.build import build
from rag.stores.base import Filters
from tests.helpers import DATA, ROOT, new_database, rag_env, run_rag

pytestmark = pytest.mark.slow

PUBLIC = ROOT.parent / "shared" / "eval" / "questions.jsonl"
FALLBACK = ["which countries lifted restrictions?", "What did Stoltenberg say about the risk of escalation?",
            "Where is most of the fighting happening near the border?",
            "What is the best recipe for banana bread with walnuts?"]


def questions() -> list[str]:
    if PUBLIC.is_file():
        return [json.loads(line)["question"] for line in PUBLIC.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    return FALLBACK


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, models_cache: Path, pg_server: Any) -> dict[str, Settings]:
    root = tmp_path_factory.mktemp("parity")
    data = root / "data"
    shutil.copytree(DATA, data)
    out = {}
    for store in ("faiss", "postgres"):
        index = root / f"index-{store}"
        index.mkdir()
        shutil.copytree(models_cache, index / "models")
        url = new_database(pg_server) if store == "postgres" else None
        out[store] = Settings.load(data_dir=data, index_dir=index, store=store, database_url=url, quiet=True)
        build(out[store])
    return out


def top(resp: Any) -> list[tuple[str, int, int]]:
    return [(r.citation.path, r.citation.start, r.citation.end) for r in resp.results]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_same_top_results_on_both_stores(both: dict[str, Settings], mode: str) -> None:
    f, p = (Searcher(both[s]) for s in ("faiss", "postgres"))
    for q in questions():
        a, b = f.search(q, k=5, mode=mode), p.search(q, k=5, mode=mode)  # type: ignore[arg-type]
        assert top(a) == top(b), q
        assert a.answerable == b.answerable, q
        assert [x.text for x in a.answer] == [x.text for x in b.answer], q
        np.testing.assert_allclose([r.score for r in a.results], [r.score for r in b.results], atol=1e-5)


def test_rag_query_json_is_the_same_on_both_stores(both: dict[str, Settings]) -> None:
    outs = []
    for store in ("faiss", "postgres"):
        r = run_rag("query", questions()[0], "--json", env=rag_env(both[store]))
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        outs.append([(x["path"], x["start"], x["end"], x["highlights"]) for x in d["results"]])
    assert outs[0] == outs[1] and outs[0]


def test_same_index_in_both_stores(both: dict[str, Settings]) -> None:
    """Rows, vectors and keyword scores: BM25 in SQL is bm25s bit for bit."""
    f, p = (Searcher(both[s]).snapshot() for s in ("faiss", "postgres"))
    rows = list(range(f.n_chunks))
    assert p.n_chunks == f.n_chunks and list(p.chunk_paths) == list(f.chunk_paths)
    assert p.chunks(rows) == f.chunks(rows) and p.metadata == f.metadata
    np.testing.assert_allclose(p.vectors(rows), f.vectors(rows), atol=1e-6)
    for q in [*questions(), "NATO NATO weapons", "zzz unknownword", ""]:
        np.testing.assert_array_equal(p.keyword_scores(q), f.keyword_scores(q))
        assert p.idf(q) == pytest.approx(f.idf(q), rel=1e-12)


def test_sql_filters_and_hnsw_agree_with_exact_search(both: dict[str, Settings]) -> None:
    """The PostgreSQL-side paths the retriever can delegate to: filters in SQL, and the HNSW index."""
    from rag.stores.postgres.search import hnsw
    from rag.stores.postgres.snapshot import RowSet

    p = Searcher(both["postgres"]).snapshot()
    f = Searcher(both["faiss"]).snapshot()
    q = f.encoder.encode(["Stoltenberg weapons Russian territory"])[0]
    for flt in (Filters(outlets=frozenset({"Antiwar.com"})), Filters(date_from="2024-05-01"),
                Filters(paths=frozenset({"004_67eed8baa2c05698.txt", "001_1a0347c2f0363c6c.txt"}))):
        s1, r1 = f.dense(q, 10, flt)
        s2, r2 = p.dense(q, 10, flt)
        assert r1.tolist() == r2.tolist()
        np.testing.assert_allclose(s1, s2, atol=1e-5)
    s1, r1 = f.ann.search(q[None], 10)
    s2, r2 = hnsw(p, q, 10)  # a graph of 31 nodes with ef_search 100: exact
    assert r1[0].tolist() == r2.tolist()
    rows = np.arange(p.n_chunks)[::-1]  # many rows at once: scored by PostgreSQL, not fetched
    np.testing.assert_allclose(RowSet(p.vecs, rows) @ q, f.vectors(rows) @ q, atol=1e-5)
    np.testing.assert_allclose(np.asarray(RowSet(p.vecs, rows)), f.vectors(rows), atol=1e-6)


def test_a_faiss_index_moves_to_postgres_without_embedding(both: dict[str, Settings], pg_server: Any) -> None:
    from rag.stores.postgres.migrate import copy_faiss_to_postgres

    moved = both["faiss"].with_(store="postgres", database_url=new_database(pg_server))
    copy_faiss_to_postgres(moved)
    m, f = Searcher(moved), Searcher(both["faiss"])
    a, b = m.snapshot(), f.snapshot()
    rows = list(range(b.n_chunks))
    assert a.chunks(rows) == b.chunks(rows) and list(a.chunk_paths) == list(b.chunk_paths)
    for q in questions():
        assert top(m.search(q, k=5)) == top(f.search(q, k=5)), q
    assert build(moved).up_to_date  # and it is a normal index from then on
