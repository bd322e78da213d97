"""Splitting and chunking take time linear in the text: a 1 MB article with long lines (what
HTML extraction and JSONL give) must not take minutes. Bounds are generous (the quadratic
splitter took ~170 s on 1 MB); the work itself is compared by size, not by the clock."""

from __future__ import annotations

import time

from rag.chunk import chunk_source, sentence_spans
from rag.records import Source
from tests.helpers import DATA

MB = 1_000_000


def _long_line(size: int) -> str:
    body = " ".join(p.read_text(encoding="utf-8").replace("\n", " ") for p in sorted(DATA.glob("*.txt")))
    return (body * (size // len(body) + 1))[:size]


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_sentence_splitting_a_1mb_line_is_linear() -> None:
    small, big = _long_line(MB // 8), _long_line(MB)
    t0 = time.perf_counter()
    spans = sentence_spans(big)
    took = time.perf_counter() - t0
    assert took < 20.0
    assert 7 <= len(spans) / len(sentence_spans(small)) <= 9  # 8x the text, 8x the sentences
    assert all(big[s:e].strip() == big[s:e] for s, e in spans[:1000])


def test_chunking_a_1mb_article_is_linear() -> None:
    text = _long_line(MB)
    t0 = time.perf_counter()
    chunks = chunk_source(Source("big.txt", text, "h", "txt", spans=((0, len(text)),)), words, 128, 1)
    assert time.perf_counter() - t0 < 60.0
    assert len(chunks) > 1000
    assert all(text[c.start:c.end] == c.text for c in chunks)
