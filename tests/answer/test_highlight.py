"""Highlights are whole sentences of the passage, in absolute offsets into the source text."""

from __future__ import annotations

from rag.answer.highlight import ScoredSentence, best_spans, coverage
from rag.chunk.sentences import sentence_spans


def test_coverage_prefix_matches() -> None:
    q = {"countries", "lifted", "restrictions"}
    assert coverage(q, "Several countries have already lifted restrictions.") == 1.0
    assert coverage(q, "Nothing here.") == 0.0
    assert coverage(set(), "anything") == 0.0


def test_best_spans_adds_a_close_runner_up_only() -> None:
    a = ScoredSentence(0, 5, "a", 0.80, 0.8, 0)
    b = ScoredSentence(10, 15, "b", 0.79, 0.79, 0)
    c = ScoredSentence(20, 25, "c", 0.50, 0.5, 0)
    assert [s.start for s in best_spans([c, b, a])] == [0, 10]
    assert [s.start for s in best_spans([a, c])] == [0]
    assert best_spans([]) == []


def test_highlight_offsets_are_sentences_of_the_passage(searcher) -> None:  # type: ignore[no-untyped-def]
    snap = searcher.snapshot()
    for q in ("which countries lifted restrictions?", "Who asked the Secretary of Defense?"):
        resp = searcher.search(q, k=5)
        assert resp.results
        for r in resp.results:
            source = snap.source(r.citation.path)
            assert source.text[r.citation.start:r.citation.end] == r.text
            assert 1 <= len(r.highlights) <= 2
            sentences = set(sentence_spans(source.text, r.citation.start, r.citation.end))
            for s, e in r.highlights:
                assert r.citation.start <= s < e <= r.citation.end
                assert (s, e) in sentences  # a whole sentence, not a fragment
                assert source.text[s:e].strip() == source.text[s:e]
        for a in resp.answer:
            src = snap.source(a.path)
            assert src.text[a.start:a.end] == a.text
            assert resp.results[a.result_rank - 1].citation.path == a.path
