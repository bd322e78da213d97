"""Sentence vectors at query time, for the few passages a question actually shows.

Highlighting, the no-answer features and the optional sentence second stage need the sentences of
a handful of top passages. Embedding every sentence of the corpus at build time cost about three
model calls per chunk; embedding the few dozen sentences a query looks at costs one batched call,
and repeats are served from a bounded LRU cache keyed by the sentence text (same model, same text:
same vector, so the cache stays valid across index generations).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from rag.embed import Encoder
from rag.index.texts import sentence_texts
from rag.records import Chunk

CACHE_SENTENCES = 20_000  # ~31 MB of float32 384-d vectors


class SentenceVectors:
    """Embeds sentences on demand, each distinct text once; safe to share between threads."""

    def __init__(self, max_items: int = CACHE_SENTENCES) -> None:
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # texts sent to the model so far (for tests and the benchmark)
        self._encoder: object = None  # vectors of another encoder (precision) are not reused

    def fill(self, encoder: Encoder, chunks: dict[int, Chunk], out: dict[int, np.ndarray],
             rows: Iterable[int], also: Sequence[str] = ()) -> dict[int, np.ndarray]:
        """Add to ``out`` the (sentences, dim) matrix of every row in ``rows`` it lacks; ``also``:
        other texts to embed in the same call (the question), cached like the sentences."""
        todo = [r for r in dict.fromkeys(int(r) for r in rows) if r not in out and r in chunks]
        texts = {r: sentence_texts(chunks[r]) for r in todo}
        vecs = self.vectors(encoder, [*also, *(t for r in todo for t in texts[r])])
        for r in todo:
            out[r] = np.stack([vecs[t] for t in texts[r]]) if texts[r] else np.zeros((0, encoder.dim),
                                                                                      np.float32)
        return out

    def vectors(self, encoder: Encoder, texts: list[str]) -> dict[str, np.ndarray]:
        """A vector for every text: cached ones reused, the rest embedded in one encoder call."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            if encoder is not self._encoder:
                self._cache.clear()
                self._encoder = encoder
            for t in texts:
                v = self._cache.get(t)
                if v is not None:
                    self._cache.move_to_end(t)
                    found[t] = v
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = encoder.encode(missing)
            with self._lock:
                self.embedded += len(missing)
                for t, v in zip(missing, fresh, strict=True):
                    found[t] = self._cache[t] = v
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        return found
