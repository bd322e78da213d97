"""Sentence-aware chunks sized in the embedding model's own tokens, with sentence overlap.

Chunks never cross text the cleaner removed: a chunk is always one contiguous slice of the
source, so ``source.text[chunk.start:chunk.end] == chunk.text`` holds by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.chunk.sentences import sentence_spans
from rag.records import Chunk, Source

TokenCounter = Callable[[Sequence[str]], list[int]]


class ModelTokenCounter:
    """Counts word pieces with the model's tokenizer.json (no torch needed)."""

    def __init__(self, tokenizer_json: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_json))
        self._tok.no_truncation()
        self._tok.no_padding()

    def __call__(self, texts: Sequence[str]) -> list[int]:
        # Special tokens ([CLS], [SEP]) are counted once per chunk by the chunker.
        encs = self._tok.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]


def blocks(source: Source) -> list[tuple[int, int]]:
    """Merge body spans separated only by white space into contiguous blocks."""
    merged: list[tuple[int, int]] = []
    for s, e in source.spans:
        if merged and not source.text[merged[-1][1]:s].strip():
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def chunk_source(source: Source, count: TokenCounter, max_tokens: int = 128,
                 overlap: int = 1) -> list[Chunk]:
    """Every sentence of the source is counted in one tokenizer call (a call per sentence was a
    third of a build's time outside the model); only the over-long ones are counted again."""
    budget = max_tokens - 2  # [CLS] and [SEP]
    text = source.text
    per_block = [sentence_spans(text, lo, hi) for lo, hi in blocks(source)]
    sizes = count([text[s:e] for spans in per_block for s, e in spans])
    chunks: list[Chunk] = []
    done = 0
    for spans in per_block:
        sents: list[tuple[int, int]] = []
        counts: list[int] = []
        for (s, e), size in zip(spans, sizes[done:done + len(spans)], strict=True):
            if size <= budget:
                sents.append((s, e))
                counts.append(size)
            else:
                pieces = _split_long(text, s, e, budget, count)
                sents.extend(pieces)
                counts.extend(count([text[a:b] for a, b in pieces]))
        done += len(spans)
        for group in _pack(counts, budget, overlap):
            s, e = sents[group[0]][0], sents[group[-1]][1]
            chunks.append(Chunk(source.path, s, e, text[s:e], len(chunks),
                                tuple(sents[i] for i in group)))
    return chunks


def _pack(sizes: list[int], budget: int, overlap: int) -> list[list[int]]:
    """Greedy packing of sentence indices; each new chunk repeats the last ``overlap``."""
    groups: list[list[int]] = []
    i = 0
    n = len(sizes)
    while i < n:
        group = [i]
        total = sizes[i]
        j = i + 1
        while j < n and total + sizes[j] <= budget:
            total += sizes[j]
            group.append(j)
            j += 1
        groups.append(group)
        if j >= n:
            break
        # Step back by the overlap, but always make progress.
        i = max(j - overlap, group[0] + 1)
    return groups


def _split_long(text: str, s: int, e: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    """A sentence longer than the budget is cut at white space into budget-sized pieces."""
    pieces: list[tuple[int, int]] = []
    words = _words(text, s, e)
    sizes = count([text[a:b] for a, b in words])
    start_idx = 0
    total = 0
    for k, size in enumerate(sizes):
        if total + size > budget and k > start_idx:
            pieces.append((words[start_idx][0], words[k - 1][1]))
            start_idx, total = k, 0
        total += size
    pieces.append((words[start_idx][0], words[-1][1]))
    return pieces


def _words(text: str, s: int, e: int) -> list[tuple[int, int]]:
    return [(s + m.start(), s + m.end()) for m in re.finditer(r"\S+", text[s:e])]
