"""The embedded store: each state is a generation folder of files, made live by one atomic
pointer flip (see ``rag.stores.faiss.generation``)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.embed import ModelInfo
from rag.errors import IndexIncompatible, IndexMissing
from rag.index.texts import vector_key
from rag.search.bm25 import FOLDER as BM25_FOLDER
from rag.search.bm25 import BM25Index
from rag.stores.base import BuildResult, Manifest, Previous, StoreStatus
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import (
    CURRENT,
    MANIFEST,
    NewGeneration,
    current_generation,
    damage_message,
    damaged_files,
    read_manifest,
)
from rag.stores.faiss.snapshot import SENTENCE_OFFSETS, SENTENCES, FaissSnapshot, save_shingles
from rag.stores.faiss.vectors import choose_kind, save_index
from rag.stores.vectorfile import StoredRows, VectorFile, save_vectors
from rag.util import release_memory


class FaissStore:
    keeps_sentences = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._staged: tuple[Path, Sequence[str]] | None = None  # BM25 built by ``stage``, for these texts

    def previous(self, model: ModelInfo, vectors: bool = True) -> Previous | None:
        """The live generation's reusable state. Damaged files are never read: if only derived
        files (FAISS, BM25) or one vector file is damaged, every article is reloaded (so the
        build commits a repaired generation) but intact vectors are still reused."""
        try:
            gen = current_generation(self.settings.paths.index_dir)
            manifest = read_manifest(gen)
            Manifest(manifest).compatible_with(model.id)
            damaged = set(damaged_files(gen, manifest))
            if manifest.get("chunking") != self.settings.index.chunking() or damaged & {MANIFEST, "chunks.sqlite"}:
                return None
            db = ChunkDB(gen / "chunks.sqlite")
            try:
                chunks = db.all_chunks()
                sources = db.sources()
                files = db.files()
            finally:
                db.close()
            vecs = None if "vectors.npy" in damaged else VectorFile.open(gen / "vectors.npy")
            keep = Manifest(manifest).stores_sentences and not damaged & {SENTENCES, SENTENCE_OFFSETS}
            sent_vecs = VectorFile.open(gen / SENTENCES) if keep else None
        except (IndexMissing, IndexIncompatible, sqlite3.Error, OSError, ValueError, KeyError):
            return None  # damaged or foreign: everything is rebuilt from the files
        titles = {s.path: s.metadata.title for s in sources}
        if damaged:
            files, sources = {}, []  # reload everything: the new generation replaces the damage
        if not vectors or vecs is None:
            return Previous(files, sources, {}, len(sources), len(chunks))
        from rag.index.texts import SentenceTexts, embed_text, sentence_key

        rows = {vector_key(embed_text(c, titles.get(c.path))): row for row, c in enumerate(chunks)}
        sentences: dict[bytes, int] = {}
        if sent_vecs is not None:
            sentences = {sentence_key(t): row for row, t in enumerate(SentenceTexts(chunks))}
        return Previous(files, sources, StoredRows(rows, vecs), len(sources), len(chunks),
                        StoredRows(sentences, sent_vecs) if sent_vecs is not None else {})

    def stage(self, texts: Sequence[str], folder: Path) -> None:
        """BM25, the commit's biggest step (~+200 MB at 176k chunks), built before the model loads."""
        BM25Index.build(texts).save(folder)
        self._staged = (folder, texts)

    def commit(self, result: BuildResult) -> str:
        s = self.settings
        new = NewGeneration(s.paths.index_dir)
        staged, self._staged = self._staged, None
        try:
            if staged is not None and staged[1] is result.texts:
                os.replace(staged[0] / BM25_FOLDER, new.path / BM25_FOLDER)
            else:  # the step that needs the most memory first, while the least is held
                BM25Index.build(result.texts).save(new.path)
            staged = None
            db = ChunkDB.create(new.path / "chunks.sqlite")
            db.write(result.sources, result.chunks, result.files)
            db.close()
            save_shingles(result.chunks, new.path)
            counts = {"documents": len(result.sources), "chunks": len(result.chunks), "files": len(result.files)}
            documents = {src.path: src.content_hash for src in result.sources}
            kind = choose_kind(len(result.chunks), s.index.ann, s.index.ann_threshold)
            result.release_texts()  # written: the vector index gets their memory
            release_memory()
            save_vectors(result.vectors, new.path / "vectors.npy")
            if result.sentence_vectors is not None and result.sentence_offsets is not None:
                save_vectors(result.sentence_vectors, new.path / SENTENCES)
                np.save(new.path / SENTENCE_OFFSETS, result.sentence_offsets)
                counts["sentences"] = len(result.sentence_vectors)
            save_index(result.vectors, kind, new.path)
            m = result.model
            final = new.commit({
                "model": {"id": m.id, "dim": m.dim, "max_seq_length": m.max_seq_length,
                          "export": result.export},
                "chunking": s.index.chunking(),
                "ann": kind,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "counts": counts,
                "documents": documents,
                **result.manifest,
            })
        except BaseException:
            new.abandon()
            raise
        return final.name

    # ---- reading the live generation ----------------------------------------------------------
    def exists(self) -> bool:
        return (self.settings.paths.index_dir / CURRENT).is_file()

    def generation(self) -> str | None:
        try:
            return (self.settings.paths.index_dir / CURRENT).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):  # a garbled pointer is reported by open()
            return None

    def open(self) -> FaissSnapshot:
        return FaissSnapshot.open(self.settings)

    def files(self) -> dict[str, str]:
        db = ChunkDB(current_generation(self.settings.paths.index_dir) / "chunks.sqlite")
        try:
            return db.files()
        finally:
            db.close()

    def status(self) -> StoreStatus:
        gen = current_generation(self.settings.paths.index_dir)
        st = StoreStatus(gen.name, read_manifest(gen), {}, {})
        st.damaged = damaged_files(gen, st.manifest)  # every byte checked: status is not on a hot path
        if st.damaged:
            st.integrity = damage_message(gen, st.damaged)
        if not set(st.damaged) & {"chunks.sqlite", MANIFEST}:  # else: not opened
            db = ChunkDB(gen / "chunks.sqlite")
            st.files, st.documents = db.files(), db.metadata()
            db.close()
        return st
