"""Which sentences of a passage answer the question: cosine of each sentence to the question,
nudged by how many of the question's content words it carries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.records import Chunk
from rag.search.bm25 import terms

LEXICAL_WEIGHT = 0.15
SECOND_WITHIN = 0.04  # a second sentence is highlighted when nearly as good as the best


@dataclass(frozen=True)
class ScoredSentence:
    start: int
    end: int
    text: str
    score: float
    cosine: float
    coverage: float


def coverage(question_terms: set[str], text: str) -> float:
    """Share of the question's content words (prefix-matched, so "lifted" ~ "lift") in text."""
    if not question_terms:
        return 0.0
    words, by_prefix = _words(text)
    hit = sum(1 for q in question_terms
              if q in words or any(same_word(q, w) for w in by_prefix.get(q[:4], ())))
    return hit / len(question_terms)


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """The text's content words, and those of 4+ letters by their first four: two different words
    are ``same_word`` only if both have 4+ letters and share those (a sentence is read by
    several stages of a query, and again by the next queries)."""
    words = frozenset(terms(text))
    by_prefix: dict[str, list[str]] = {}
    for w in words:
        if len(w) >= 4:
            by_prefix.setdefault(w[:4], []).append(w)
    return words, {k: tuple(v) for k, v in by_prefix.items()}


def same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b))
    return n >= 4 and a[: max(4, n - 2)] == b[: max(4, n - 2)]


def score_sentences(chunks: list[Chunk], sentence_vectors: np.ndarray, qvec: np.ndarray,
                    question: str) -> list[list[ScoredSentence]]:
    """Per chunk, its sentences scored; ``sentence_vectors`` rows follow chunks' sentences."""
    qterms = set(terms(question))
    cos = sentence_vectors @ qvec if len(sentence_vectors) else np.zeros(0)
    out: list[list[ScoredSentence]] = []
    i = 0
    for ch in chunks:
        scored = []
        for s, e in ch.sentences:
            text = ch.text[s - ch.start:e - ch.start]
            cv = coverage(qterms, text)
            c = float(cos[i])
            scored.append(ScoredSentence(s, e, text, c + LEXICAL_WEIGHT * cv, c, cv))
            i += 1
        out.append(scored)
    return out


def best_spans(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """The best sentence, plus a runner-up that is nearly as good."""
    if not scored:
        return []
    ranked = sorted(scored, key=lambda s: (-s.score, s.start))
    picked = [ranked[0]]
    if len(ranked) > 1 and ranked[1].score >= ranked[0].score - SECOND_WITHIN:
        picked.append(ranked[1])
    return sorted(picked, key=lambda s: s.start)
