"""One ANN measurement in a fresh process, so its peak RSS is its own (python bench/ann_worker.py).

  build DIR KIND      load DIR/vectors.npy into memory (as the builder holds it), build, save to DIR/KIND
  serve DIR KIND NQ   load DIR/KIND memory-mapped, search DIR/queries.npy one at a time (k=10, k=100)
Prints one JSON line; found rows go to DIR/KIND/found{10,100}.npy. Peak RSS is taken by the
caller (bench.common.run_child), from the kernel.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def build(folder: Path, kind: str) -> dict[str, object]:
    from rag.stores.faiss.vectors import build_index

    out = folder / kind
    out.mkdir(exist_ok=True)
    if not (out / "vectors.npy").exists():
        os.symlink(folder / "vectors.npy", out / "vectors.npy")  # the generation's own matrix
    t0 = time.perf_counter()
    vectors = np.load(folder / "vectors.npy")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = build_index(vectors, kind)  # type: ignore[arg-type]
    index.save(out)
    return {"build_s": time.perf_counter() - t0, "load_vectors_s": load,
            "size_bytes": (out / "vectors.faiss").stat().st_size}


def memory() -> dict[str, int]:
    """Resident memory now, split into anonymous (heap) and file-backed (mapped files) bytes."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("RssAnon", "RssFile")):
                name, value = line.split(":")
                out[name] = int(value.split()[0]) * 1024
    return out


def serve(folder: Path, kind: str, nq: int) -> dict[str, object]:
    from rag.stores.faiss.vectors import load_index

    queries = np.load(folder / "queries.npy")[:nq]
    t0 = time.perf_counter()
    index = load_index(folder / kind, mmap=True)
    load_s = time.perf_counter() - t0
    for q in queries[:5]:
        index.search(q[None, :], 10)  # first touches of the mapping
    lat, found10, found100 = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        _, rows = index.search(q[None, :], 10)
        lat.append((time.perf_counter() - t0) * 1000)
        found10.append(rows[0])
    lat100 = []
    for q in queries:
        t0 = time.perf_counter()
        _, rows = index.search(q[None, :], 100)
        lat100.append((time.perf_counter() - t0) * 1000)
        found100.append(rows[0])
    np.save(folder / kind / "found10.npy", np.array(found10))
    np.save(folder / kind / "found100.npy", np.array(found100))
    return {"p50_ms": float(np.median(lat)), "p95_ms": float(np.percentile(lat, 95)),
            "p50_k100_ms": float(np.median(lat100)), "load_s": load_s, "kind": index.kind, **memory()}


if __name__ == "__main__":
    cmd, folder, kind = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    result = build(folder, kind) if cmd == "build" else serve(folder, kind, int(sys.argv[4]))
    print(json.dumps(result))
