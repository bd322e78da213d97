"""What is indexed, with what, when, and which files changed since."""

from __future__ import annotations

from typing import Any

from rag.config import Settings
from rag.load import discover
from rag.load.reader import file_hash
from rag.stores import open_store


def indexed_files(settings: Settings) -> dict[str, str]:
    return open_store(settings).files()


def index_status(settings: Settings) -> dict[str, Any]:
    st = open_store(settings).status()
    generation, manifest, indexed, docs = st.generation, st.manifest, st.files, st.documents
    damaged, integrity = st.damaged, st.integrity
    unreadable = bool(set(damaged) & {"chunks.sqlite", "manifest.json"})  # what is indexed is unknown
    on_disk = {} if unreadable else {e.path: e for e in discover(settings.paths.data_dir)}
    changed = sorted(p for p, e in on_disk.items() if p in indexed
                     and e.size <= settings.index.max_file_mb * 1024 * 1024 and file_hash(e) != indexed[p])
    return {
        "index": str(settings.paths.index_dir),
        "data": str(settings.paths.data_dir),
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
