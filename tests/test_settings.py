"""Settings: one flat set of names (RAG_*, options, with_) over typed per-component sections."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import get_args

import pytest

from rag.config import FLAT, Fusion, IndexConfig, Mode, SearchConfig, Settings
from rag.errors import RagError


def test_every_flat_name_lands_in_one_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_FETCH_TIMEOUT", "3.5")
    monkeypatch.setenv("RAG_LLM_ALWAYS", "yes")
    monkeypatch.setenv("RAG_INDEX", "/tmp/elsewhere")
    s = Settings.load(top_k=9, chunk_tokens=64, port="8000")
    assert s.search.top_k == 9  # an override beats the environment
    assert s.index.chunk_tokens == 64 and s.serve.port == 8000
    assert s.fetch.timeout == 3.5 and s.llm.always is True
    assert s.paths.index_dir == Path("/tmp/elsewhere").resolve()
    assert isinstance(s.search, SearchConfig) and isinstance(s.index, IndexConfig)
    assert len(FLAT) == len(set(FLAT)) and "quiet" in Settings.names()
    assert s.with_(fusion="rrf").search.fusion == "rrf" and s.search.fusion == "blend"


def test_gradio_variables_yield_to_rag_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIO_SERVER_PORT", "9000")
    assert Settings.load().serve.port == 9000
    monkeypatch.setenv("RAG_PORT", "9001")
    assert Settings.load().serve.port == 9001


@pytest.mark.parametrize(("name", "kind"), [("mode", Mode), ("fusion", Fusion)])
def test_choices_come_from_the_literal_types(name: str, kind: object) -> None:
    for ok in get_args(kind):
        assert getattr(Settings.load(**{name: ok}).search, name) == ok
    with pytest.raises(RagError, match=f"{name} must be .*{get_args(kind)[-1]}, not 'nope'"):
        Settings.load(**{name: "nope"})


def test_bad_values_are_refused_with_one_line() -> None:
    for bad, msg in [({"top_k": 0}, "top-k"), ({"store": "sqlite"}, "faiss or postgres"),
                     ({"ann": "lsh"}, "auto, flat, hnsw or ivf"), ({"port": "x"}, "whole number"),
                     ({"llm_url": "ftp://x"}, "http"), ({"colour": "red"}, "unknown setting")]:
        with pytest.raises(RagError, match=msg):
            Settings.load(**bad)
    with pytest.raises(AttributeError):  # flat names are for loading; reading goes through a section
        _ = Settings.load().top_k  # type: ignore[attr-defined]


def test_settings_survive_pickling_and_keep_chunking() -> None:
    s = Settings.load(precision="int8", chunk_overlap=2)
    assert pickle.loads(pickle.dumps(s)) == s
    assert s.index.chunking() == {"chunk_tokens": 128, "chunk_overlap": 2, "int8": 1}
    assert Settings.load().index.chunking() == {"chunk_tokens": 128, "chunk_overlap": 1, "precision": "bf16"}
    assert Settings.load(precision="fp32").index.chunking() == {"chunk_tokens": 128, "chunk_overlap": 1}
    with pytest.raises(RagError, match="precision must be bf16, int8 or fp32"):
        Settings.load(precision="fp16")
