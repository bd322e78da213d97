"""The approximate vector index: close to exact search, saved/loaded like the flat one, and
picked automatically above the size threshold."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.errors import RagError
from rag.stores.faiss.ann import VECTORS, FaissIndex, ivf_lists
from rag.stores.faiss.vectors import build_index, choose_kind, load_index

DIM = 384


def clustered(n: int, seed: int, topics: int = 60) -> np.ndarray:
    """Topic clusters with uneven sizes and a shared low-rank structure: embedding-like, not
    uniform on the sphere (which no ANN index handles well and no corpus looks like)."""
    rng = np.random.default_rng(0)  # the same topics for corpus and queries
    basis = rng.standard_normal((48, DIM)).astype(np.float32)
    centres = rng.standard_normal((topics, 48)).astype(np.float32) @ basis
    weights = rng.random(topics) ** 2
    draw = np.random.default_rng(seed)
    which = draw.choice(topics, n, p=weights / weights.sum())
    x = centres[which] + 0.8 * draw.standard_normal((n, 48)).astype(np.float32) @ basis
    x += 0.3 * draw.standard_normal((n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :k]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=False)]))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return clustered(20_000, 1), clustered(100, 2)


def test_ivf_recall_close_to_exact(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = data
    index = build_index(x, "ivf")
    assert index.kind == "ivf" and len(index) == len(x)
    assert ivf_lists(len(x)) >= 32  # a real partition, not one list scanned exhaustively
    scores, rows = index.search(q, 10)
    assert scores.shape == rows.shape == (len(q), 10)
    assert recall(rows, exact(x, q, 10)) >= 0.95
    # re-scored scores are the exact inner products, best first
    assert np.allclose(scores, np.einsum("qd,qkd->qk", q, x[rows]), atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)


def test_ivf_wide_k_for_the_retriever(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = data
    _, rows = build_index(x, "ivf").search(q, 100)
    assert recall(rows, exact(x, q, 100)) >= 0.9


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_roundtrip(tmp_path: Path, data: tuple[np.ndarray, np.ndarray], kind: str,
                             mmap: bool) -> None:
    x, q = data
    x = x[:3000]
    np.save(tmp_path / VECTORS, x)  # as the builder does, before saving the index
    built = build_index(x, kind)  # type: ignore[arg-type]
    built.save(tmp_path)
    loaded = load_index(tmp_path, mmap=mmap)
    assert loaded.kind == kind and len(loaded) == len(x)
    s1, r1 = built.search(q, 10)
    s2, r2 = loaded.search(q, 10)
    assert np.array_equal(r1, r2) and np.allclose(s1, s2, atol=1e-6)


def test_ivf_save_without_builder_writes_its_vectors(tmp_path: Path) -> None:
    x = clustered(2000, 3)
    FaissIndex.build(x, "ivf").save(tmp_path)
    assert np.array_equal(np.load(tmp_path / VECTORS), x)
    loaded = load_index(tmp_path)
    assert loaded.kind == "ivf"
    _, rows = loaded.search(x[:5], 1)
    assert rows[:, 0].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("n", [0, 1, 5, 80])
def test_ivf_tiny_and_empty(tmp_path: Path, n: int) -> None:
    x = clustered(max(n, 1), 4)[:n]
    index = build_index(x, "ivf")
    index.save(tmp_path)
    loaded = load_index(tmp_path)
    q = clustered(3, 5)
    scores, rows = loaded.search(q, 10)
    assert scores.shape == rows.shape == (3, max(1, min(10, n)))
    if n == 0:
        assert (rows == -1).all()
    else:
        assert np.array_equal(np.sort(rows[:, :1], axis=0), np.sort(exact(x, q, 1), axis=0))


def test_auto_switch_and_forced_kinds() -> None:
    assert choose_kind(10, "auto", 100) == "flat"
    assert choose_kind(100, "auto", 100) == "flat"
    assert choose_kind(101, "auto", 100) == "ivf"
    for kind in ("flat", "hnsw", "ivf"):
        assert choose_kind(5, kind, 100) == kind
        assert choose_kind(10**6, kind, 100) == kind


def test_settings_accept_ivf_and_refuse_nonsense() -> None:
    assert Settings.load(ann="ivf").index.ann == "ivf"
    assert Settings.load(ann_threshold="1000").index.ann_threshold == 1000
    with pytest.raises(RagError):
        Settings.load(ann="annoy")
    with pytest.raises(RagError):
        Settings.load(ann_threshold=-1)


@pytest.mark.slow
def test_builder_switches_to_ivf_above_threshold(tmp_path: Path, fresh_index: Path) -> None:
    """The real builder and reader: auto + a zero threshold gives an IVF generation that the
    Searcher answers from like the flat one."""
    from rag.answer.pipeline import Searcher
    from rag.index.build import build
    from rag.stores.faiss.generation import current_generation, read_manifest
    from tests.helpers import DATA

    data_dir = tmp_path / "data"
    shutil.copytree(DATA, data_dir)
    flat_index = tmp_path / "flat"
    shutil.copytree(fresh_index, flat_index)
    ivf = Settings.load(data_dir=data_dir, index_dir=fresh_index, quiet=True, ann_threshold=0)
    flat = ivf.with_(index_dir=flat_index, ann_threshold=10**6)
    build(ivf)
    build(flat)
    assert read_manifest(current_generation(fresh_index))["ann"] == "ivf"
    assert read_manifest(current_generation(flat_index))["ann"] == "flat"
    a, b = Searcher(ivf), Searcher(flat)
    assert a.snapshot().ann.kind == "ivf"
    for q in ("which countries lifted restrictions?", "nuclear weapons drills"):
        ra, rb = a.search(q, k=5, mode="dense"), b.search(q, k=5, mode="dense")
        assert [r.citation.path for r in ra.results] == [r.citation.path for r in rb.results]


def test_flat_is_searched_from_vectors_npy_without_faiss(tmp_path: Path) -> None:
    """A cold query on a small index should not pay for importing FAISS."""
    import subprocess
    import sys

    x = clustered(500, 7)
    np.save(tmp_path / VECTORS, x)
    build_index(x, "flat").save(tmp_path)
    code = ("import sys, numpy as np; from pathlib import Path; from rag.stores.faiss.vectors import load_index; "
            f"d = Path({str(tmp_path)!r}); i = load_index(d); s, r = i.search(np.load(d / 'vectors.npy')[:3], 1); "
            "print(type(i).__name__, r[:, 0].tolist(), 'faiss' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["NumpyFlat", "[0,", "1,", "2]", "False"]


def test_flat_falls_back_to_faiss_when_vectors_do_not_match(tmp_path: Path) -> None:
    x = clustered(300, 8)
    build_index(x, "flat").save(tmp_path)
    np.save(tmp_path / VECTORS, x[:100])  # not the matrix the index was built from
    index = load_index(tmp_path)
    assert type(index).__name__ == "FaissIndex" and len(index) == 300
