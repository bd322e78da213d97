"""Grouping: one piece of information shown once, every source of it cited."""

from __future__ import annotations

import numpy as np

from rag.answer.group import contained, fold, overlapping, shared_counts
from rag.index.texts import shingles
from rag.records import Chunk

QUOTE = ("This is nothing new. It has been the case for a long time that every time NATO allies "
         "are providing support to Ukraine, President Putin threatens us.")


def _hashes(*texts: str) -> list[np.ndarray]:
    return [np.fromiter(shingles(t), np.int64) for t in texts]


def test_same_words_in_two_outlets_are_the_same_information() -> None:
    other = "Kharkiv has been under heavy shelling for weeks, officials said on Monday."
    hashes = _hashes(f"Stoltenberg told reporters in Prague: {QUOTE}", f"{QUOTE} He spoke on Thursday.", other)
    i, j, count = shared_counts(hashes)
    assert (i.tolist(), j.tolist()) == ([0], [1])  # the third shares no 5-gram with either
    sizes = np.array([len(h) for h in hashes])
    assert contained(count, sizes[i], sizes[j]).tolist() == [True]
    assert not contained(np.array([0]), np.array([5]), np.array([5]))[0]
    assert not contained(np.array([0]), np.array([0]), np.array([5]))[0]  # an empty passage contains nothing


def test_shared_counts_equal_set_intersections() -> None:
    """Against Python's sets on random candidates, with copies (a hash carried by up to 5)."""
    rng = np.random.default_rng(7)
    pool = rng.integers(-2**63, 2**63 - 1, 400, dtype=np.int64)
    sets = [set(rng.choice(pool, rng.integers(0, 60), replace=False).tolist()) for _ in range(40)]
    sets += [set(sets[3]), set(sets[3]), set(), set(sets[10]) | {1, 2, 3}]
    i, j, count = shared_counts([np.array(sorted(x), dtype=np.int64) for x in sets])
    got = dict(zip(zip(i.tolist(), j.tolist(), strict=True), count.tolist(), strict=True))
    want = {(a, b): len(sets[a] & sets[b]) for a in range(len(sets)) for b in range(a + 1, len(sets))
            if sets[a] & sets[b]}
    assert got == want


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
    groups = fold([c.place for c in chunks], vecs / np.linalg.norm(vecs, axis=1, keepdims=True), 2, 0.95,
                  _hashes(*(c.text for c in chunks)))
    assert [g.index for g in groups] == [0, 3]
    assert [c.path for c in groups[0].also] == ["b.txt", "c.txt", "e.txt"]  # c.txt by its cosine alone
    assert groups[1].also == []


def test_search_shows_each_passage_once(searcher) -> None:  # type: ignore[no-untyped-def]
    resp = searcher.search("What did Stoltenberg say about the risk of escalation?", k=10)
    shown = [(r.citation.path, r.citation.start, r.citation.end) for r in resp.results]
    for i, (p, s, e) in enumerate(shown):
        for p2, s2, e2 in shown[i + 1:]:
            assert not (p == p2 and s < e2 and s2 < e), "overlapping chunks of one document"
    for r in resp.results:
        assert r.citation.path not in {a.path for a in r.also_in}
