"""A snapshot's two encoders: on an int8 index (whose sentences are read at query time, at full
precision) the reader can be opened on a thread while a cold query searches."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.embed.onnx import OnnxEncoder
from rag.errors import IndexMissing
from rag.index.build import build
from rag.stores import SnapshotHolder
from rag.stores.base import Manifest
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def _settings(index: dict[str, Path]) -> Settings:
    return Settings.load(data_dir=index["data"], index_dir=index["index"], quiet=True, precision="int8")


@pytest.fixture(scope="module")
def int8_index(tmp_path_factory: pytest.TempPathFactory, models_cache: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("int8")
    shutil.copytree(DATA, root / "data")
    shutil.copytree(models_cache, root / "index" / "models")
    index = {"data": root / "data", "index": root / "index"}
    build(_settings(index))
    return index


def test_prefetched_reader_is_the_full_precision_model(int8_index: dict[str, Path]) -> None:
    snap = SnapshotHolder(_settings(int8_index)).get()
    assert snap.reader is not snap.encoder and Manifest(snap.manifest).int8
    fresh = SnapshotHolder(_settings(int8_index)).get()
    fresh.prefetch_reader()
    fresh.prefetch_reader()  # a second call neither waits nor opens another session
    reader = fresh.reader
    assert isinstance(reader, OnnxEncoder) and not reader.per_text
    assert Path(reader._session._model_path).name == "model.onnx"
    q = ["which countries lifted restrictions?"]
    np.testing.assert_array_equal(reader.encode(q), snap.reader.encode(q))


def test_a_reader_that_fails_to_load_fails_the_query_clearly(int8_index: dict[str, Path],
                                                             tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(int8_index["index"], index)
    snap = SnapshotHolder(_settings({"data": int8_index["data"], "index": index})).get()
    assert Manifest(snap.manifest).int8
    snap.encoder.encode(["warm"])  # the int8 session is open; the fp32 model then goes missing
    for f in (index / "models").glob("*/model.onnx"):
        f.unlink()
    snap.prefetch_reader()
    with pytest.raises(IndexMissing, match="no model export"):
        _ = snap.reader
