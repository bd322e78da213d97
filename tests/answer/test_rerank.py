"""The second-stage interface: every reranker keeps the candidates, only the order changes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rag.answer import rerank as rr
from rag.config import Settings
from rag.errors import RagError
from rag.search.retriever import Candidate


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


QVEC = _unit(1, 0, 0)
CANDS = [Candidate(row=10, score=0.03, dense=0.5), Candidate(row=11, score=0.02, dense=0.4),
         Candidate(row=12, score=0.01, dense=0.3)]
PASSAGES = [
    rr.Passage("t\nabout the topic", np.stack([_unit(0.3, 1, 0), _unit(0.3, 0, 1)])),
    rr.Passage("t\nabout the topic too", np.stack([_unit(0.2, 1, 1)])),
    rr.Passage("t\nsays exactly this", np.stack([_unit(0, 1, 1), _unit(1, 0.05, 0)])),
]


def test_none_keeps_order_and_reports_best_sentence() -> None:
    out = rr.NoReranker().rerank("q", QVEC, CANDS, PASSAGES)
    assert [c.row for c in out] == [10, 11, 12]
    assert out[2].sentence == pytest.approx(float(PASSAGES[2].sentence_vectors[1] @ QVEC))


def test_sentence_reranker_promotes_the_passage_with_an_answering_sentence() -> None:
    out = rr.SentenceReranker(0.3).rerank("q", QVEC, CANDS, PASSAGES)
    assert sorted(c.row for c in out) == [10, 11, 12]
    assert out[0].row == 12  # its second sentence points where the question does
    assert out[0].score == pytest.approx(0.01 + 0.3 * out[0].sentence)
    assert out[0].score >= out[1].score >= out[2].score


def test_empty_input() -> None:
    for r in (rr.NoReranker(), rr.SentenceReranker(0.3)):
        assert r.rerank("q", QVEC, [], []) == []


class _FakeCrossEncoder:
    def predict(self, pairs: list[tuple[str, str]], **_: Any) -> np.ndarray:
        return np.array([float("exactly" in text) for _, text in pairs])


def test_cross_encoder_orders_by_model_score() -> None:
    ce = rr.CrossEncoderReranker("/nowhere")
    ce._model = _FakeCrossEncoder()  # the real one loads a local folder lazily
    out = ce.rerank("q", QVEC, CANDS, PASSAGES)
    assert [c.row for c in out] == [12, 10, 11]


def test_factory() -> None:
    s = Settings.load()
    assert isinstance(rr.get_reranker(s.search, "none"), rr.NoReranker)
    assert isinstance(rr.get_reranker(s.search, "sentence"), rr.SentenceReranker)
    with pytest.raises(RagError):
        rr.get_reranker(s.with_(cross_encoder=None).search, "cross-encoder")
    with pytest.raises(RagError, match="no cross-encoder"):
        rr.get_reranker(s.with_(cross_encoder="/nowhere/ce").search, "cross-encoder").rerank(
            "q", QVEC, CANDS, PASSAGES)
