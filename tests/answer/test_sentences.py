"""Sentence vectors made at query time: what the stored ones were (each sentence embedded on its
own), each distinct text embedded once, repeats served from the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.answer.sentences import SentenceVectors, sentence_texts
from rag.chunk import ModelTokenCounter, chunk_source
from rag.embed.onnx import OnnxEncoder
from rag.records import Source
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def _chunks(export: Path) -> dict[int, object]:
    text = sorted(DATA.glob("*.txt"))[1].read_text(encoding="utf-8")
    src = Source("a.txt", text, "h", "txt", spans=((0, len(text)),))
    return dict(enumerate(chunk_source(src, ModelTokenCounter(export / "tokenizer.json"), 128, 1)))


def test_fill_embeds_each_sentence_as_alone_and_once(models_cache: Path) -> None:
    export = next(models_cache.iterdir())
    enc = OnnxEncoder(export)
    chunks = _chunks(export)
    assert len(chunks) >= 3
    sv = SentenceVectors()
    got = sv.fill(enc, chunks, {}, [0, 1, 2, 1])  # type: ignore[arg-type]
    assert sorted(got) == [0, 1, 2]
    texts = [t for r in (0, 1, 2) for t in sentence_texts(chunks[r])]  # type: ignore[arg-type]
    assert sv.embedded == len(set(texts)) < len(texts)  # overlap sentences are embedded once
    for r in (0, 1, 2):
        alone = np.stack([enc.encode([t])[0] for t in sentence_texts(chunks[r])])  # type: ignore[arg-type]
        assert got[r].shape == alone.shape
        np.testing.assert_allclose(got[r], alone, atol=1e-5)
    again = sv.fill(enc, chunks, {}, [2, 1])  # type: ignore[arg-type]
    assert sv.embedded == len(set(texts))  # all from the cache
    np.testing.assert_array_equal(again[1], got[1])


def test_cache_is_bounded(models_cache: Path) -> None:
    enc = OnnxEncoder(next(models_cache.iterdir()))
    sv = SentenceVectors(max_items=3)
    sv.vectors(enc, ["one", "two", "three", "four"])
    assert len(sv._cache) == 3 and "one" not in sv._cache
    sv.vectors(enc, ["two"])
    assert sv.embedded == 4


def test_the_question_rides_in_the_same_call(models_cache: Path) -> None:
    """The pipeline embeds the question's reading vector with the sentences: one model call."""
    export = next(models_cache.iterdir())
    enc = OnnxEncoder(export)
    chunks = _chunks(export)
    sv = SentenceVectors()
    q = "What did Stoltenberg say about the risk of escalation?"
    sv.fill(enc, chunks, {}, [0, 1], also=[q])  # type: ignore[arg-type]
    texts = {t for r in (0, 1) for t in sentence_texts(chunks[r])}  # type: ignore[arg-type]
    assert sv.embedded == len(texts) + 1
    got = sv.vectors(enc, [q])[q]
    assert sv.embedded == len(texts) + 1  # served from the cache
    np.testing.assert_allclose(got, enc.encode([q])[0], atol=1e-5)
