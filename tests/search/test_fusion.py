"""Reciprocal rank fusion: agreement wins, weights count, ties are deterministic."""

from __future__ import annotations

import pytest

from rag.search.fusion import rrf


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
