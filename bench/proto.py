"""Prototypes of changes recommended for files this benchmark does not own, applied by patching
at run time, so their gain is measured in the same run as the code as it is.

Each one is small enough to copy into its real home (see docs/performance.md):
(The BM25 prototype, scoring from bm25s' files with numpy alone, is now ``rag.search.bm25`` itself.)
- ``no_spin``: onnxruntime's intra-op threads spin while waiting for work; on a busy two-core
  machine a single-question encode then waits for descheduled spinners (p95 x5).
- ``plain_views``: np.memmap's __getitem__ is Python code (~50-100 us a call); a plain ndarray
  view of the same mapping indexes at C speed, and the pipeline indexes per candidate.
- ``sqlite_mmap``: the chunk store's reads go through SQLite's own 2 MB page cache and a pread
  per page; a memory-mapped read-only database fetches 100 candidate rows of a 100k-chunk store
  in ~0.5 ms instead of ~7 ms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def no_spin(encoder: Any, threads: int | None = None) -> None:
    """Recreate an OnnxEncoder's session with spinning off (optionally another thread count)."""
    import onnxruntime as ort

    old = encoder._session
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or old.get_session_options().intra_op_num_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    path = old._model_path
    encoder._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def plain_views(snap: Any) -> None:
    """Give a Snapshot ndarray views of its memory maps instead of np.memmap objects."""
    snap.__dict__["matrix"] = np.asarray(snap.matrix)


def add_int8(export: Path) -> None:
    """model.int8.onnx next to model.onnx, as export_onnx(quantize=True) makes it (per-channel)."""
    cfg_file = export / "onnx_config.json"
    cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
    if not (export / "model.int8.onnx").is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(export / "model.onnx", export / "model.int8.onnx", weight_type=QuantType.QInt8,
                         per_channel=True)
    cfg["int8_file"] = "model.int8.onnx"
    cfg_file.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")


SQLITE_MMAP = 1 << 30  # bytes of the database SQLite may map (it maps what it reads)


def sqlite_mmap(snap: Any) -> None:
    with snap.db._lock:
        snap.db.conn.execute(f"PRAGMA mmap_size={SQLITE_MMAP}")


def patch_all(searcher: Any) -> None:
    """Every prototype on one Searcher's current snapshot (warm-latency comparison); the query
    encoder becomes the int8 export when the index has one."""
    from rag.embed.onnx import OnnxEncoder

    snap = searcher.snapshot()
    if snap.encoder.config.get("int8_file"):
        snap.__dict__["encoder"] = OnnxEncoder(snap.encoder.onnx_dir, quantized=True)
    no_spin(snap.encoder)
    plain_views(snap)
    sqlite_mmap(snap)


def install_cold(int8: bool = False) -> None:
    """For a fresh process about to run the CLI: the same changes, before anything loads."""
    import onnxruntime as ort

    import rag.stores.faiss.snapshot as reader

    if int8:
        from rag.embed import export_dir
        from rag.embed.onnx import OnnxEncoder

        reader.load_encoder = lambda index_dir, info, *_, **__: OnnxEncoder(  # type: ignore[assignment]
            export_dir(index_dir, info), quantized=True)

    class Options(ort.SessionOptions):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.add_session_config_entry("session.intra_op.allow_spinning", "0")

    ort.SessionOptions = Options  # type: ignore[misc]
    for name in ("matrix",):
        prop = getattr(reader.FaissSnapshot, name)

        def view(self: Any, fn: Any = prop.func) -> Any:
            return np.asarray(fn(self))

        cp = type(prop)(view)
        cp.__set_name__(reader.FaissSnapshot, name)
        setattr(reader.FaissSnapshot, name, cp)
