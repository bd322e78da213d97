"""Build or update the index: only new or changed text is embedded, and the result is always
laid out exactly as a full rebuild of the same files would lay it out."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.chunk import ModelTokenCounter, chunk_source
from rag.config import IndexConfig, Settings
from rag.embed import ModelInfo, build_encoder, ensure_export, resolve
from rag.errors import RagError
from rag.index.embedding import Progress, embed_missing
from rag.index.lock import writer_lock
from rag.index.texts import EmbedTexts, SentenceTexts, embed_text, sentence_key
from rag.load import discover, load_files
from rag.load.reader import FileEntry, file_hash
from rag.records import Chunk, Source, source_file
from rag.stores import open_store
from rag.stores.base import BuildResult, Previous, Store
from rag.stores.vectorfile import VectorFile
from rag.util import release_memory

__all__ = ["BuildReport", "Progress", "build", "embed_text"]

VECTORS_TMP = ".tmp-vectors-"  # + pid + .npy: a build's vectors until the store takes them
SENTENCES_TMP = ".tmp-sentences-"  # + pid + .npy: the same for its sentence vectors
STAGED_TMP = ".tmp-staged-"  # + pid: what the store builds from the texts before the embedding
STORE_SENTENCES = ("bf16", "fp32")  # precisions whose sentence vectors read like fp32's


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunk texts
    reused: int = 0
    embedded_sentences: int = 0  # sentence texts, at a precision that stores them
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    up_to_date: bool = False


def build(settings: Settings, *, full: bool = False, paths: Sequence[Path] | None = None,
          remove: Sequence[str] = (), progress: Progress | None = None) -> BuildReport:
    """Index the data folder (or only ``paths``; dropping ``remove``) into a new state."""
    with writer_lock(settings.paths.index_dir, quiet=settings.quiet):
        return _build_locked(settings, full, paths, remove, progress or _no_progress)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _entries(data_dir: Path, paths: Sequence[Path] | None) -> list[FileEntry]:
    if paths is not None:
        return [_entry(data_dir, p) for p in paths]
    if not data_dir.is_dir():
        raise RagError(f"data folder {data_dir} does not exist")
    entries = discover(data_dir)
    if not entries:
        raise RagError(f"no articles in {data_dir} (supported: .txt .md .html .htm .pdf .jsonl)")
    return entries


def _build_locked(settings: Settings, full: bool, paths: Sequence[Path] | None,
                  remove: Sequence[str], progress: Progress) -> BuildReport:
    t0 = time.perf_counter()
    report = BuildReport()
    info = resolve(settings.index.model)
    store = open_store(settings)
    prev = store.previous(info, vectors=not full)
    prev_files = prev.files if prev else {}
    entries = _entries(settings.paths.data_dir, paths)
    wanted = {e.path for e in entries}
    removed = set(remove)
    unknown = sorted(removed - set(prev_files))
    if unknown:
        raise RagError(f"not in the index: {', '.join(unknown)}")

    to_load: list[FileEntry] = []
    for i, e in enumerate(entries):
        progress("checking files", i, len(entries))
        h = file_hash(e) if e.size <= settings.index.max_file_mb * 1024 * 1024 else f"size:{e.size}"
        if full or prev_files.get(e.path) != h:
            to_load.append(e)
    loaded = load_files(to_load, settings.index.max_file_mb)
    report.warnings = loaded.warnings

    # Files that survive untouched: listed (or, for add/remove, not mentioned) and unchanged.
    reloaded = {e.path for e in to_load}
    kept = {p for p in prev_files if p not in reloaded and p not in removed
            and (p in wanted or paths is not None)}
    report.removed = sorted(p for p in prev_files if p not in kept and p not in reloaded)
    report.added = sorted(p for p in reloaded if p not in prev_files)
    report.changed = sorted(p for p in reloaded if p in prev_files and prev_files[p] != loaded.file_hashes.get(p))
    if prev and not to_load and not report.removed:
        report.up_to_date = True
        report.documents, report.chunks = prev.documents, prev.chunks
        report.seconds = time.perf_counter() - t0
        return report

    sources = sorted([s for s in (prev.sources if prev else []) if source_file(s.path) in kept]
                     + loaded.sources, key=lambda s: s.path)
    if not sources:
        raise RagError("nothing to index: every file was skipped (see the warnings above)"
                       if report.warnings else f"no articles to index in {settings.paths.data_dir}")
    files = {p: h for p, h in prev_files.items() if p in kept}
    files.update({p: h for p, h in loaded.file_hashes.items() if p in reloaded})

    tmp = settings.paths.index_dir / f"{VECTORS_TMP}{os.getpid()}.npy"
    tmp_sentences = settings.paths.index_dir / f"{SENTENCES_TMP}{os.getpid()}.npy"
    staged = settings.paths.index_dir / f"{STAGED_TMP}{os.getpid()}"
    report.documents = len(sources)
    try:
        result = _embed(settings, info, None if full else prev, sources, files, progress, report,
                        (tmp, tmp_sentences, staged), store)
        report.chunks = len(result.chunks)
        del loaded, prev, sources  # the result holds what is still needed: a store may let go of it
        release_memory()  # the model is gone: its memory is not the commit's
        result.manifest["build_seconds"] = round(time.perf_counter() - t0, 3)
        progress("writing index", 0, 1)
        report.generation = store.commit(result)
        progress("writing index", 1, 1)
    finally:
        for t in (tmp, tmp_sentences):  # the FAISS store moved them into the generation; else done
            t.unlink(missing_ok=True)
        shutil.rmtree(staged, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _embed(settings: Settings, info: ModelInfo, prev: Previous | None, sources: list[Source],
           files: dict[str, str], progress: Progress, report: BuildReport,
           tmp: tuple[Path, Path, Path], store: Store) -> BuildResult:
    """Chunk every source, let the store stage what needs only the texts (in ``tmp[2]``), then
    embed each chunk text the index does not have yet (once), the vectors going to the file
    ``tmp[0]`` as they are made; at a precision that stores sentences, then each new sentence
    text (to ``tmp[1]``)."""
    config = settings.index
    export = ensure_export(settings.paths.index_dir, info, config.precision)
    counter = ModelTokenCounter(export / "tokenizer.json")
    chunks: list[Chunk] = []
    for i, s in enumerate(sources):
        progress("chunking", i, len(sources))
        chunks.extend(_per_source(settings.index, counter, s))
    titles = {s.path: s.metadata.title for s in sources}
    texts = EmbedTexts(chunks, titles)
    reuse = prev.vectors if prev else {}
    for pattern in (VECTORS_TMP, SENTENCES_TMP):  # a crashed build's (we hold the lock)
        for stale in settings.paths.index_dir.glob(f"{pattern}*.npy"):
            stale.unlink(missing_ok=True)
    for folder in settings.paths.index_dir.glob(f"{STAGED_TMP}*"):
        shutil.rmtree(folder, ignore_errors=True)
    store.stage(texts, tmp[2])
    release_memory()
    out = VectorFile(tmp[0], len(texts), info.dim)
    # one model for the chunks and the sentences, opened when there is something to embed
    encoder = lru_cache(maxsize=1)(lambda: build_encoder(export, config.precision, config.threads))
    vectors, report.embedded, report.reused = embed_missing(
        texts, reuse, export, info.dim, config.workers, progress, "embedding", config.threads,
        config.precision, out, encoder=encoder)
    result = BuildResult(info, export.name, sources, chunks, texts, vectors, files)
    if config.precision in STORE_SENTENCES and store.keeps_sentences:
        sentences = SentenceTexts(chunks)
        result.sentence_offsets = sentences.offsets
        result.sentence_vectors, report.embedded_sentences, _ = embed_missing(
            sentences, prev.sentences if prev else {}, export, info.dim, config.workers, progress,
            "embedding sentences", config.threads, config.precision,
            VectorFile(tmp[1], len(sentences), info.dim), key=sentence_key, encoder=encoder)
    return result


def _per_source(config: IndexConfig, counter: ModelTokenCounter, source: Source) -> list[Chunk]:
    """Everything done to one document before embedding: the one place to add a per-document
    step (entities, language, ...)."""
    return chunk_source(source, counter, config.chunk_tokens, config.chunk_overlap)


def _entry(data_dir: Path, path: Path) -> FileEntry:
    p = path.resolve()
    try:
        rel = p.relative_to(data_dir.resolve())
    except ValueError:
        raise RagError(f"{path} is not inside the data folder {data_dir}") from None
    if not p.is_file():
        raise RagError(f"{path} is not a file")
    return FileEntry(rel.as_posix(), p, p.stat().st_size)
