"""The no-answer path: say so, and still list the closest passages, marked weak."""

from __future__ import annotations

import math

from rag.answer import noanswer
from rag.answer.noanswer import Evidence, evidence, idf_coverage, probability


def test_probability_grows_with_evidence() -> None:
    weak = Evidence(0.15, 0.10, 0.0, 0.0)
    strong = Evidence(0.75, 0.65, 1.0, 1.5)
    assert probability(weak) < noanswer.THRESHOLD < probability(strong)
    assert 0.0 <= probability(Evidence(-1, -1, 0, 0)) <= 1.0
    assert not math.isnan(probability(Evidence(1e9, 1e9, 1, 1e9)))


def test_idf_coverage_weights_rare_words() -> None:
    stems = {"ukrain": 1.0, "footbal": 4.0}
    assert idf_coverage(stems, "Ukraine and football") == 1.0
    assert idf_coverage(stems, "Ukraine only") == 0.2
    assert idf_coverage({}, "anything") == 0.0


def test_evidence_features() -> None:
    ev = evidence({"ukrain": 1.0}, [0.5, 0.7], [0.4, 0.6], ["Ukraine", "other"], [2.0, 1.0])
    assert ev == Evidence(0.7, 0.6, 1.0, 2.0)
    assert evidence({}, [], [], [], []) == Evidence(0.0, 0.0, 0.0, 0.0)


def test_off_topic_question_is_unanswerable_with_weak_results(searcher) -> None:  # type: ignore[no-untyped-def]
    resp = searcher.search("Who will win the next football world cup?")
    assert resp.answerable is False
    assert resp.results, "the closest passages are still listed"
    assert all(r.weak for r in resp.results)
    assert resp.answer == []


def test_on_topic_question_is_answerable(searcher) -> None:  # type: ignore[no-untyped-def]
    resp = searcher.search("What did Stoltenberg say about the risk of escalation?")
    assert resp.answerable is True
    assert not any(r.weak for r in resp.results)
    assert resp.answer and resp.answer[0].result_rank >= 1


def test_a_very_close_sentence_is_answerable_without_shared_words() -> None:
    paraphrase = Evidence(noanswer.SENTENCE_ALONE + 0.02, 0.5, 0.1, 0.05)
    assert probability(paraphrase) < noanswer.THRESHOLD
    assert noanswer.answerable(paraphrase)


def test_a_close_sentence_without_the_questions_rare_words_is_a_near_miss() -> None:
    """Same topic, the asked fact's words absent: close in meaning is not enough."""
    near_miss = Evidence(noanswer.SENTENCE_THRESHOLD + 0.02, 0.5, 0.1, 0.05)
    assert not noanswer.answerable(near_miss)
    covered = Evidence(noanswer.SENTENCE_THRESHOLD + 0.02, 0.5, noanswer.SENTENCE_COVERAGE + 0.02, 0.05)
    assert noanswer.answerable(covered)
    assert not noanswer.answerable(Evidence(noanswer.SENTENCE_THRESHOLD - 0.2, 0.3, 0.1, 0.05))
