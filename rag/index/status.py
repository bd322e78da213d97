"""What is indexed, with what, when, and which files changed since."""

from __future__ import annotations

from typing import Any

from rag.config import Settings
from rag.index.chunkdb import ChunkDB
from rag.index.generation import current_generation, damage_message, damaged_files, read_manifest
from rag.load import discover
from rag.load.reader import file_hash


def indexed_files(settings: Settings) -> dict[str, str]:
    if settings.store == "postgres":
        from rag.index.pg_status import pg_files

        return pg_files(settings)
    db = ChunkDB(current_generation(settings.index_dir) / "chunks.sqlite")
    try:
        return db.files()
    finally:
        db.close()


def index_status(settings: Settings) -> dict[str, Any]:
    damaged: list[str] = []
    integrity = "ok: every index file matches its checksum"
    if settings.store == "postgres":
        from rag.index.pg_status import pg_state

        generation, manifest, indexed, docs = pg_state(settings)
        integrity = "kept by PostgreSQL (no index files)"
    else:
        gen = current_generation(settings.index_dir)
        generation, manifest = gen.name, read_manifest(gen)
        damaged = damaged_files(gen, manifest)  # every byte checked: status is not on a hot path
        if damaged:
            integrity = damage_message(gen, damaged)
        indexed, docs = {}, {}
        if not set(damaged) & {"chunks.sqlite", "manifest.json"}:  # else: not opened
            db = ChunkDB(gen / "chunks.sqlite")
            indexed = db.files()
            docs = db.metadata()
            db.close()
    unreadable = bool(set(damaged) & {"chunks.sqlite", "manifest.json"})  # what is indexed is unknown
    on_disk = {} if unreadable else {e.path: e for e in discover(settings.data_dir)}
    changed = sorted(p for p, e in on_disk.items() if p in indexed
                     and e.size <= settings.max_file_mb * 1024 * 1024 and file_hash(e) != indexed[p])
    return {
        "index": str(settings.index_dir),
        "data": str(settings.data_dir),
        "generation": generation,
        "documents": manifest["counts"]["documents"],
        "chunks": manifest["counts"]["chunks"],
        "model": manifest["model"]["id"],
        "ann": manifest.get("ann"),
        "built_at": manifest.get("built_at"),
        "build_seconds": manifest.get("build_seconds"),
        "new": sorted(p for p in on_disk if p not in indexed),
        "changed": changed,
        "deleted": sorted(p for p in indexed if p not in on_disk),
        "titles": {p: m.title for p, m in sorted(docs.items())},
        "damaged": damaged,
        "integrity": integrity,
    }
