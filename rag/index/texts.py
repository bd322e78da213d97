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

