"""The streamed flat index file is byte for byte what FAISS writes, and FAISS reads it back."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from rag.stores.faiss.vectors import load_index, write_flat


def test_write_flat_matches_faiss(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for n in (0, 1, 37, 20_000):  # 20k: more than one block
        x = rng.standard_normal((n, 24)).astype(np.float32)
        ref = faiss.IndexFlatIP(24)
        if n:
            ref.add(x)
        faiss.write_index(ref, str(tmp_path / "ref.faiss"))
        write_flat(x, tmp_path / "vectors.faiss", block=8192)
        assert (tmp_path / "vectors.faiss").read_bytes() == (tmp_path / "ref.faiss").read_bytes()
    back = faiss.read_index(str(tmp_path / "vectors.faiss"))
    assert back.ntotal == 20_000
    np.save(tmp_path / "vectors.npy", x)
    idx = load_index(tmp_path)
    s, r = idx.search(x[:3], 1)
    assert r[:, 0].tolist() == np.argmax(x @ x[:3].T, axis=0).tolist()
    np.testing.assert_allclose(s[:, 0], np.max(x @ x[:3].T, axis=0), rtol=1e-5)
