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

import numpy as np

from rag.records import Chunk

SHINGLE = 5
CONTAINMENT = 0.5  # share of the smaller passage's word 5-grams found in the other


_WORDS = re.compile(r"\w+")


def shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return set(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


def same_information(a_vec: np.ndarray, b_vec: np.ndarray, a_sh: set[tuple[str, ...]],
                     b_sh: set[tuple[str, ...]], threshold: float) -> bool:
    """Near-identical meaning (cosine) or largely the same words (shingle containment)."""
    if float(np.dot(a_vec, b_vec)) >= threshold:
        return True
    small = min(len(a_sh), len(b_sh))
    return small > 0 and len(a_sh & b_sh) / small >= CONTAINMENT


def overlapping(a: Chunk, b: Chunk) -> bool:
    """Two chunks of one document whose text overlaps (they share at least one sentence)."""
    return a.path == b.path and a.start < b.end and b.start < a.end
