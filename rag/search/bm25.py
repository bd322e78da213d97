"""Keyword retrieval: BM25 (Lucene variant) from bm25s, English stop words and Snowball stems.

The same ``analyze`` runs on chunks at build time and on questions at query time, so the two
always agree; the index is saved inside the generation, next to the vectors it pairs with.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.search.scoring import K1, B, tf_part
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
        """The bm25s "lucene" index of ``texts``, built here in two passes over compact arrays:
        bm25s' own build held every token as a Python object plus three copies of the postings
        (+506 MB at 176k chunks); this holds each document's distinct word ids and counts, then
        writes the scores straight into their CSC place (same numbers: a test compares them)."""
        import logging

        import bm25s

        # bm25s sets its own logger to DEBUG: once any library has configured the root logger,
        # its messages would reach a user's terminal (even with --quiet).
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        vocab, scores = _csc_scores(texts)
        retriever.scores = scores
        retriever.nonoccurrence_array = None
        vocab.setdefault("", len(vocab))  # as bm25s: the empty token ends the vocabulary
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
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


def _csc_scores(texts: Sequence[str]) -> tuple[dict[str, int], dict[str, Any]]:
    """Vocabulary and bm25s' score matrix (documents x words, CSC): pass one keeps each document's
    distinct word ids and counts, pass two writes every score at its column's next free place."""
    vocab: dict[str, int] = {}
    words, counts, sizes, lengths = array("i"), array("f"), array("q"), array("q")
    for text in texts:
        toks = analyze(text) or ["\x00empty"]
        ids = np.fromiter((vocab.setdefault(w, len(vocab)) for w in toks), np.int32, len(toks))
        u, c = np.unique(ids, return_counts=True)
        words.frombytes(u.tobytes())
        counts.frombytes(c.astype(np.float32).tobytes())
        sizes.append(len(u))
        lengths.append(len(toks))
    n = len(sizes)
    word = np.frombuffer(words, dtype=np.int32)
    tf = np.frombuffer(counts, dtype=np.float32)
    df = np.bincount(word, minlength=len(vocab))
    idf = np.array([lucene_idf(n, int(d)) for d in df], dtype=np.float32)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    data = np.empty(len(word), dtype=np.float32)
    rows = np.empty(len(word), dtype=np.int32)
    cursor = indptr[:-1].copy()
    avgdl = np.asarray(lengths, dtype=np.int64).mean() if n else np.float64(0.0)
    lo = 0
    for doc, (size, dl) in enumerate(zip(sizes, lengths, strict=True)):
        u = word[lo:lo + size]
        at = cursor[u]
        data[at] = idf[u] * tf_part(tf[lo:lo + size], dl, float(avgdl))
        rows[at] = doc
        cursor[u] += 1
        lo += size
    small = indptr[-1] < np.iinfo(np.int32).max
    return vocab, {"data": data, "indices": rows, "indptr": indptr.astype(np.int32) if small else indptr,
                   "num_docs": n}
