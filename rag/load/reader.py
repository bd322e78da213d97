"""Find article files under the data folder and load them, skipping what cannot be indexed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import UsageError
from rag.load.formats import FORMATS, Skip, extract
from rag.records import Source
from rag.util import sha256_bytes


@dataclass
class FileEntry:
    """A candidate file: enough to tell whether it changed since the last build."""

    path: str  # relative to the data folder, POSIX separators
    abspath: Path
    size: int
    outside: bool = False  # a symbolic link to something outside the data folder: never read


@dataclass
class Loaded:
    sources: list[Source] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "path: what happened"
    file_hashes: dict[str, str] = field(default_factory=dict)  # every file read, even skipped


OUTSIDE = "link:outside"  # the "hash" recorded for such a link, so it is reported once


def check_data_dir(data_dir: Path, max_files: int, force: bool = False) -> None:
    """The data folder must be a folder, and not the whole disk or some huge tree by mistake."""
    if not data_dir.exists():
        raise UsageError(f"data folder {data_dir} does not exist")
    if not data_dir.is_dir():
        raise UsageError(f"the data folder must be a folder, and {data_dir} is a file")
    if force:
        return
    root = data_dir.resolve()
    if root == Path(root.anchor):
        raise UsageError(f"refusing to use {root} (the whole filesystem) as the data folder; "
                         "name the articles' folder (or add --force)")
    if max_files > 0 and _count_files(root, max_files) > max_files:
        raise UsageError(f"{data_dir} holds more than {max_files:,} files: is it the articles' folder? "
                         "(--force indexes it anyway; RAG_MAX_FILES sets the limit)")


def _count_files(root: Path, stop_after: int) -> int:
    n = 0
    for _, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        n += len(files)
        if n > stop_after:
            break
    return n


def discover(data_dir: Path) -> list[FileEntry]:
    """Supported files under ``data_dir``, recursively, hidden files and folders left out.

    Symbolic links are not followed out of the folder: such a link becomes an ``outside`` entry,
    which is reported (once) and never read. Linked folders are not descended into.
    """
    entries: list[FileEntry] = []
    if not data_dir.is_dir():
        return entries
    root = data_dir.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            p = base / name
            if name.startswith(".") or (p.suffix.lower() not in FORMATS and not p.is_symlink()):
                continue
            rel = p.relative_to(root).as_posix()
            if p.is_symlink() and not p.resolve().is_relative_to(root):
                entries.append(FileEntry(rel, p, 0, outside=True))
            elif p.suffix.lower() in FORMATS and p.is_file():
                entries.append(FileEntry(rel, p, p.stat().st_size))
    return sorted(entries, key=lambda e: e.path)


def file_hash(entry: FileEntry) -> str:
    if entry.outside:
        return OUTSIDE
    return sha256_bytes(entry.abspath.read_bytes())


def load_files(entries: Iterable[FileEntry], max_file_mb: int = 50) -> Loaded:
    out = Loaded()
    for entry in entries:
        if entry.outside:
            out.warnings.append(f"{entry.path}: skipped, a link to a file outside the data folder")
            out.file_hashes[entry.path] = OUTSIDE
            continue
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
