"""BEIR evaluation end to end on a tiny hand-made dataset, through the production builder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.evaluate.beir import load_beir, prepare
from rag.evaluate.rows import Row
from rag.evaluate.runner import run_eval

DOCS = {
    "d1": ("Volcanoes", "Magma rises through the crust and erupts as lava from volcanoes."),
    "d2": ("Bread", "Yeast ferments sugar, and the carbon dioxide makes bread dough rise."),
    "d3": ("Tides", "The moon's gravity pulls the oceans and causes the tides."),
    "d4": ("Rain", "Water vapour condenses into droplets that fall as rain."),
}
QUERIES = {"q1": "What makes dough rise?", "q2": "Why are there tides in the ocean?"}
QRELS = {"q1": "d2", "q2": "d3"}


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": d, "title": t, "text": x}) + "\n" for d, (t, x) in DOCS.items()))
    (root / "queries.jsonl").write_text("".join(
        json.dumps({"_id": q, "text": t}) + "\n" for q, t in [*QUERIES.items(), ("q9", "unjudged")]))
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in QRELS.items()))
    return root


def test_load_beir(beir_dir: Path) -> None:
    data = load_beir(beir_dir)
    assert data.queries == QUERIES  # only judged queries
    assert data.qrels == {"q1": {"d2": 1}, "q2": {"d3": 1}}


def test_prepare_caches_and_eval_reports(beir_dir: Path, fresh_index: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_EVAL_CACHE", str(tmp_path / "cache"))
    settings = Settings.load(index_dir=fresh_index, data_dir=tmp_path / "unused", quiet=True)
    data = load_beir(beir_dir)
    s, ids = prepare(data, settings)
    assert sorted(ids.values()) == sorted(DOCS)
    first = (s.paths.index_dir / "CURRENT").read_text()
    s2, _ = prepare(data, settings)
    assert (s2.paths.index_dir / "CURRENT").read_text() == first  # cached, not rebuilt
    report = tmp_path / "report.json"
    results = run_eval(settings, beir=beir_dir, mode="all", report=report)
    assert [r.row for r in results][:3] == [Row("dense", "none"), Row("bm25", "none"),
                                            Row("hybrid", "none")]
    for r in results:
        assert r.metrics["nDCG@10"] == pytest.approx(1.0)  # each query's one doc ranked first
        assert r.metrics["Recall@100"] == pytest.approx(1.0)
    saved = json.loads(report.read_text())
    assert len(saved["rows"]) == 4 and saved["rows"][0]["details"][0]["top"][0] in DOCS
