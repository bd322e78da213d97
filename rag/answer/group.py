"""Show a piece of information once, so the top k holds k different pieces of information.

Two cases fold into the best-ranked passage:

* the same text in several documents (one quote carried by four outlets, syndicated copies):
  folded and cited in ``also_in``;
* neighbouring chunks of the same document that share sentences (chunks overlap by design):
  the lower-ranked one is dropped, since its shared sentences are already shown and a reader
  opening the citation sees the rest in context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.records import Place

CONTAINMENT = 0.5  # share of the smaller passage's word 5-grams found in the other


@dataclass
class Group:
    """One piece of information: the best-ranked passage saying it, and where else it is said."""

    index: int  # position of that passage among the candidates
    place: Place
    shingles: set[int]
    also: list[Place] = field(default_factory=list)


def same_information(cosine: float, a_sh: set[int], b_sh: set[int],
                     threshold: float) -> bool:
    """Near-identical meaning (cosine) or largely the same words (shingle containment)."""
    if cosine >= threshold:
        return True
    small = min(len(a_sh), len(b_sh))
    return small > 0 and not a_sh.isdisjoint(b_sh) and len(a_sh & b_sh) / small >= CONTAINMENT


def overlapping(a: Place, b: Place) -> bool:
    """Two chunks of one document whose text overlaps (they share at least one sentence)."""
    return a.path == b.path and a.start < b.end and b.start < a.end


def fold(places: Sequence[Place], vectors: np.ndarray, k: int, threshold: float,
         shingled: Callable[[int], set[int]]) -> list[Group]:
    """Up to ``k`` groups from candidates best first (``vectors``: their unit vectors, in order;
    ``shingled(i)``: candidate i's word 5-gram hashes, stored by the index or made from its text).

    Every candidate is checked against the groups, also once ``k`` are full, so that each shown
    passage cites all its copies. The cosines come from one product per group and a candidate's
    word 5-grams are asked for only when a cosine does not decide (the ~185 candidates of a query
    took ~5 ms pair by pair; making their 5-grams ~3 ms, reading stored ones ~0.6 ms)."""
    groups: list[Group] = []
    cosines: list[np.ndarray] = []  # per group: its passage's cosine to every candidate
    for i, here in enumerate(places):
        if any(overlapping(g.place, here) for g in groups):
            continue
        sh: set[int] | None = None
        dup = None
        for g, cos in zip(groups, cosines, strict=True):
            if g.place.path == here.path:
                continue
            if cos[i] < threshold and sh is None:
                sh = shingled(i)
            if same_information(float(cos[i]), g.shingles, sh or set(), threshold):
                dup = g
                break
        if dup is not None:
            if here.path not in {x.path for x in dup.also}:
                dup.also.append(here)
        elif len(groups) < k:
            groups.append(Group(i, here, shingled(i) if sh is None else sh))
            cosines.append(vectors @ vectors[i])
    return groups
