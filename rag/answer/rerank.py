"""Second stage: look closer at the first stage's best passages and re-order them.

Two implementations behind one small interface:

* ``SentenceReranker`` looks at every candidate's sentence embeddings (computed at query time
  by ``rag.answer.sentences``, so it costs a model call over all candidates' sentences). A
  passage that contains one sentence saying exactly what was asked is a better answer than a
  passage that is only about the same topic on average, which is what a whole-passage vector
  measures. The best sentence's cosine, times ``SearchConfig.sentence_weight``, is added to the
  first-stage score (cosines and normalized BM25 share one scale, see rag.search.fusion).
  Measured on SciFact it helps dense and BM25 alone but not hybrid, so it is off by default.
* ``CrossEncoderReranker`` runs a sentence-transformers ``CrossEncoder`` from a local folder
  (``SearchConfig.cross_encoder``) when ``rerank == "cross-encoder"``; imported lazily so
  queries never pay for torch unless asked to.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.config import SearchConfig
from rag.errors import RagError
from rag.search.retriever import Candidate

CE_BATCH = 32


@dataclass(frozen=True)
class Passage:
    """What a second stage may look at for one candidate."""

    text: str  # what was embedded: "title\nchunk text"
    sentence_vectors: np.ndarray  # (sentences, dim); empty unless the reranker uses_sentences


class Reranker(Protocol):
    name: str
    uses_sentences: bool  # the pipeline embeds every candidate's sentences only when this is True

    def rerank(self, query: str, qvec: np.ndarray, cands: Sequence[Candidate],
               passages: Sequence[Passage]) -> list[Candidate]:
        """The same candidates, re-scored and re-ordered best first."""
        ...


def best_sentence(qvec: np.ndarray, sentence_vectors: np.ndarray) -> float:
    if not len(sentence_vectors):
        return 0.0
    return float(np.max(sentence_vectors @ qvec))


class NoReranker:
    name = "none"
    uses_sentences = False

    def rerank(self, query: str, qvec: np.ndarray, cands: Sequence[Candidate],
               passages: Sequence[Passage]) -> list[Candidate]:
        return [replace(c, sentence=best_sentence(qvec, p.sentence_vectors))
                for c, p in zip(cands, passages, strict=True)]


class SentenceReranker:
    """First-stage score plus ``weight`` times the best sentence's cosine."""

    name = "sentence"
    uses_sentences = True

    def __init__(self, weight: float) -> None:
        self.weight = weight

    def rerank(self, query: str, qvec: np.ndarray, cands: Sequence[Candidate],
               passages: Sequence[Passage]) -> list[Candidate]:
        scored = []
        for c, p in zip(cands, passages, strict=True):
            best = best_sentence(qvec, p.sentence_vectors)
            scored.append(replace(c, sentence=best, score=c.score + self.weight * best))
        order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))
        return [scored[i] for i in order]


class CrossEncoderReranker:
    """A local CrossEncoder's relevance score orders the candidates."""

    name = "cross-encoder"
    uses_sentences = False

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if not Path(self.folder).is_dir():
                    raise RagError(f"no cross-encoder model folder at {self.folder}")
                try:
                    from sentence_transformers import CrossEncoder
                except ImportError:
                    raise RagError("rerank=cross-encoder needs sentence-transformers installed") from None
                try:
                    self._model = CrossEncoder(self.folder, device="cpu", local_files_only=True)
                except Exception as exc:
                    raise RagError(f"cannot load the cross-encoder at {self.folder}: {exc}") from None
            return self._model

    def rerank(self, query: str, qvec: np.ndarray, cands: Sequence[Candidate],
               passages: Sequence[Passage]) -> list[Candidate]:
        if not cands:
            return []
        model = self._load()
        logits = np.asarray(model.predict([(query, p.text) for p in passages],
                                          batch_size=CE_BATCH, show_progress_bar=False), dtype=float)
        scored = [replace(c, score=float(s), sentence=best_sentence(qvec, p.sentence_vectors))
                  for c, s, p in zip(cands, logits.reshape(len(cands), -1)[:, -1], passages,
                                                 strict=True)]
        order = sorted(range(len(scored)), key=lambda i: (-scored[i].score, i))
        return [scored[i] for i in order]


_CACHE: dict[tuple[str, str | None, float], Reranker] = {}


def get_reranker(config: SearchConfig, kind: str | None = None) -> Reranker:
    """The configured second stage (one instance per kind and folder, so models load once)."""
    kind = kind or config.rerank
    key = (kind, config.cross_encoder if kind == "cross-encoder" else None, config.sentence_weight)
    if key not in _CACHE:
        if kind == "none":
            _CACHE[key] = NoReranker()
        elif kind == "sentence":
            _CACHE[key] = SentenceReranker(config.sentence_weight)
        elif kind == "cross-encoder":
            if not config.cross_encoder:
                raise RagError("rerank=cross-encoder needs a model folder: set RAG_CROSS_ENCODER")
            _CACHE[key] = CrossEncoderReranker(config.cross_encoder)
        else:
            raise RagError(f"unknown rerank '{kind}'")
    return _CACHE[key]
