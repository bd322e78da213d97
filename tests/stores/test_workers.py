"""`rag index --workers N`: embedding spread over N processes gives the one-worker vectors, with
one progress bar that counts up to the total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.chunk.sentences import sentence_spans
from rag.index.build import build
from rag.index.embedding import EMBED_BATCH, embed_missing
from rag.stores import SnapshotHolder
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def sample_texts(n: int) -> list[str]:
    """Real sentences from the sample articles, numbered so that there are ``n`` distinct ones."""
    docs = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))]
    sents = [t[a:b] for t in docs for a, b in sentence_spans(t) if len(t[a:b].split()) > 3]
    return [f"{sents[i % len(sents)]} ({i // len(sents)})" for i in range(n)]


def _distinct_corpus(data: Path, copies: int) -> None:
    """The sample articles and ``copies`` variants of each whose every line differs (identical
    texts are embedded once, so plain copies would add no work)."""
    data.mkdir()
    for src in sorted(DATA.glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        (data / src.name).write_text(text, encoding="utf-8")
        for i in range(copies):
            lines = [f"{line} ({i})" if line.strip() else line for line in text.split("\n")]
            (data / f"copy{i}_{src.name}").write_text("\n".join(lines), encoding="utf-8")


def test_two_workers_embed_exactly_what_one_does(models_cache: Path) -> None:
    export = next(models_cache.iterdir())
    texts = sample_texts(2 * EMBED_BATCH + 37)  # three batches: the pool really splits the work
    seen: list[tuple[str, int, int]] = []
    one, n1, _ = embed_missing(texts, {}, export, 384, 1, lambda *a: None, "embedding")
    two, n2, _ = embed_missing(texts, {}, export, 384, 2, lambda *a: seen.append(a), "embedding")
    assert n1 == n2 == len(set(texts))  # a sentence the sample repeats is embedded once
    np.testing.assert_allclose(one, two, rtol=0, atol=1e-6)
    assert {stage for stage, _, _ in seen} == {"embedding"}  # one bar
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[-1] == n2 and {t for _, _, t in seen} == {n2}


@pytest.mark.parametrize("store", ["faiss"])
def test_rag_index_with_two_workers_builds_the_same_index(make_settings: Any, tmp_path: Path) -> None:
    data = tmp_path / "data-w"
    _distinct_corpus(data, copies=9)  # more than one batch of chunks: the workers really share them
    one, two = make_settings("w1", data), make_settings("w2", data, workers=2)
    assert build(two).embedded > EMBED_BATCH
    build(one)
    a, b = SnapshotHolder(one).get(), SnapshotHolder(two).get()
    assert list(a.chunk_paths) == list(b.chunk_paths)
    np.testing.assert_allclose(a.vectors(np.arange(a.n_chunks)), b.vectors(np.arange(b.n_chunks)), rtol=0, atol=1e-6)
