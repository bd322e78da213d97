"""int8 embedding: recorded in the manifest, followed by queries, never mixed with fp32 vectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.index.build import build
from rag.stores import SnapshotHolder
from rag.stores.base import Manifest
from rag.stores.faiss.generation import current_generation, read_manifest
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def test_int8_index_is_queried_with_int8_and_switching_reembeds(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    s8 = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True, int8=True)
    first = build(s8)
    assert Manifest(read_manifest(current_generation(fresh_index))).int8
    snap = SnapshotHolder(s8).get()
    assert Path(snap.encoder._session._model_path).name == "model.int8.onnx"  # type: ignore[attr-defined]
    assert Path(snap.reader._session._model_path).name == "model.onnx"  # type: ignore[attr-defined]
    fp32 = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True, int8=False)
    # A reader set to fp32 still questions this index with the int8 model.
    assert Path(SnapshotHolder(fp32).get().encoder._session._model_path).name == "model.int8.onnx"  # type: ignore[attr-defined]
    r8 = Searcher(s8).search("which countries lifted restrictions?", k=3)
    again = build(fp32)  # precision changed: nothing is reused
    assert not again.up_to_date and again.reused == 0 and again.embedded == first.embedded
    snap32 = SnapshotHolder(fp32).get()
    assert Path(snap32.encoder._session._model_path).name == "model.onnx"  # type: ignore[attr-defined]
    assert snap32.reader is snap32.encoder  # an fp32 index reads with its own encoder
    cos = np.sum(snap.vectors(np.arange(snap.n_chunks)) * snap32.vectors(np.arange(snap32.n_chunks)), axis=1)
    assert cos.min() > 0.95 and cos.max() < 1.0  # close, but really another model
    r32 = Searcher(fp32).search("which countries lifted restrictions?", k=3)
    assert r8.results[0].citation.path == r32.results[0].citation.path
