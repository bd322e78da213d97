"""The build's precision: recorded in the manifest, followed by queries, never mixed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.index.build import build
from rag.index.texts import sentence_texts
from rag.stores import SnapshotHolder
from rag.stores.base import Manifest
from rag.stores.faiss.generation import current_generation, read_manifest
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def test_precision_is_followed_by_queries_and_switching_reembeds(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    s8 = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True, precision="int8")
    first = build(s8)
    m8 = Manifest(read_manifest(current_generation(fresh_index)))
    assert m8.int8 and not m8.stores_sentences and first.embedded_sentences == 0
    snap = SnapshotHolder(s8).get()
    assert Path(snap.encoder._session._model_path).name == "model.int8.onnx"  # type: ignore[attr-defined]
    assert Path(snap.reader._session._model_path).name == "model.onnx"  # type: ignore[attr-defined]
    bf16 = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True, precision="bf16")
    # A reader set to bf16 still questions this index with the int8 model.
    assert Path(SnapshotHolder(bf16).get().encoder._session._model_path).name == "model.int8.onnx"  # type: ignore[attr-defined]
    r8 = Searcher(s8).search("which countries lifted restrictions?", k=3)
    again = build(bf16)  # precision changed: nothing is reused
    assert not again.up_to_date and again.reused == 0 and again.embedded == first.embedded
    assert again.embedded_sentences > 0
    snap16 = SnapshotHolder(bf16).get()
    assert Manifest(snap16.manifest).stores_sentences
    assert Path(snap16.encoder._session._model_path).name == "model.onnx"  # type: ignore[attr-defined]
    assert snap16.reader is snap16.encoder  # questions at fp32, for the search and for reading
    cos = np.sum(snap.vectors(np.arange(snap.n_chunks)) * snap16.vectors(np.arange(snap16.n_chunks)), axis=1)
    assert cos.min() > 0.95 and cos.max() < 1.0  # close, but really another model
    searcher = Searcher(bf16)
    r16 = searcher.search("which countries lifted restrictions?", k=3)
    assert r8.results[0].citation.path == r16.results[0].citation.path
    assert searcher.sentences.embedded == 0  # read from the index


def test_bf16_sentence_vectors_are_the_fp32_ones(tmp_path: Path, fresh_index: Path) -> None:
    """What the answer stage reads from a bf16 index is what fp32 would embed at query time."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    s = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True, precision="bf16")
    build(s)
    snap = SnapshotHolder(s).get()
    rows = list(range(snap.n_chunks))
    stored = snap.sentence_vectors(rows)
    assert stored is not None
    chunks = snap.chunks(rows)
    texts = [t for r in rows for t in sentence_texts(chunks[r])]
    fp32 = snap.reader.encode(texts)
    cos = np.sum(np.concatenate([stored[r] for r in rows]) * fp32, axis=1)
    assert len(cos) == len(texts) > 50 and cos.min() > 0.9999
