"""Putting files into the data folder and taking them out, safely.

Names are sanitised (no path traversal, no hidden or odd characters); nothing is overwritten
silently; removed articles are moved aside to ``.removed/``, not deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

from rag.errors import RagError
from rag.load.formats import FORMATS


def sanitize_name(name: str, default_suffix: str = ".txt") -> str:
    """A safe single file name: letters, digits, dot, dash, underscore; a supported suffix."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_") or "article"
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in FORMATS:
        stem, suffix = base, default_suffix.lstrip(".")
    return f"{stem[:100]}.{suffix.lower()}"


def unique_path(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def save_new(data_dir: Path, name: str, content: bytes) -> Path:
    """Write a new article under a sanitised, unused name (same bytes already there: reuse)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    safe = sanitize_name(name)
    existing = data_dir / safe
    if existing.is_file() and existing.read_bytes() == content:
        return existing
    target = unique_path(data_dir, safe)
    tmp = data_dir / f".{target.name}.part"
    tmp.write_bytes(content)
    tmp.replace(target)
    return target


def check_article(name: str, content: bytes) -> None:
    """Refuse, before anything is written, a file that would yield nothing to index: a rejected
    upload must not stay in the data folder where nobody can see or remove it."""
    from rag.load.formats import Skip, extract

    try:
        extract(sanitize_name(name), content)
    except Skip as exc:
        raise RagError(f"not adding {Path(name).name}: {exc}") from None


def place_in_data(data_dir: Path, path: Path) -> Path:
    """A file inside the data folder is used in place; one outside is copied in."""
    p = path.expanduser().resolve()
    if not p.is_file():
        raise RagError(f"{path} is not a file")
    try:
        p.relative_to(data_dir.resolve())
        return p
    except ValueError:
        content = p.read_bytes()
        check_article(p.name, content)
        return save_new(data_dir, p.name, content)


def _resolve_parent(p: Path) -> Path:
    """Resolve the folders but not the last part: a link in the data folder names itself."""
    p = Path(os.path.abspath(p))
    return p.parent.resolve() / p.name


def relative_in_data(data_dir: Path, path: str) -> str:
    p = Path(path)
    root = data_dir.resolve()
    full = _resolve_parent(p if p.is_absolute() else (root / p))
    if not full.is_relative_to(root) and not p.is_absolute():
        full = _resolve_parent(Path.cwd() / p)
    if not full.is_relative_to(root):
        raise RagError(f"{path} is not inside the data folder {data_dir}")
    return full.relative_to(root).as_posix()


def retire(data_dir: Path, path: str) -> str:
    """Move an article out of the way (into .removed/) and return its data-relative path."""
    rel = relative_in_data(data_dir, path)
    src = data_dir / rel
    if src.is_file():
        aside = data_dir / ".removed" / f"{time.strftime('%Y%m%d-%H%M%S')}"
        aside.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(unique_path(aside, Path(rel).name)))
    return rel
