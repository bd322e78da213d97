"""Index lifecycle with the real model: incremental updates equal a full rebuild."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer.pipeline import Searcher
from rag.config import Settings
from rag.errors import IndexIncompatible, RagError
from rag.index.build import build
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import current_generation, read_manifest
from tests.helpers import DATA

QUESTIONS = ["which countries lifted restrictions?", "Who asked the Secretary of Defense?",
             "What did the German government say?", "nuclear weapons drills"]


def ranked(settings: Settings) -> list[list[tuple[str, int, int, float]]]:
    s = Searcher(settings)
    out = []
    for q in QUESTIONS:
        for mode in ("dense", "bm25", "hybrid"):
            r = s.search(q, k=8, mode=mode)  # type: ignore[arg-type]
            out.append([(x.citation.path, x.citation.start, x.citation.end, round(x.score, 4))
                        for x in r.results])
    return out


def test_incremental_sequence_equals_full_rebuild(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    s = Settings.load(data_dir=data, index_dir=fresh_index, quiet=True)
    first = build(s)
    assert first.documents == 5 and first.embedded > 0

    # change one article, delete one, add one; then an add and a remove by path
    p1 = data / "001_1a0347c2f0363c6c.txt"
    p1.write_text(p1.read_text(encoding="utf-8").replace("Stoltenberg", "Jens Stoltenberg"), encoding="utf-8")
    (data / "003_4b0b2928d8019f33.txt").unlink()
    (data / "new.md").write_text("# Ceasefire talks\n\nDiplomats met in Geneva on Monday to discuss "
                                 "a ceasefire along the current front line, officials said.\n", encoding="utf-8")
    r = build(s)
    assert r.changed == ["001_1a0347c2f0363c6c.txt"] and r.removed == ["003_4b0b2928d8019f33.txt"]
    assert r.added == ["new.md"] and r.reused > 0
    assert r.embedded < first.embedded  # only the new and changed text was embedded
    extra = data / "sub" / "extra.txt"
    extra.parent.mkdir()
    extra.write_text("Grain exports\n\nShips carrying grain left Odesa under a new corridor deal.\n",
                     encoding="utf-8")
    build(s, paths=[extra])
    build(s, paths=[], remove=["new.md"])
    (data / "new.md").unlink()
    assert build(s).up_to_date

    incremental = ranked(s)
    full_index = tmp_path / "full"
    shutil.copytree(fresh_index / "models", full_index / "models")
    full = s.with_(index_dir=full_index)
    build(full, full=True)
    assert ranked(full) == incremental
    a, b = current_generation(s.paths.index_dir), current_generation(full_index)
    assert read_manifest(a)["documents"] == read_manifest(b)["documents"]
    va, vb = np.load(a / "vectors.npy"), np.load(b / "vectors.npy")
    assert va.shape == vb.shape and np.allclose(va, vb, atol=1e-5)


def test_citations_exact_for_every_chunk(sample_index: dict[str, Path]) -> None:
    db = ChunkDB(current_generation(sample_index["index"]) / "chunks.sqlite")
    for c in db.all_chunks():
        assert (sample_index["data"] / c.path).read_text(encoding="utf-8")[c.start:c.end] == c.text


def test_manifest_mismatch_is_one_clear_line(tmp_path: Path, sample_index: dict[str, Path]) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index["index"], index)
    gen = current_generation(index)
    m = json.loads((gen / "manifest.json").read_text())
    m["model"]["id"] = "other-model@0123456789ab"
    (gen / "manifest.json").write_text(json.dumps(m))
    s = Settings.load(data_dir=sample_index["data"], index_dir=index)
    with pytest.raises(IndexIncompatible, match="rag index"):
        Searcher(s).search("anything")
    m["model"] = read_manifest(current_generation(sample_index["index"]))["model"]
    m["format_version"] = 999
    (gen / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexIncompatible, match="format version"):
        Searcher(s).search("anything")


def test_empty_data_folder_keeps_the_old_index(tmp_path: Path, sample_index: dict[str, Path]) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index["index"], index)
    before = current_generation(index).name
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RagError, match="no articles"):
        build(Settings.load(data_dir=empty, index_dir=index, quiet=True))
    assert current_generation(index).name == before
