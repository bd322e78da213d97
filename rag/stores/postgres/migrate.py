"""Move an existing FAISS-store index into PostgreSQL without embedding anything again.

Embedding is the expensive part of a build (minutes per thousand articles on a CPU); the live
generation already holds every vector, so this reads it and commits the same state to the
PostgreSQL store (one transaction, as any build). Usage::

    RAG_DATABASE_URL=postgresql://... python -m rag.stores.postgres.migrate [--index DIR] [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from rag.config import Settings
from rag.embed import resolve
from rag.errors import RagError
from rag.index.texts import embed_text
from rag.stores.base import BuildResult, Manifest
from rag.stores.faiss.chunkdb import ChunkDB
from rag.stores.faiss.generation import current_generation, read_manifest
from rag.stores.postgres.store import PostgresStore


def copy_faiss_to_postgres(settings: Settings) -> str:
    """Commit the live FAISS generation of ``settings.paths.index_dir`` to ``settings.storage.database_url``."""
    gen = current_generation(settings.paths.index_dir)
    manifest = read_manifest(gen)
    info = resolve(settings.index.model)
    Manifest(manifest).compatible_with(info.id, info.dim)
    db = ChunkDB(gen / "chunks.sqlite")
    try:
        sources, chunks, files = db.sources(), db.all_chunks(), db.files()
    finally:
        db.close()
    titles = {s.path: s.metadata.title for s in sources}
    result = BuildResult(info, manifest["model"]["export"], sources, chunks,
                         [embed_text(c, titles.get(c.path)) for c in chunks],
                         np.load(gen / "vectors.npy"), files,
                         {"migrated_from": gen.name, "build_seconds": manifest.get("build_seconds")})
    chunking = manifest.get("chunking", settings.index.chunking())
    target = settings.with_(store="postgres", chunk_tokens=chunking.get("chunk_tokens"),
                            chunk_overlap=chunking.get("chunk_overlap"))
    return PostgresStore(target).commit(result)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", help="FAISS index folder [RAG_INDEX]")
    p.add_argument("--data", help="data folder [RAG_DATA]")
    a = p.parse_args(argv)
    try:
        s = Settings.load(index_dir=a.index, data_dir=a.data)
        t0 = time.perf_counter()
        name = copy_faiss_to_postgres(s)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"copied {s.paths.index_dir} into the database as generation {name} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
