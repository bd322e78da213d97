"""Split cleaned sources into sentence-aware, token-sized, exactly-cited chunks."""

from rag.chunk.chunker import ModelTokenCounter, TokenCounter, chunk_source
from rag.chunk.sentences import sentence_spans

__all__ = ["ModelTokenCounter", "TokenCounter", "chunk_source", "sentence_spans"]
