"""Grouping: one piece of information shown once, every source of it cited."""

from __future__ import annotations

import numpy as np

from rag.answer.group import overlapping, same_information, shingles
from rag.records import Chunk

QUOTE = ("This is nothing new. It has been the case for a long time that every time NATO allies "
         "are providing support to Ukraine, President Putin threatens us.")


def test_same_words_in_two_outlets_are_the_same_information() -> None:
    a = shingles(f"Stoltenberg told reporters in Prague: {QUOTE}")
    b = shingles(f"{QUOTE} He spoke on Thursday.")
    far = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert same_information(*far, a, b, 0.9)
    other = shingles("Kharkiv has been under heavy shelling for weeks, officials said on Monday.")
    assert not same_information(*far, a, other, 0.9)


def test_near_identical_meaning_by_cosine() -> None:
    v = np.array([0.6, 0.8])
    assert same_information(v, v, set(), set(), 0.9)
    assert not same_information(v, np.array([0.8, -0.6]), set(), set(), 0.9)


def test_overlapping_chunks_of_one_document() -> None:
    a = Chunk("a.txt", 0, 100, "x" * 100, 0)
    b = Chunk("a.txt", 80, 200, "x" * 120, 1)
    c = Chunk("a.txt", 200, 300, "x" * 100, 2)
    other = Chunk("b.txt", 80, 200, "x" * 120, 0)
    assert overlapping(a, b) and overlapping(b, a)
    assert not overlapping(a, c)
    assert not overlapping(b, other)


def test_search_shows_each_passage_once(searcher) -> None:  # type: ignore[no-untyped-def]
    resp = searcher.search("What did Stoltenberg say about the risk of escalation?", k=10)
    shown = [(r.citation.path, r.citation.start, r.citation.end) for r in resp.results]
    for i, (p, s, e) in enumerate(shown):
        for p2, s2, e2 in shown[i + 1:]:
            assert not (p == p2 and s < e2 and s2 < e), "overlapping chunks of one document"
    for r in resp.results:
        assert r.citation.path not in {a.path for a in r.also_in}
