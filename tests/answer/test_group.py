"""Grouping: one piece of information shown once, every source of it cited."""

from __future__ import annotations

import numpy as np

from rag.answer.group import fold, overlapping, same_information
from rag.index.texts import shingles
from rag.records import Chunk

QUOTE = ("This is nothing new. It has been the case for a long time that every time NATO allies "
         "are providing support to Ukraine, President Putin threatens us.")


def test_same_words_in_two_outlets_are_the_same_information() -> None:
    a = shingles(f"Stoltenberg told reporters in Prague: {QUOTE}")
    b = shingles(f"{QUOTE} He spoke on Thursday.")
    assert same_information(0.0, a, b, 0.9)
    other = shingles("Kharkiv has been under heavy shelling for weeks, officials said on Monday.")
    assert not same_information(0.0, a, other, 0.9)


def test_near_identical_meaning_by_cosine() -> None:
    assert same_information(0.95, set(), set(), 0.9)
    assert not same_information(0.85, set(), set(), 0.9)


def test_overlapping_chunks_of_one_document() -> None:
    a = Chunk("a.txt", 0, 100, "x" * 100, 0)
    b = Chunk("a.txt", 80, 200, "x" * 120, 1)
    c = Chunk("a.txt", 200, 300, "x" * 100, 2)
    other = Chunk("b.txt", 80, 200, "x" * 120, 0)
    assert overlapping(a.place, b.place) and overlapping(b.place, a.place)
    assert not overlapping(a.place, c.place)
    assert not overlapping(b.place, other.place)


def test_fold_keeps_k_groups_and_cites_every_copy() -> None:
    """Best first: a neighbour of a shown chunk is dropped, a copy in another outlet (same words or
    the same meaning) is cited once per outlet, also after the k groups are full."""
    other = "Kharkiv has been under heavy shelling for weeks, officials said on Monday."
    third = "Germany said its weapons may now be used against targets inside Russia near Kharkiv."
    chunks = [Chunk("a.txt", 0, 100, QUOTE, 0),
              Chunk("a.txt", 80, 200, other, 1),  # overlaps the first: dropped
              Chunk("b.txt", 0, 120, f"He said: {QUOTE}", 0),  # the quote again: cited
              Chunk("b.txt", 300, 400, other, 3),  # a second group
              Chunk("c.txt", 0, 90, "A different sentence about the weather in Prague.", 0),  # same meaning
              Chunk("d.txt", 0, 80, third, 0),  # k=2 groups are full: neither shown nor cited
              Chunk("e.txt", 0, 80, QUOTE, 0)]  # a copy after the groups are full: still cited
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [0.99, 0.141, 0], [0, 0, 1], [0, 0, 1.0]])
    asked: list[int] = []

    def shingled(i: int) -> set[int]:
        asked.append(i)
        return shingles(chunks[i].text)

    groups = fold([c.place for c in chunks], vecs / np.linalg.norm(vecs, axis=1, keepdims=True), 2, 0.95, shingled)
    assert [g.index for g in groups] == [0, 3]
    assert [c.path for c in groups[0].also] == ["b.txt", "c.txt", "e.txt"]
    assert groups[1].also == []
    assert 4 not in asked  # c.txt is a copy by its cosine alone: its 5-grams were never made


def test_search_shows_each_passage_once(searcher) -> None:  # type: ignore[no-untyped-def]
    resp = searcher.search("What did Stoltenberg say about the risk of escalation?", k=10)
    shown = [(r.citation.path, r.citation.start, r.citation.end) for r in resp.results]
    for i, (p, s, e) in enumerate(shown):
        for p2, s2, e2 in shown[i + 1:]:
            assert not (p == p2 and s < e2 and s2 < e), "overlapping chunks of one document"
    for r in resp.results:
        assert r.citation.path not in {a.path for a in r.also_in}
