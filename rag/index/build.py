"""Build or update the index: only new or changed text is embedded, and the result is always
laid out exactly as a full rebuild of the same files would lay it out."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import ModelTokenCounter, chunk_source
from rag.config import Settings
from rag.embed import ensure_export, resolve
from rag.errors import IndexIncompatible, IndexMissing, RagError
from rag.index.chunkdb import ChunkDB, source_file
from rag.index.generation import (NewGeneration, check_compatible, current_generation,
                                  read_manifest, verify_files, writer_lock)
from rag.index.vectors import build_index, choose_kind
from rag.load import discover, load_files
from rag.load.reader import FileEntry, file_hash
from rag.records import Chunk, Source
from rag.search.bm25 import BM25Index
from rag.util import sha256_text

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_BATCH = 256


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    up_to_date: bool = False


def embed_text(chunk: Chunk, title: str | None) -> str:
    """What the model and BM25 see: the headline gives every chunk its context."""
    if title and title not in chunk.text:
        return f"{title}\n{chunk.text}"
    return chunk.text


def build(settings: Settings, *, full: bool = False, paths: Sequence[Path] | None = None,
          remove: Sequence[str] = (), progress: Progress | None = None) -> BuildReport:
    """Index the data folder (or only ``paths``; dropping ``remove``) into a new generation."""
    with writer_lock(settings.index_dir, quiet=settings.quiet):
        return _build_locked(settings, full, paths, remove, progress or _no_progress)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _previous(settings: Settings, model_id: str) -> tuple[dict[str, Any], ChunkDB, Path] | None:
    """The live generation to reuse, or None (then everything is rebuilt from the files)."""
    try:
        gen = current_generation(settings.index_dir)
        manifest = read_manifest(gen)
        check_compatible(manifest, model_id)
        verify_files(gen, manifest)
        if manifest.get("chunking") != settings.chunking():
            return None
        db = ChunkDB(gen / "chunks.sqlite")
        db.count("chunks")
        return manifest, db, gen
    except (IndexMissing, IndexIncompatible, sqlite3.Error, OSError, ValueError, KeyError):
        return None  # damaged or foreign: a full rebuild repairs it


def _build_locked(settings: Settings, full: bool, paths: Sequence[Path] | None,
                  remove: Sequence[str], progress: Progress) -> BuildReport:
    t0 = time.perf_counter()
    report = BuildReport()
    info = resolve(settings.model)
    prev = None if full else _previous(settings, info.id)
    prev_files: dict[str, str] = prev[1].files() if prev else {}
    data_dir = settings.data_dir

    if paths is None:
        if not data_dir.is_dir():
            raise RagError(f"data folder {data_dir} does not exist")
        entries = discover(data_dir)
        if not entries:
            raise RagError(f"no articles in {data_dir} (supported: .txt .md .html .htm .pdf .jsonl)")
        wanted = {e.path for e in entries}
        keep_unlisted = False
    else:
        entries = [_entry(data_dir, p) for p in paths]
        wanted = {e.path for e in entries}
        keep_unlisted = True

    removed = set(remove)
    unknown = sorted(removed - set(prev_files))
    if unknown:
        raise RagError(f"not in the index: {', '.join(unknown)}")
    hashes: dict[str, str] = {}
    to_load: list[FileEntry] = []
    for i, e in enumerate(entries):
        progress("checking files", i, len(entries))
        h = file_hash(e) if e.size <= settings.max_file_mb * 1024 * 1024 else f"size:{e.size}"
        hashes[e.path] = h
        if prev_files.get(e.path) != h:
            to_load.append(e)
    loaded = load_files(to_load, settings.max_file_mb)
    report.warnings = loaded.warnings

    # Which files survive from the previous generation untouched.
    reloaded = {e.path for e in to_load}
    kept_files = {p for p in prev_files if p not in reloaded and p not in removed
                  and (p in wanted or keep_unlisted)}
    report.removed = sorted(p for p in prev_files if p not in kept_files and p not in reloaded)
    report.added = sorted(e.path for e in to_load if e.path not in prev_files)
    report.changed = sorted(e.path for e in to_load if e.path in prev_files)
    if prev and not to_load and not report.removed and not full:
        report.up_to_date = True
        report.documents = prev[1].count("sources")
        report.chunks = prev[1].count("chunks")
        report.seconds = time.perf_counter() - t0
        return report

    sources: list[Source] = [s for s in prev[1].sources() if source_file(s.path) in kept_files] if prev else []
    sources += loaded.sources
    sources.sort(key=lambda s: s.path)
    if not sources:
        raise RagError("nothing to index: every file was skipped (see the warnings above)"
                       if report.warnings else f"no articles to index in {data_dir}")
    files = {p: h for p, h in prev_files.items() if p in kept_files}
    files.update({p: loaded.file_hashes[p] for p in (e.path for e in to_load) if p in loaded.file_hashes})

    export = ensure_export(settings.index_dir, info)
    from rag.embed.onnx import OnnxEncoder

    encoder = OnnxEncoder(export)
    counter = ModelTokenCounter(export / "tokenizer.json")
    chunks: list[Chunk] = []
    titles: dict[str, str | None] = {}
    for i, s in enumerate(sources):
        progress("chunking", i, len(sources))
        chunks.extend(chunk_source(s, counter, settings.chunk_tokens, settings.chunk_overlap))
        titles[s.path] = s.metadata.title
    texts = [embed_text(c, titles[c.path]) for c in chunks]

    vectors = np.zeros((len(chunks), info.dim), dtype=np.float32)
    reuse = _reusable_vectors(prev[2], prev[1]) if prev else {}
    todo = []
    for i in range(len(chunks)):
        row = reuse.get(_vector_key(texts[i]))
        if row is not None:
            vectors[i] = row
        else:
            todo.append(i)
    report.reused = len(chunks) - len(todo)
    report.embedded = len(todo)
    for lo in range(0, len(todo), EMBED_BATCH):
        progress("embedding", lo, len(todo))
        batch = todo[lo:lo + EMBED_BATCH]
        vectors[batch] = encoder.encode([texts[i] for i in batch])
    progress("embedding", len(todo), len(todo))

    sent_texts, sent_rows = _sentences(chunks)
    sent_vectors = np.zeros((len(sent_texts), info.dim), dtype=np.float32)
    sent_todo = []
    for i, t in enumerate(sent_texts):
        row = reuse.get(_vector_key(t))
        if row is not None:
            sent_vectors[i] = row
        else:
            sent_todo.append(i)
    for lo in range(0, len(sent_todo), EMBED_BATCH):
        progress("embedding sentences", lo, len(sent_todo))
        batch = sent_todo[lo:lo + EMBED_BATCH]
        sent_vectors[batch] = encoder.encode([sent_texts[i] for i in batch])
    progress("embedding sentences", len(sent_todo), len(sent_todo))
    report.embedded += len(sent_todo)
    report.reused += len(sent_texts) - len(sent_todo)

    progress("writing index", 0, 1)
    new = NewGeneration(settings.index_dir)
    try:
        db = ChunkDB.create(new.path / "chunks.sqlite")
        db.write(sources, chunks, files, sent_rows)
        db.close()
        np.save(new.path / "vectors.npy", vectors)
        np.save(new.path / "sentences.npy", sent_vectors)
        kind = choose_kind(len(chunks), settings.ann, settings.ann_threshold)
        build_index(vectors, kind).save(new.path)
        BM25Index.build(texts).save(new.path)
        final = new.commit({
            "model": {"id": info.id, "dim": info.dim, "max_seq_length": info.max_seq_length,
                      "export": export.name},
            "chunking": settings.chunking(),
            "ann": kind,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": {"documents": len(sources), "chunks": len(chunks), "files": len(files)},
            "documents": {s.path: s.content_hash for s in sources},
            "build_seconds": round(time.perf_counter() - t0, 3),
        })
    except BaseException:
        new.abandon()
        raise
    progress("writing index", 1, 1)
    report.generation = final.name
    report.documents = len(sources)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - t0
    return report


def _vector_key(text: str) -> str:
    return sha256_text(text)


def _sentences(chunks: list[Chunk]) -> tuple[list[str], list[list[int]]]:
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


def _reusable_vectors(gen: Path, db: ChunkDB) -> dict[str, np.ndarray]:
    """Embeddings of the previous generation (passages and sentences) by the exact text embedded."""
    vecs = np.load(gen / "vectors.npy", mmap_mode="r")
    sent_vecs = np.load(gen / "sentences.npy", mmap_mode="r")
    meta = db.metadata()
    chunks = db.all_chunks()
    out: dict[str, np.ndarray] = {}
    for row, c in enumerate(chunks):
        out[_vector_key(embed_text(c, meta[c.path].title))] = vecs[row]
    texts, _ = _sentences(chunks)
    for row, t in enumerate(texts):
        out.setdefault(_vector_key(t), sent_vecs[row])
    return out


def _entry(data_dir: Path, path: Path) -> FileEntry:
    p = path.resolve()
    try:
        rel = p.relative_to(data_dir.resolve())
    except ValueError:
        raise RagError(f"{path} is not inside the data folder {data_dir}") from None
    if not p.is_file():
        raise RagError(f"{path} is not a file")
    return FileEntry(rel.as_posix(), p, p.stat().st_size)
