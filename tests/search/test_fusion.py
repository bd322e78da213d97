"""Reciprocal rank fusion: agreement wins, weights count, ties are deterministic."""

from __future__ import annotations

import pytest

from rag.search.fusion import blend, rrf


def test_rrf_scores_and_order() -> None:
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [r for r, _ in fused] == [1, 3, 2]  # found by both lists beats found by one


def test_rrf_weights_and_ties() -> None:
    assert [r for r, _ in rrf([[1], [2]], k=10)] == [1, 2]  # tie: lower row first
    assert [r for r, _ in rrf([[1], [2]], k=10, weights=[1.0, 2.0])] == [2, 1]
    assert rrf([], k=60) == []


def test_blend_adds_weighted_keyword_score() -> None:
    fused = blend({1: 0.5, 2: 0.4}, {2: 0.3, 3: 0.9}, weight=0.8)
    scores = dict(fused)
    assert scores == pytest.approx({1: 0.5, 2: 0.4 + 0.8 * 0.3, 3: 0.8 * 0.9})
    assert [r for r, _ in fused] == [3, 2, 1]
    assert [r for r, _ in blend({5: 0.1, 4: 0.1}, {}, 1.0)] == [4, 5]  # ties: lower row first
