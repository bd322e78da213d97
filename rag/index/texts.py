"""What gets embedded, and the keys under which embeddings are reused between builds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import overload

from rag.records import Chunk
from rag.util import sha256_text


def embed_text(chunk: Chunk, title: str | None) -> str:
    """What the model and BM25 see: the headline gives every chunk its context."""
    if title and title not in chunk.text:
        return f"{title}\n{chunk.text}"
    return chunk.text


def vector_key(text: str) -> str:
    """Embeddings depend only on the exact text embedded: reuse them by its hash."""
    return sha256_text(text)



class EmbedTexts(Sequence[str]):
    """``embed_text`` of every chunk, made when asked for: a build's list of them was a second
    copy of every chunk's text, held until the commit (55 MB at 176k chunks)."""

    def __init__(self, chunks: Sequence[Chunk], titles: Mapping[str, str | None]) -> None:
        self.chunks, self.titles = chunks, titles

    def __len__(self) -> int:
        return len(self.chunks)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [embed_text(c, self.titles[c.path]) for c in self.chunks[i]]
        c = self.chunks[i]
        return embed_text(c, self.titles[c.path])
