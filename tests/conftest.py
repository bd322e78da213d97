"""Shared fixtures: a real index over the sample articles, built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.helpers import DATA


@pytest.fixture(scope="session")
def models_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export (with its int8 model when that is the default) shared by every test index:
    copying it is cheaper than re-exporting."""
    from rag.config import Settings
    from rag.embed import ensure_export, resolve

    root = tmp_path_factory.mktemp("models")
    index = Settings.load().index
    ensure_export(root, resolve(index.model), index.precision)
    return root / "models"


@pytest.fixture
def fresh_index(tmp_path: Path, models_cache: Path) -> Path:
    """An empty index folder that already holds the model export."""
    index = tmp_path / "index"
    index.mkdir()
    shutil.copytree(models_cache, index / "models")
    return index


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, models_cache: Path) -> dict[str, Path]:
    """data/ copied to a temp folder and indexed once with the real model."""
    from rag.config import Settings
    from rag.index.build import build

    root = tmp_path_factory.mktemp("sample")
    data = root / "data"
    shutil.copytree(DATA, data)
    index = root / "index"
    index.mkdir()
    shutil.copytree(models_cache, index / "models")
    build(Settings.load(data_dir=data, index_dir=index, quiet=True))
    return {"data": data, "index": index}


@pytest.fixture(scope="session")
def searcher(sample_index: dict[str, Path]):  # type: ignore[no-untyped-def]
    from rag.answer.pipeline import Searcher
    from rag.config import Settings

    return Searcher(Settings.load(data_dir=sample_index["data"], index_dir=sample_index["index"]))
