"""A snapshot's two encoders: the reader can be opened on a thread while a cold query searches."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.embed.onnx import OnnxEncoder
from rag.errors import IndexMissing
from rag.stores import SnapshotHolder
from rag.stores.base import Manifest

pytestmark = pytest.mark.slow


def _settings(index: dict[str, Path]) -> Settings:
    return Settings.load(data_dir=index["data"], index_dir=index["index"], quiet=True)


def test_prefetched_reader_is_the_full_precision_model(sample_index: dict[str, Path]) -> None:
    snap = SnapshotHolder(_settings(sample_index)).get()
    if snap.reader is snap.encoder:
        pytest.skip("an fp32 index reads with its encoder: nothing to prefetch")
    fresh = SnapshotHolder(_settings(sample_index)).get()
    fresh.prefetch_reader()
    fresh.prefetch_reader()  # a second call neither waits nor opens another session
    reader = fresh.reader
    assert isinstance(reader, OnnxEncoder) and not reader.per_text
    assert Path(reader._session._model_path).name == "model.onnx"
    q = ["which countries lifted restrictions?"]
    np.testing.assert_array_equal(reader.encode(q), snap.reader.encode(q))


def test_a_reader_that_fails_to_load_fails_the_query_clearly(sample_index: dict[str, Path],
                                                             tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index["index"], index)
    settings = Settings.load(data_dir=sample_index["data"], index_dir=index, quiet=True)
    snap = SnapshotHolder(settings).get()
    if not Manifest(snap.manifest).int8:
        pytest.skip("an fp32 index reads with its encoder")
    snap.encoder.encode(["warm"])  # the int8 session is open; the fp32 model then goes missing
    for f in (index / "models").glob("*/model.onnx"):
        f.unlink()
    snap.prefetch_reader()
    with pytest.raises(IndexMissing, match="no model export"):
        _ = snap.reader
