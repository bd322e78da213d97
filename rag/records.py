"""The records that flow through the pipeline: load → clean → chunk → embed → index → search → answer.

Every record that carries text also carries where that text came from, so a citation can always
be checked against the source: ``source.text[start:end] == text``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple, overload


def record_path(file: str, n: int) -> str:
    """The path of the ``n``-th article of a multi-article file (JSONL): "file.jsonl#N"."""
    return f"{file}#{n}"


def source_file(path: str) -> str:
    """The data file a source came from (the inverse of ``record_path``)."""
    return path.split("#", 1)[0]

@dataclass(frozen=True)
class Metadata:
    """What the page states about itself; ``None`` where it does not say."""

    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD)
    outlet: str | None = None
    url: str | None = None  # where the article was fetched from (web and feed articles, JSONL "url")
    date_source: str | None = None  # provenance of ``date``: see rag.clean.dating.DATE_SOURCES


@dataclass(frozen=True, slots=True)  # one per chunk/file of a build: no __dict__ each
class Source:
    """One loaded file: the text citations point into, and the body spans worth indexing.

    ``text`` is the file as ``Path.read_text(encoding="utf-8")`` returns it for UTF-8 text files,
    and the extracted main text for HTML, PDF and JSONL articles (stored with the index).
    """

    path: str  # relative to the data folder, POSIX separators; JSONL lines get "file.jsonl#N"
    text: str
    content_hash: str  # sha256 of the raw bytes that produced ``text``
    format: str  # "txt" | "md" | "html" | "pdf" | "jsonl"
    metadata: Metadata = field(default_factory=Metadata)
    spans: tuple[tuple[int, int], ...] = ()  # body spans, sorted, non-overlapping
    extracted: bool = False  # True when ``text`` is not the file's own text


class Spans(Sequence[tuple[int, int]]):
    """(start, end) pairs packed in one array: a tuple of int tuples costs ~370 bytes a chunk,
    66 MB of a 176k-chunk build; this ~130. Reads like the tuple it replaces."""

    __slots__ = ("_flat",)

    def __init__(self, spans: Iterable[Sequence[int]] = ()) -> None:
        self._flat = array("i", [int(v) for a, b in spans for v in (a, b)])  # from a list: no slack

    def __len__(self) -> int:
        return len(self._flat) // 2

    @overload
    def __getitem__(self, i: int) -> tuple[int, int]: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[int, int], ...]: ...

    def __getitem__(self, i: int | slice) -> tuple[int, int] | tuple[tuple[int, int], ...]:
        if isinstance(i, slice):
            return tuple(self)[i]
        n = len(self)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError("span index out of range")
        return self._flat[2 * j], self._flat[2 * j + 1]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        f = self._flat
        return zip(f[0::2], f[1::2], strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spans):
            return self._flat == other._flat
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(tuple(x) for x in other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return Spans, (tuple(self),)


@dataclass(frozen=True, slots=True)  # one per chunk/file of a build: no __dict__ each
class Chunk:
    """A passage that is embedded and searched; ``text == source.text[start:end]``."""

    path: str
    start: int
    end: int
    text: str
    ordinal: int  # position of the chunk within its document
    sentences: Sequence[tuple[int, int]] = ()  # absolute sentence spans inside [start, end), packed

    def __post_init__(self) -> None:
        if not isinstance(self.sentences, Spans):
            object.__setattr__(self, "sentences", Spans(self.sentences))

    @property
    def place(self) -> Place:
        return Place(self.path, self.start, self.end)

    @property
    def chunk_id(self) -> str:
        from rag.util import sha256_text

        return sha256_text(f"{self.path}\x00{self.start}\x00{self.end}\x00{self.text}")[:32]


class Place(NamedTuple):
    """Where a chunk is, without its text: what grouping and citing need of the ~185 candidates
    a question retrieves (only the few it reads are fetched whole)."""

    path: str
    start: int
    end: int


@dataclass(frozen=True)
class Citation:
    path: str
    title: str
    start: int
    end: int
    outlet: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Result:
    """One ranked passage, with where it is from and which sentences answer the question."""

    rank: int
    score: float
    text: str
    citation: Citation
    highlights: list[tuple[int, int]] = field(default_factory=list)  # absolute offsets
    also_in: list[Citation] = field(default_factory=list)
    weak: bool = False

    def to_dict(self) -> dict[str, Any]:
        c = self.citation
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "text": self.text,
            "path": c.path,
            "title": c.title,
            "outlet": c.outlet,
            "date": c.date,
            "author": c.author,
            "url": c.url,
            "start": c.start,
            "end": c.end,
            "highlights": [{"start": s, "end": e} for s, e in self.highlights],
            "also_in": [a.to_dict() for a in self.also_in],
            "weak": self.weak,
        }


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    result_rank: int  # the [n] it cites
    path: str
    start: int
    end: int


@dataclass(frozen=True)
class SpanRef:
    """An exact character span of a source: ``source.text[start:end]``."""

    path: str
    start: int
    end: int
    result_rank: int | None = None  # the [n] of the result that shows it, if one does


@dataclass
class AnswerEntity:
    """One thing the question asks for ("United States"), with every place it is said."""

    text: str
    type: str  # spaCy's label: GPE, NORP, PERSON, ORG, DATE, CARDINAL, ...
    citations: list[SpanRef] = field(default_factory=list)

    @property
    def ranks(self) -> list[int]:
        return sorted({c.result_rank for c in self.citations if c.result_rank is not None})


@dataclass(frozen=True)
class GeneratedSentence:
    """A sentence written by the LLM; cited only where a span was checked to support it."""

    text: str
    citations: tuple[SpanRef, ...] = ()
    supported: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": [asdict(c) for c in self.citations],
                "supported": self.supported}


@dataclass
class Response:
    query: str
    results: list[Result]
    answerable: bool = True
    answer: list[AnswerSentence] = field(default_factory=list)
    mode: str = "hybrid"
    took_ms: float = 0.0
    matched: int = 0  # candidate passages considered before grouping and top-k
    answer_type: str = "other"  # what the question asks for (rag.answer.question.AnswerType)
    entities: list[AnswerEntity] = field(default_factory=list)  # the asked things, best first
    generated: list[GeneratedSentence] | None = None  # None: no generator ran (rag/generate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "answerable": self.answerable,
            "answer": [asdict(a) for a in self.answer],
            "answer_type": self.answer_type,
            "entities": [asdict(e) for e in self.entities],
            "mode": self.mode,
            "took_ms": round(self.took_ms, 2),
            "matched": self.matched,
            "results": [r.to_dict() for r in self.results],
            **({} if self.generated is None else {"generated": [g.to_dict() for g in self.generated]}),
        }
