"""A build's vectors go to disk as they are made: the file must be exactly what np.save writes,
and read back the same by block, row and row list (the writers of both stores read it so)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.stores.faiss.ann import FaissIndex
from rag.stores.vectorfile import StoredRows, VectorFile, save_vectors


def _filled(path: Path, x: np.ndarray) -> VectorFile:
    vf = VectorFile(path, *x.shape)
    order = np.random.default_rng(1).permutation(len(x))  # rows arrive in any order
    for i in order[: len(x) // 2]:
        vf[int(i)] = x[i]
    for i in order[len(x) // 2:]:
        vf[[int(i)]] = x[i]
    return vf


def test_rows_put_in_any_order_make_the_bytes_np_save_writes(tmp_path: Path) -> None:
    x = np.random.default_rng(0).standard_normal((1000, 384)).astype(np.float32)
    vf = _filled(tmp_path / "v.npy", x)
    np.save(tmp_path / "ref.npy", x)
    assert (tmp_path / "v.npy").read_bytes() == (tmp_path / "ref.npy").read_bytes()
    assert np.array_equal(vf[10:20], x[10:20]) and vf[5:5].shape == (0, 384)
    assert np.array_equal(vf[-1], x[-1]) and np.array_equal(vf[[5, 3, 999]], x[[5, 3, 999]])
    assert np.array_equal(np.asarray(vf), x)
    with pytest.raises(IndexError):
        vf[1000]
    save_vectors(vf, tmp_path / "vectors.npy")
    assert not (tmp_path / "v.npy").exists()
    assert np.array_equal(np.load(tmp_path / "vectors.npy"), x) and np.array_equal(vf[:3], x[:3])


def test_one_vector_for_several_rows_and_unput_rows_are_zero(tmp_path: Path) -> None:
    vf = VectorFile(tmp_path / "v.npy", 4, 3)
    vf[[0, 2]] = np.array([1.0, 2.0, 3.0], np.float32)  # a syndicated copy shares its vector
    assert np.array_equal(vf[:], np.array([[1, 2, 3], [0, 0, 0], [1, 2, 3], [0, 0, 0]], np.float32))


def test_ivf_from_the_file_equals_ivf_from_the_matrix(tmp_path: Path) -> None:
    x = np.random.default_rng(2).standard_normal((5000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    from_file = FaissIndex.build(_filled(tmp_path / "v.npy", x), "ivf")
    from_matrix = FaissIndex.build(x, "ivf")
    q = x[:20] + 0.01
    assert np.array_equal(from_file.index.search(q, 10)[1], from_matrix.index.search(q, 10)[1])


@pytest.mark.parametrize("rows", [0, 1, 257])
def test_open_reads_what_np_save_wrote(tmp_path: Path, rows: int) -> None:
    x = np.random.default_rng(2).standard_normal((rows, 8)).astype(np.float32)
    np.save(tmp_path / "v.npy", x)
    vf = VectorFile.open(tmp_path / "v.npy")
    assert vf.shape == x.shape and np.array_equal(vf[:], x)
    if rows:
        assert np.array_equal(vf[rows - 1], x[-1]) and np.array_equal(vf[[0, rows - 1]], x[[0, -1]])
    np.save(tmp_path / "i.npy", np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError):
        VectorFile.open(tmp_path / "i.npy")


def test_stored_rows_read_the_row_of_each_key_on_demand(tmp_path: Path) -> None:
    """What an incremental build reuses: the live generation's rows, read by key, no memory map."""
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    np.save(tmp_path / "v.npy", x)
    reuse = StoredRows({"a": 4, "b": 0}, VectorFile.open(tmp_path / "v.npy"))
    assert len(reuse) == 2 and sorted(reuse) == ["a", "b"]
    assert np.array_equal(reuse["a"], x[4]) and np.array_equal(reuse.get("b"), x[0])  # type: ignore[arg-type]
    assert reuse.get("missing") is None
