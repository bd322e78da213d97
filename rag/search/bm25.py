"""Keyword retrieval: BM25 (Lucene variant) in bm25s' file format, English stop words and
Snowball stems.

The same ``analyze`` runs on chunks at build time and on questions at query time, so the two
always agree; the index is saved inside the generation, next to the vectors it pairs with.
bm25s saves the index; queries score from its files with numpy alone, because importing bm25s
(even for its stop-word list) imports scipy.sparse: ~0.1 s of every cold query, 0.3-0.45 s on a
busy machine, for nothing the query path uses.
"""

from __future__ import annotations

import json
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
from rag.util import mapped_npy

FOLDER = "bm25"
# bm25s.stopwords.STOPWORDS_EN (Lucene's English list), kept here: importing it imports bm25s.
STOPWORDS_EN = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
    "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
    "to", "was", "will", "with"))
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-cased words without stop words (unstemmed: for highlighting and coverage)."""
    words = _WORD.findall(text.lower())
    if "’" in text:
        words = [w.replace("’", "'") for w in words]
    stop = STOPWORDS_EN
    return [w for w in (x[:-2] if x.endswith("'s") else x for x in words) if w and w not in stop]


def analyze(text: str) -> list[str]:
    return list(_stemmer().stemWords(terms(text)))


class BM25Index:
    """bm25s' "lucene" index as its arrays: scores are bm25s' own (numpy backend), bit for bit."""

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int) -> None:
        self.vocab, self.data, self.indices, self.indptr, self.num_docs = vocab, data, indices, indptr, num_docs

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        """The index of ``texts``, built here in two passes over compact arrays: bm25s' own build
        held every token as a Python object plus three copies of the postings (+506 MB at 176k
        chunks); this holds each document's distinct word ids and counts, then writes the scores
        straight into their CSC place (same numbers: a test compares them)."""
        vocab, scores = _csc_scores(texts)
        vocab.setdefault("", len(vocab))  # as bm25s: the empty token ends the vocabulary
        return cls(vocab, scores["data"], scores["indices"], scores["indptr"], scores["num_docs"])

    @classmethod
    def load(cls, gen: Path) -> BM25Index:
        folder = gen / FOLDER
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        data, indices, indptr = (mapped_npy(folder / f"{n}.csc.index.npy") for n in ("data", "indices", "indptr"))
        return cls(vocab, data, indices, indptr, int(params["num_docs"]))

    def save(self, gen: Path) -> None:
        """In bm25s' format, written by bm25s (its files are the index's documented layout)."""
        import logging

        import bm25s

        # bm25s sets its own logger to DEBUG: once any library has configured the root logger,
        # its messages would reach a user's terminal (even with --quiet).
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        retriever.scores = {"data": self.data, "indices": self.indices, "indptr": self.indptr,
                            "num_docs": self.num_docs}
        retriever.nonoccurrence_array = None
        retriever.vocab_dict = self.vocab
        retriever.unique_token_ids_set = set(self.vocab.values())
        retriever.save(str(gen / FOLDER), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk; all zeros when no query term is in the index. One
        ``np.add.at`` per query term in query order, as bm25s sums them (bit-identical)."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        for t in analyze(query):
            w = self.vocab.get(t)
            if w is not None:
                lo, hi = int(self.indptr[w]), int(self.indptr[w + 1])
                np.add.at(out, self.indices[lo:hi], self.data[lo:hi])
        return out

    def idf(self, query: str) -> dict[str, float]:
        """Each distinct query stem's IDF (Lucene form); a stem the corpus lacks gets the
        highest possible IDF, because a rare word nobody wrote about is strong evidence."""
        out: dict[str, float] = {}
        for t in analyze(query):
            w = self.vocab.get(t)
            df = int(self.indptr[w + 1] - self.indptr[w]) if w is not None else 0
            out[t] = lucene_idf(self.num_docs, df)
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
