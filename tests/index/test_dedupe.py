"""Build work: identical texts (chunks and sentences) are embedded once, sentence vectors are
stored for every chunk and read by the answer stage, and an index of the previous format is
rebuilt cleanly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.errors import IndexIncompatible
from rag.index.build import build
from rag.stores import SnapshotHolder
from rag.stores.faiss.generation import FORMAT_VERSION, MANIFEST, current_generation, read_manifest
from tests.helpers import DATA

pytestmark = pytest.mark.slow


def test_syndicated_copies_are_embedded_once(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    one = build(Settings.load(data_dir=data, index_dir=fresh_index, quiet=True))
    for src in DATA.glob("*.txt"):  # the same articles again under other names (syndication)
        shutil.copy(src, data / f"wire_{src.name}")
    both = build(Settings.load(data_dir=data, index_dir=fresh_index, quiet=True), full=True)
    assert both.chunks == 2 * one.chunks
    assert both.embedded == one.embedded  # every copy's chunk text was already being embedded
    assert both.embedded_sentences == one.embedded_sentences > 0  # and every sentence
    gen = current_generation(fresh_index)
    manifest = read_manifest(gen)
    assert manifest["format_version"] == FORMAT_VERSION == 2
    rows = np.load(gen / "sentences.npy")
    offsets = np.load(gen / "sentence_offsets.npy")
    assert manifest["counts"]["sentences"] == len(rows) == offsets[-1] > both.embedded_sentences
    searcher = Searcher(Settings.load(data_dir=data, index_dir=fresh_index, quiet=True))
    assert searcher.search("which countries lifted restrictions?").results
    assert searcher.sentences.embedded == 0  # the answer stage read the stored vectors


def test_an_old_format_index_is_refused_then_rebuilt(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    s = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True)
    first = build(s)
    gen = current_generation(fresh_index)
    manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    (gen / MANIFEST).write_text(json.dumps({**manifest, "format_version": 1}), encoding="utf-8")
    with pytest.raises(IndexIncompatible, match="rag index"):
        SnapshotHolder(s).get()
    again = build(s)  # not "up to date": nothing of the old format is reused
    assert not again.up_to_date and again.embedded == first.embedded and again.reused == 0
    assert Searcher(s).search("which countries lifted restrictions?").results
