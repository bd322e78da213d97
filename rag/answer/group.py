"""Show a piece of information once, so the top k holds k different pieces of information.

Two cases fold into the best-ranked passage:

* the same text in several documents (one quote carried by four outlets, syndicated copies):
  folded and cited in ``also_in``;
* neighbouring chunks of the same document that share sentences (chunks overlap by design):
  the lower-ranked one is dropped, since its shared sentences are already shown and a reader
  opening the citation sees the rest in context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.records import Place

CONTAINMENT = 0.5  # share of the smaller passage's word 5-grams found in the other


@dataclass
class Group:
    """One piece of information: the best-ranked passage saying it, and where else it is said."""

    index: int  # position of that passage among the candidates
    place: Place
    also: list[Place] = field(default_factory=list)


def contained(shared: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Largely the same words: the ``shared`` word 5-grams of two passages with ``a`` and ``b``
    of them make at least CONTAINMENT of the smaller passage's (element-wise)."""
    small = np.minimum(a, b)
    share = np.divide(shared, small, out=np.zeros(np.shape(small)), where=small > 0)
    return (small > 0) & (np.asarray(shared) > 0) & (share >= CONTAINMENT)


def shared_counts(hashes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, count)`` for every pair of candidates i < j that shares word 5-gram hashes, and how
    many (each candidate's hashes are distinct). One sort of all of them instead of ~900 set
    intersections in Python: equal hashes lie side by side, and a hash carried by m candidates
    pairs each with the ones 1..m-1 places further on."""
    n = len(hashes)
    sizes = np.fromiter(map(len, hashes), np.int64, n)
    none = np.zeros(0, np.int64)
    if not sizes.sum():
        return none, none, none
    values = np.concatenate(hashes)
    order = np.argsort(values)  # SIMD quicksort: ~5x a stable sort, and a run's order is not used
    v, owner = values[order], np.repeat(np.arange(n, dtype=np.int64), sizes)[order]
    pairs = []
    for d in range(1, len(v)):
        hit = np.flatnonzero(v[d:] == v[:-d])
        if not len(hit):
            break
        a, b = owner[hit], owner[hit + d]
        pairs.append(np.minimum(a, b) * n + np.maximum(a, b))
    if not pairs:
        return none, none, none
    pair, count = np.unique(np.concatenate(pairs), return_counts=True)
    return pair // n, pair % n, count


def overlapping(a: Place, b: Place) -> bool:
    """Two chunks of one document whose text overlaps (they share at least one sentence)."""
    return a.path == b.path and a.start < b.end and b.start < a.end


def fold(places: Sequence[Place], vectors: np.ndarray, k: int, threshold: float,
         hashes: Sequence[np.ndarray]) -> list[Group]:
    """Up to ``k`` groups from candidates best first (``vectors``: their unit vectors, in order;
    ``hashes``: their word 5-gram hashes, stored by the index or made from the texts).

    Every candidate is checked against the groups, also once ``k`` are full, so that each shown
    passage cites all its copies. A candidate is the same information as a group's passage when
    their cosine reaches ``threshold`` (near-identical meaning) or their words are ``contained``;
    both are worked out for all candidates at once when a group opens (pair by pair in Python,
    the ~185 candidates of a query took ~2 ms)."""
    sizes = np.fromiter(map(len, hashes), np.int64, len(hashes))
    pa, pb, pc = shared_counts(hashes)
    groups: list[Group] = []
    same: list[list[bool]] = []  # per group: is each candidate the same information as its passage
    paths: set[str] = set()  # the groups' documents: only there can a candidate overlap one
    for i, here in enumerate(places):
        if here.path in paths and any(overlapping(g.place, here) for g in groups):
            continue
        dup = next((g for g, s in zip(groups, same, strict=True) if s[i] and g.place.path != here.path), None)
        if dup is not None:
            if here.path not in {x.path for x in dup.also}:
                dup.also.append(here)
        elif len(groups) < k:
            groups.append(Group(i, here))
            paths.add(here.path)
            row = (vectors @ vectors[i]).astype(np.float64) >= threshold
            mine = (pa == i) | (pb == i)
            other = np.where(pa[mine] == i, pb[mine], pa[mine])
            row[other[contained(pc[mine], sizes[i], sizes[other])]] = True
            same.append(row.tolist())
    return groups
