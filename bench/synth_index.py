"""A synthetic generation folder of N chunks, written directly (embedding 100k chunks on two cores
would take an hour): real sentences, synthetic but realistic vectors.

Texts: windows of 3-6 consecutive sentences of SciFact abstracts (real vocabulary and lengths,
so BM25 posting lists look like a real corpus), four chunks per synthetic article. Vectors: the
Mixture around real MiniLM embeddings (bench/synth.py), one per chunk and one per distinct
sentence, so dense search, grouping and highlighting do the same work as on a real index. They
are not aligned with the texts: this index measures speed, SciFact measures quality.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np

from bench.synth import Mixture
from rag.config import Settings
from rag.embed import resolve
from rag.index.build import embed_text
from rag.index.texts import sentence_offsets
from rag.records import Chunk, Metadata, Source
from rag.search.bm25 import BM25Index
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import NewGeneration
from rag.stores.faiss.snapshot import SENTENCE_OFFSETS, SENTENCES, SHINGLE_OFFSETS, SHINGLES, save_shingles
from rag.stores.faiss.vectors import AnnKind, build_index
from rag.util import sha256_text

PER_SOURCE = 4
STAGED = ("chunks.sqlite", "vectors.npy", SENTENCES, SENTENCE_OFFSETS, SHINGLES, SHINGLE_OFFSETS)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def sentence_pool(docs: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    """Titles and each document's sentences (documents with fewer than 3 are dropped)."""
    titles, sents = [], []
    for d in docs:
        parts = [s.strip() for s in _SPLIT.split(d["text"]) if len(s.strip()) > 15]
        if len(parts) >= 3:
            titles.append(d.get("title") or "Untitled")
            sents.append(parts)
    return titles, sents


def make_chunks(n: int, titles: list[str], sents: list[list[str]],
                seed: int) -> tuple[list[Source], list[Chunk]]:
    """Sources and chunks (each chunk 3-6 consecutive sentences of one abstract)."""
    rng = np.random.default_rng(seed)
    sources: list[Source] = []
    chunks: list[Chunk] = []
    for s_no in range((n + PER_SOURCE - 1) // PER_SOURCE):
        path = f"synth/{s_no // 1000:03d}/{s_no:06d}.txt"
        parts: list[tuple[int, int, int]] = []  # (doc, first sentence, count)
        for _ in range(min(PER_SOURCE, n - len(chunks))):
            d = int(rng.integers(len(sents)))
            count = int(rng.integers(3, 7))
            first = int(rng.integers(max(1, len(sents[d]) - count + 1)))
            parts.append((d, first, min(count, len(sents[d]) - first)))
        title = titles[parts[0][0]]
        text = f"{title}\n\n"
        mine: list[Chunk] = []
        for ordinal, (d, first, count) in enumerate(parts):
            start = len(text)
            spans, pieces, pos = [], [], start
            for j in range(first, first + count):
                spans.append((pos, pos + len(sents[d][j])))
                pieces.append(sents[d][j])
                pos += len(sents[d][j]) + 1
            body = " ".join(pieces)
            text += body + "\n\n"
            mine.append(Chunk(path, start, start + len(body), body, ordinal, tuple(spans)))
        sources.append(Source(path, text, sha256_text(text), "txt", Metadata(title=title),
                              ((len(title) + 2, len(text)),)))
        chunks.extend(mine)
    return sources, chunks


def stage(folder: Path, n: int, docs: list[dict[str, str]], base: np.ndarray,
          seed: int = 5) -> dict[str, float]:
    """Write everything but the vector index into ``folder``; returns timings in seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    titles, sents = sentence_pool(docs)
    sources, chunks = make_chunks(n, titles, sents, seed)
    t["texts"] = time.perf_counter() - t0
    db = ChunkDB.create(folder / "chunks.sqlite")
    db.write(sources, chunks, {s.path: s.content_hash for s in sources})
    db.close()
    t["sqlite"] = time.perf_counter() - t0 - sum(t.values())
    mix = Mixture(base)
    np.save(folder / "vectors.npy", np.concatenate(list(mix.chunks(len(chunks), seed))))
    offsets = sentence_offsets(chunks)  # the stored sentence vectors and 5-grams of a real index
    np.save(folder / SENTENCES, np.concatenate(list(mix.chunks(int(offsets[-1]), seed + 1))))
    np.save(folder / SENTENCE_OFFSETS, offsets)
    save_shingles(chunks, folder)
    t["vectors"] = time.perf_counter() - t0 - sum(t.values())
    by_path = {s.path: s.metadata.title for s in sources}
    texts = [embed_text(c, by_path[c.path]) for c in chunks]
    BM25Index.build(texts).save(folder)
    t["bm25"] = time.perf_counter() - t0 - sum(t.values())
    (folder / "counts.txt").write_text(f"{len(sources)} {len(chunks)} {offsets[-1]}", encoding="utf-8")
    return t


def publish(staged: Path, settings: Settings, export_name: str, kind: AnnKind) -> tuple[Path, float]:
    """A committed generation in ``settings.paths.index_dir`` from the staged files (hard links) plus
    a ``kind`` vector index; returns the generation and the vector-index build seconds."""
    info = resolve(settings.index.model)
    n_sources, n_chunks, n_sentences = (int(x) for x in (staged / "counts.txt").read_text().split())
    new = NewGeneration(settings.paths.index_dir)
    for name in STAGED:
        os.link(staged / name, new.path / name)
    (new.path / "bm25").mkdir()
    for f in (staged / "bm25").iterdir():
        os.link(f, new.path / "bm25" / f.name)
    t0 = time.perf_counter()
    build_index(np.load(staged / "vectors.npy"), kind).save(new.path)
    seconds = time.perf_counter() - t0
    gen = new.commit({
        "model": {"id": info.id, "dim": info.dim, "max_seq_length": info.max_seq_length,
                  "export": export_name},
        "chunking": settings.index.chunking(), "ann": kind,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": n_sources, "chunks": n_chunks, "files": n_sources, "sentences": n_sentences},
        "documents": {}, "synthetic": True,
    })
    return gen, seconds
