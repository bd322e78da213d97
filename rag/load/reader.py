"""Find article files under the data folder and load them, skipping what cannot be indexed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.load.formats import FORMATS, Skip, extract
from rag.records import Source
from rag.util import sha256_bytes


@dataclass
class FileEntry:
    """A candidate file: enough to tell whether it changed since the last build."""

    path: str  # relative to the data folder, POSIX separators
    abspath: Path
    size: int


@dataclass
class Loaded:
    sources: list[Source] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "path: what happened"
    file_hashes: dict[str, str] = field(default_factory=dict)  # every file read, even skipped


def discover(data_dir: Path) -> list[FileEntry]:
    """Supported files under ``data_dir``, recursively, hidden files and folders left out."""
    entries: list[FileEntry] = []
    if not data_dir.is_dir():
        return entries
    for p in sorted(data_dir.rglob("*")):
        rel = p.relative_to(data_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.suffix.lower() not in FORMATS or not p.is_file():
            continue
        entries.append(FileEntry(rel.as_posix(), p, p.stat().st_size))
    return entries


def file_hash(entry: FileEntry) -> str:
    return sha256_bytes(entry.abspath.read_bytes())


def load_files(entries: Iterable[FileEntry], max_file_mb: int = 50) -> Loaded:
    out = Loaded()
    for entry in entries:
        if entry.size > max_file_mb * 1024 * 1024:
            mb = entry.size / 1024 / 1024
            out.warnings.append(f"{entry.path}: skipped, {mb:.0f} MB is over the {max_file_mb} MB limit")
            out.file_hashes[entry.path] = f"size:{entry.size}"
            continue
        try:
            raw = entry.abspath.read_bytes()
        except OSError as exc:
            out.warnings.append(f"{entry.path}: skipped, cannot read ({exc.strerror})")
            continue
        out.file_hashes[entry.path] = sha256_bytes(raw)
        try:
            sources, warnings = extract(entry.path, raw)
        except Skip as exc:
            out.warnings.append(f"{entry.path}: skipped, {exc}")
            continue
        out.sources.extend(sources)
        out.warnings.extend(f"{entry.path}: {w}" for w in warnings)
    return out
