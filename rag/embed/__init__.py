"""Embedding: the model's ONNX export run by onnxruntime, made once per index from the
sentence-transformers folder. Queries never import torch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.embed.model import ModelInfo, offline, resolve

__all__ = ["Encoder", "ModelInfo", "build_encoder", "ensure_export", "load_encoder", "load_reader", "offline",
           "resolve"]


class Encoder(Protocol):
    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


def export_dir(index_dir: Path, info: ModelInfo) -> Path:
    return index_dir / "models" / info.key


def ensure_export(index_dir: Path, info: ModelInfo, precision: str = "fp32") -> Path:
    """Export the model to ONNX once per index (needs torch, so only at build time, and in a
    process of its own: see ``export_in_child``); for ``precision`` int8 also quantize it, for
    bf16 convert it to OpenVINO's format (once each, no torch needed)."""
    target = export_dir(index_dir, info)
    if not (target / "model.onnx").is_file():
        from rag.embed.export import export_in_child

        offline()
        target.parent.mkdir(parents=True, exist_ok=True)
        export_in_child(info.folder, target)
    if precision == "int8":
        add_int8(target)
    elif precision == "bf16":
        from rag.embed.openvino import add_openvino

        add_openvino(target)
    return target


def add_int8(onnx_dir: Path) -> None:
    """Give an existing export its int8 model (no torch needed); atomic, so readers never see half."""
    import json
    import os

    from rag.embed.export import quantize_int8
    from rag.embed.onnx import CONFIG_FILE, INT8_FILE, MODEL_FILE, read_config
    from rag.util import write_atomic

    cfg = read_config(onnx_dir)
    if cfg.get("int8_file") and (onnx_dir / str(cfg["int8_file"])).is_file():
        return
    tmp = onnx_dir / f".{INT8_FILE}.tmp"
    quantize_int8(onnx_dir / MODEL_FILE, tmp)
    os.replace(tmp, onnx_dir / INT8_FILE)
    cfg["int8_file"] = INT8_FILE
    write_atomic(onnx_dir / CONFIG_FILE, (json.dumps(cfg, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def build_encoder(export: Path, precision: str, threads: int = 0) -> Encoder:
    """The build's encoder, chosen by precision in this one place: bf16 runs on OpenVINO, int8
    and fp32 on onnxruntime (int8 one text per call, so vectors never depend on batch-mates)."""
    if precision == "bf16":
        from rag.embed.openvino import OpenVinoEncoder

        return OpenVinoEncoder(export, threads=threads or None)
    from rag.embed.onnx import OnnxEncoder

    return OnnxEncoder(export, threads=threads or None, quantized=precision == "int8")


def load_encoder(index_dir: Path, info: ModelInfo, threads: int = 0, int8: bool = False) -> Encoder:
    """The fast encoder for queries; a clear error if the index has no export yet."""
    from rag.embed.onnx import OnnxEncoder
    from rag.errors import IndexMissing

    target = export_dir(index_dir, info)
    if not (target / "model.onnx").is_file():
        raise IndexMissing(f"the index at {index_dir} has no model export: run `rag index`")
    return OnnxEncoder(target, threads=threads or None, quantized=int8, spin=False)


def load_reader(index_dir: Path, info: ModelInfo, threads: int) -> Encoder:
    """The encoder that reads sentences at query time: always full precision. The int8 model
    quantizes activations per call, which blurs short texts: with int8 sentence vectors the
    headline question of the sample lost one of its three countries; chunks and questions keep
    their recall at int8 (docs/performance.md). An fp32 index's snapshot reuses its encoder."""
    return load_encoder(index_dir, info, threads, False)
