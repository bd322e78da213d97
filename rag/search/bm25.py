"""Keyword retrieval: BM25 (Lucene variant) from bm25s, English stop words and Snowball stems.

The same ``analyze`` runs on chunks at build time and on questions at query time, so the two
always agree; the index is saved inside the generation, next to the vectors it pairs with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.search.scoring import K1, B
from rag.search.scoring import idf as lucene_idf
from rag.search.topk import positive_top

FOLDER = "bm25"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(text: str) -> list[str]:
    """Lower-cased words without stop words (unstemmed: for highlighting and coverage)."""
    stop = _stopwords()
    out = []
    for m in _WORD.finditer(text.lower()):
        w = m.group(0).replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        if w and w not in stop:
            out.append(w)
    return out


def analyze(text: str) -> list[str]:
    return list(_stemmer().stemWords(terms(text)))


class BM25Index:
    def __init__(self, retriever: object) -> None:
        self._r = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        import logging

        import bm25s

        # bm25s sets its own logger to DEBUG: once any library has configured the root logger,
        # "Building index from tokens" would reach a user's terminal (even with --quiet).
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        # Word ids, not word strings: a build's token lists held ~17M short strings at 10,000
        # articles (+500 MB); ids index the one copy of each word kept in ``vocab``.
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(w, len(vocab)) for w in (analyze(t) or ["\x00empty"])] for t in texts]
        retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        if ids:
            retriever.index((ids, vocab), show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, gen: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(gen / FOLDER), mmap=True, show_progress=False))

    def save(self, gen: Path) -> None:
        self._r.save(str(gen / FOLDER), show_progress=False)  # type: ignore[attr-defined]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk; all zeros when no query term is in the index."""
        r = self._r
        n = int(getattr(r, "scores", {}).get("num_docs", 0))
        vocab: dict[str, int] = getattr(r, "vocab_dict", {}) or {}
        ids = [vocab[t] for t in analyze(query) if t in vocab]
        if not n or not ids:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(r.get_scores_from_ids(ids), dtype=np.float32)  # type: ignore[attr-defined]

    def idf(self, query: str) -> dict[str, float]:
        """Each distinct query stem's IDF (Lucene form); a stem the corpus lacks gets the
        highest possible IDF, because a rare word nobody wrote about is strong evidence."""
        r = self._r
        n = int(getattr(r, "scores", {}).get("num_docs", 0))
        vocab: dict[str, int] = getattr(r, "vocab_dict", {}) or {}
        indptr = getattr(r, "scores", {}).get("indptr")
        out: dict[str, float] = {}
        for t in analyze(query):
            df = int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t in vocab and indptr is not None else 0
            out[t] = lucene_idf(n, df)
        return out

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        return positive_top(self.scores(query), k)
