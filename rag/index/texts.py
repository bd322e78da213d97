"""What gets embedded, and the keys under which embeddings are reused between builds."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

import numpy as np

from rag.records import Chunk
from rag.util import sha256_text

SHINGLE = 5
_WORDS = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    """The text's word 5-grams, each kept as its hash: sets of ints intersect twice as fast as
    sets of word tuples (two 5-grams share a 64-bit hash with odds of ~1e-19). Python's hash is
    seeded per process, so only hashes made by one process are compared."""
    words = _WORDS.findall(text.lower())
    return set(map(hash, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def embed_text(chunk: Chunk, title: str | None) -> str:
    """What the model and BM25 see: the headline gives every chunk its context."""
    if title and title not in chunk.text:
        return f"{title}\n{chunk.text}"
    return chunk.text


def vector_key(text: str) -> str:
    """Embeddings depend only on the exact text embedded: reuse them by its hash."""
    return sha256_text(text)


def sentence_key(text: str) -> bytes:
    """The same for sentences, in 16 bytes: a build keys every distinct sentence (~600k at 10,000
    articles), and a 64-character hex string per sentence was ~70 MB more."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class MadeTexts(Sequence[str]):
    """Texts made one by one when asked for (``_make``), never held as a list."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _make(self, i: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        n = len(self)
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(n))]
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError(i)
        return self._make(j)


class EmbedTexts(MadeTexts):
    """``embed_text`` of every chunk, made when asked for: a build's list of them was a second
    copy of every chunk's text, held until the commit (55 MB at 176k chunks)."""

    def __init__(self, chunks: Sequence[Chunk], titles: Mapping[str, str | None]) -> None:
        self.chunks, self.titles = chunks, titles

    def __len__(self) -> int:
        return len(self.chunks)

    def _make(self, i: int) -> str:
        c = self.chunks[i]
        return embed_text(c, self.titles[c.path])


def sentence_texts(chunk: Chunk) -> list[str]:
    """The chunk's sentences, exactly as they appear in it."""
    return [chunk.text[s - chunk.start:e - chunk.start] for s, e in chunk.sentences]


def sentence_offsets(chunks: Sequence[Chunk]) -> np.ndarray:
    """Row ``offsets[i]`` of the sentence matrix holds chunk ``i``'s first sentence (n + 1 entries)."""
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c.sentences) for c in chunks], out=offsets[1:])
    return offsets


class SentenceTexts(MadeTexts):
    """Every chunk's sentences, in chunk order (the rows of the stored sentence matrix), made when
    asked for. Sentences shared by overlapping chunks or copies are rows of their own; the build
    embeds each distinct text once."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = chunks
        self.offsets = sentence_offsets(chunks)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def _make(self, i: int) -> str:
        at = int(np.searchsorted(self.offsets, i, side="right")) - 1
        return sentence_texts(self.chunks[at])[i - int(self.offsets[at])]

    def __iter__(self) -> Iterator[str]:
        for c in self.chunks:
            yield from sentence_texts(c)
