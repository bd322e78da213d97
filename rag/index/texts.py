"""What gets embedded, and the keys under which embeddings are reused between builds."""

from __future__ import annotations

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


def sentences_of(chunks: list[Chunk]) -> tuple[list[str], list[list[int]]]:
    """Each distinct sentence once (chunks overlap), and every chunk's sentence rows."""
    index: dict[tuple[str, int, int], int] = {}
    texts: list[str] = []
    rows: list[list[int]] = []
    for c in chunks:
        mine = []
        for s, e in c.sentences:
            key = (c.path, s, e)
            if key not in index:
                index[key] = len(texts)
                texts.append(c.text[s - c.start:e - c.start])
            mine.append(index[key])
        rows.append(mine)
    return texts, rows
