"""The store seam: what the builder, the stores and the search layer exchange.

A writer ``Store`` gives the builder what it can reuse from the live index and takes a complete
new state in one atomic ``commit``; a reader ``Snapshot`` answers the search layer's questions
about one committed generation (nearest vectors under a filter, keyword scores, chunks, sources).
Backends (``rag.stores.faiss``, ``rag.stores.postgres``) implement both; ``rag.stores.open_store``
is the one place that picks one. Nothing here imports a backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.errors import IndexIncompatible
from rag.records import Chunk, Metadata, Place, Source, Spans, source_file
from rag.stores.vectorfile import VectorFile

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.embed import Encoder, ModelInfo

FORMAT_VERSION = 2  # 2: sentence vectors stored when the precision allows (counts.sentences)


def chunk_row(path: str, start: int, end: int, text: str, ordinal: int, sentences: Any) -> Chunk:
    """A chunk from a stored row (either store; sentence spans as any nested sequence)."""
    return Chunk(path, start, end, text, ordinal, Spans(sentences))


def source_row(r: Sequence[Any], spans: Any) -> Source:
    """A source from a stored row: path, text, hash, format, title, author, date, outlet, (spans),
    extracted, url, date_source — the column order both stores select."""
    return Source(r[0], r[1], r[2], r[3], Metadata(r[4], r[5], r[6], r[7], r[10], r[11]),
                  tuple(tuple(x) for x in spans), bool(r[9]))  # type: ignore[arg-type]


@dataclass
class Previous:
    """What the live index holds, for incremental builds."""

    files: dict[str, str]  # data-relative file path → content hash (skipped files too)
    sources: list[Source]
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)  # sha256(embedded text) → vector
    documents: int = 0
    chunks: int = 0
    sentences: Mapping[bytes, np.ndarray] = field(default_factory=dict)  # sentence_key → vector


@dataclass
class BuildResult:
    """A complete index state, in canonical order (sources by path, chunks by position)."""

    model: ModelInfo
    export: str  # name of the ONNX export folder in index/models
    sources: list[Source]
    chunks: list[Chunk]
    texts: Sequence[str]  # what was embedded for each chunk (headline + text), made on demand
    vectors: np.ndarray | VectorFile  # (chunks, dim), normalized; a build streams them to a file
    files: dict[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)  # chunking, build time, …
    # every chunk's sentences in chunk order (rows offsets[i]:offsets[i + 1] are chunk i's), when
    # the precision stores them; None: sentences are embedded at query time
    sentence_vectors: np.ndarray | VectorFile | None = None
    sentence_offsets: np.ndarray | None = None

    def release_texts(self) -> None:
        """Let go of the documents and chunks once a store has written them, so that the vector
        index, built last, has their memory (~250 MB at 176k chunks) to itself."""
        self.sources, self.chunks, self.texts = [], [], []


@dataclass(frozen=True)
class Filters:
    """Restrict the search to some documents; empty means everything."""

    outlets: frozenset[str] = field(default_factory=frozenset)
    paths: frozenset[str] = field(default_factory=frozenset)
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None

    def active(self) -> bool:
        return bool(self.outlets or self.paths or self.date_from or self.date_to)

    def mask(self, chunk_paths: np.ndarray, metadata: dict[str, Metadata]) -> np.ndarray | None:
        """Which rows (chunks, by document path) the filter keeps; None when it keeps all."""
        if not self.active():
            return None
        allowed = {p for p, m in metadata.items() if self.allows(p, m.outlet, m.date)}
        return np.fromiter((p in allowed for p in chunk_paths), dtype=bool, count=len(chunk_paths))

    def allows(self, path: str, outlet: str | None, date: str | None) -> bool:
        if self.paths and path not in self.paths and source_file(path) not in self.paths:
            return False
        if self.outlets and (outlet or "") not in self.outlets:
            return False
        if self.date_from and (not date or date < self.date_from):
            return False
        return not (self.date_to and (not date or date > self.date_to))


@dataclass(frozen=True)
class Manifest:
    """A generation's description (format, model, chunking, counts), as both stores save it."""

    data: dict[str, Any]

    @property
    def int8(self) -> bool:
        """Was this index embedded with the int8 model (so its questions must be too)?"""
        return bool(self.data.get("chunking", {}).get("int8"))

    @property
    def stores_sentences(self) -> bool:
        """Does this index hold every chunk's sentence vectors (else they are read at query time)?"""
        return "sentences" in self.data.get("counts", {})

    def compatible_with(self, model_id: str, dim: int | None = None) -> None:
        """Raise a one-line ``IndexIncompatible`` unless this program and model can read it."""
        version = self.data.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexIncompatible(
                f"the index was built with format version {version}, this program reads "
                f"{FORMAT_VERSION}: run `rag index` to rebuild it")
        built = self.data.get("model", {})
        same_weights = str(built.get("id", "")).split("@")[-1] == model_id.split("@")[-1]
        if not same_weights or (dim is not None and built.get("dim") != dim):
            raise IndexIncompatible(
                f"the index was built with model '{built.get('id')}', the settings ask for "
                f"'{model_id}': run `rag index` to rebuild it")


@dataclass
class StoreStatus:
    """The live generation, for `rag status`: what is indexed and whether it is intact."""

    generation: str
    manifest: dict[str, Any]
    files: dict[str, str]  # indexed data file -> content hash
    documents: dict[str, Metadata]
    damaged: list[str] = field(default_factory=list)
    integrity: str = "ok: every index file matches its checksum"


class Snapshot(Protocol):
    """One committed generation, read-only: what retrieval and answering ask of a store."""

    @property
    def settings(self) -> Settings: ...

    @property
    def model(self) -> ModelInfo: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    @property
    def metadata(self) -> dict[str, Metadata]:
        """Document path -> metadata, of every live document."""
        ...

    @property
    def chunk_paths(self) -> np.ndarray:
        """The document path of every row."""
        ...

    @property
    def n_chunks(self) -> int: ...

    @property
    def encoder(self) -> Encoder:
        """Embeds questions for the dense search, at the precision the index was built with."""
        ...

    @property
    def reader(self) -> Encoder:
        """Embeds a question and sentences for reading passages: always full precision."""
        ...

    def prefetch_reader(self) -> None:
        """Start loading ``reader`` in the background if it is a model of its own."""
        ...

    def dense(self, qvec: np.ndarray, k: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of the ``k`` nearest chunks by cosine, among those ``filters`` keep."""
        ...

    def keyword_scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (0 where no query word occurs)."""
        ...

    def idf(self, query: str) -> dict[str, float]:
        """IDF of each of the query's (stemmed) terms found in the index."""
        ...

    def vectors(self, rows: Any) -> np.ndarray:
        """The stored (normalized) vectors of ``rows``."""
        ...

    def sentence_vectors(self, rows: Sequence[int]) -> dict[int, np.ndarray] | None:
        """Each row's (sentences, dim) stored sentence vectors; None when the index stores none."""
        ...

    def shingles(self, rows: Sequence[int]) -> list[np.ndarray] | None:
        """Each row's word 5-gram hashes (``rag.index.texts.shingles``); None when not stored."""
        ...

    def chunks(self, rows: Any) -> dict[int, Chunk]:
        ...

    def places(self, rows: Sequence[int]) -> list[Place]:
        """Where each of ``rows`` is (document, span), in order: cheaper than ``chunks``."""
        ...

    def source(self, path: str) -> Source | None:
        ...


class Store(Protocol):
    """Where a built index lives: the writer side, and the door to its snapshots."""

    keeps_sentences: bool  # stores sentence vectors (else the build does not make them)

    def previous(self, model: ModelInfo, vectors: bool = True) -> Previous | None:
        """The reusable state of the live index, or None when there is none compatible;
        ``vectors=False`` skips reading the embeddings (a full rebuild re-embeds anyway)."""
        ...

    def stage(self, texts: Sequence[str], folder: Path) -> None:
        """Build into ``folder`` what needs only the chunk texts, before the build loads its model
        (so their memory peaks do not add up); the next ``commit`` takes it from there."""
        ...

    def commit(self, result: BuildResult) -> str:
        """Make ``result`` the live index atomically; return its generation name."""
        ...

    def exists(self) -> bool:
        """Is there a live index (what the app checks before building a first one)?"""
        ...

    def files(self) -> dict[str, str]:
        """Indexed data files -> content hash, of the live generation."""
        ...

    def status(self) -> StoreStatus:
        ...

    def generation(self) -> str | None:
        """A cheap marker of the live generation (None when unreadable): a change means reopen."""
        ...

    def open(self) -> Snapshot:
        """The live generation, for reading."""
        ...
