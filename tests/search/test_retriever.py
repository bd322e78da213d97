"""First-stage retrieval on the sample index: every mode, scores on one scale, filters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.answer.pipeline import clean_question
from rag.search.retriever import Filters, retrieve

Q = "Which newspaper reported that views on the restrictions had shifted?"


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_modes_rank_and_carry_both_scores(searcher, mode: str) -> None:  # type: ignore[no-untyped-def]
    snap = searcher.snapshot()
    q = clean_question(Q, 2000)
    cfg = searcher.settings.search
    cands = retrieve(snap, q, snap.encoder.encode([q])[0], mode, 10, config=cfg)  # type: ignore[arg-type]
    assert cands
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert len({c.row for c in cands}) == len(cands)
    for c in cands:
        assert -1.0 <= c.dense <= 1.0
        assert 0.0 <= c.bm25 <= 2.5  # BM25 / the question's IDF mass
    if mode == "hybrid" and cfg.fusion == "blend":
        w = cfg.bm25_weight
        assert all(c.score == pytest.approx(c.dense + w * c.bm25, abs=1e-5) for c in cands)


def test_filters_restrict_documents(searcher) -> None:  # type: ignore[no-untyped-def]
    snap = searcher.snapshot()
    path = snap.chunk_paths[0]
    q = clean_question(Q, 2000)
    cands = retrieve(snap, q, snap.encoder.encode([q])[0], "hybrid", 50, Filters(paths=frozenset([path])),
                     config=searcher.settings.search)
    assert cands and all(snap.chunk_paths[c.row] == path for c in cands)


def test_no_keyword_match_still_answers_in_bm25_mode(searcher) -> None:  # type: ignore[no-untyped-def]
    snap = searcher.snapshot()
    assert retrieve(snap, "zzzqqq", None, "bm25", 10, config=searcher.settings.search) == []


def test_fusion_comes_from_the_section_passed(searcher) -> None:  # type: ignore[no-untyped-def]
    """The retriever reads its own SearchConfig, not the snapshot's settings."""
    snap = searcher.snapshot()
    q = clean_question(Q, 2000)
    qvec = snap.encoder.encode([q])[0]
    cfg = replace(searcher.settings.search, fusion="rrf", rrf_k=10)
    cands = retrieve(snap, q, qvec, "hybrid", 10, config=cfg)
    assert cands and cands[0].score >= 1 / 11 - 1e-9  # first in at least one list
    assert all(c.score <= 2 / 11 + 1e-9 for c in cands)  # RRF with k=10, not a blend of scores
