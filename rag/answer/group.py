"""Show a piece of information once, so the top k holds k different pieces of information.

Two cases fold into the best-ranked passage:

* the same text in several documents (one quote carried by four outlets, syndicated copies):
  folded and cited in ``also_in``;
* neighbouring chunks of the same document that share sentences (chunks overlap by design):
  the lower-ranked one is dropped, since its shared sentences are already shown and a reader
  opening the citation sees the rest in context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.records import Chunk

SHINGLE = 5
CONTAINMENT = 0.5  # share of the smaller passage's word 5-grams found in the other


_WORDS = re.compile(r"\w+")


@dataclass
class Group:
    """One piece of information: the best-ranked passage saying it, and where else it is said."""

    index: int  # position of that passage among the candidates
    chunk: Chunk
    shingles: set[int]
    also: list[Chunk] = field(default_factory=list)


def shingles(text: str) -> set[int]:
    """The text's word 5-grams, each kept as its hash: sets of ints intersect twice as fast as
    sets of word tuples (two 5-grams share a 64-bit hash with odds of ~1e-19)."""
    words = _WORDS.findall(text.lower())
    return set(map(hash, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def same_information(cosine: float, a_sh: set[int], b_sh: set[int],
                     threshold: float) -> bool:
    """Near-identical meaning (cosine) or largely the same words (shingle containment)."""
    if cosine >= threshold:
        return True
    small = min(len(a_sh), len(b_sh))
    return small > 0 and len(a_sh & b_sh) / small >= CONTAINMENT


def overlapping(a: Chunk, b: Chunk) -> bool:
    """Two chunks of one document whose text overlaps (they share at least one sentence)."""
    return a.path == b.path and a.start < b.end and b.start < a.end


def fold(chunks: Sequence[Chunk], vectors: np.ndarray, k: int, threshold: float) -> list[Group]:
    """Up to ``k`` groups from candidates best first (``vectors``: their unit vectors, in order).

    Every candidate is checked against the groups, also once ``k`` are full, so that each shown
    passage cites all its copies. The cosines come from one product per group and a candidate's
    word 5-grams are made only when a cosine does not decide (the ~185 candidates of a query took
    ~5 ms pair by pair)."""
    groups: list[Group] = []
    cosines: list[np.ndarray] = []  # per group: its passage's cosine to every candidate
    for i, ch in enumerate(chunks):
        if any(overlapping(g.chunk, ch) for g in groups):
            continue
        sh: set[int] | None = None
        dup = None
        for g, cos in zip(groups, cosines, strict=True):
            if g.chunk.path == ch.path:
                continue
            if cos[i] < threshold and sh is None:
                sh = shingles(ch.text)
            if same_information(float(cos[i]), g.shingles, sh or set(), threshold):
                dup = g
                break
        if dup is not None:
            if ch.path not in {x.path for x in dup.also}:
                dup.also.append(ch)
        elif len(groups) < k:
            groups.append(Group(i, ch, shingles(ch.text) if sh is None else sh))
            cosines.append(vectors @ vectors[i])
    return groups
