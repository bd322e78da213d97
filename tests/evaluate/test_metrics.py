"""Ranking metrics on tiny hand-made rankings, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from rag.evaluate.metrics import dedupe, first_hit, hit_at_k, mrr_at_k, ndcg_at_k, recall_at_k


def test_ndcg_perfect_and_worked_example() -> None:
    qrels = {"a": 1, "b": 1}
    assert ndcg_at_k(["a", "b", "x"], qrels, 10) == pytest.approx(1.0)
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert ndcg_at_k(["x", "a", "y", "b"], qrels, 10) == pytest.approx(dcg / idcg)


def test_ndcg_cutoff_graded_and_duplicates() -> None:
    assert ndcg_at_k(["x", "y", "a"], {"a": 1}, 2) == 0.0
    # graded: ideal puts the grade-2 doc first
    got = ndcg_at_k(["b", "a"], {"a": 2, "b": 1}, 10)
    assert got == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    # a document listed twice counts once, at its best rank
    assert ndcg_at_k(["a", "a", "b"], {"a": 1, "b": 1}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {}, 10) == 0.0


def test_recall() -> None:
    qrels = {"a": 1, "b": 1, "c": 1, "d": 0}
    assert recall_at_k(["a", "x", "b"], qrels, 100) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "x", "b"], qrels, 2) == pytest.approx(1 / 3)
    assert dedupe(["a", "b", "a"]) == ["a", "b"]


def test_hit_and_mrr() -> None:
    hits = [False, False, True, False]
    assert first_hit(hits) == 3
    assert hit_at_k(hits, 1) == 0.0
    assert hit_at_k(hits, 3) == 1.0
    assert mrr_at_k(hits, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(hits, 2) == 0.0
    assert mrr_at_k([False] * 5, 10) == 0.0
    assert first_hit([]) is None
