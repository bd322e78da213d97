"""Index generations: every write makes a complete new folder, then one atomic pointer flip.

Layout of the index folder::

    CURRENT            name of the live generation (replaced atomically)
    .lock              held by the one writer at a time
    models/<key>/      the ONNX export of the embedding model, shared by generations
    gen-<stamp>/       manifest.json + the files it names
    .tmp-<stamp>/      a generation being written (a crash leaves it; the next writer removes it)

Readers only ever follow CURRENT to a folder whose files were fsynced before the flip, so a
``kill -9`` at any moment leaves either the old index or the new one, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from rag.errors import IndexDamaged, IndexIncompatible, IndexMissing
from rag.stores.base import FORMAT_VERSION
from rag.util import fsync_dir, write_atomic

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
KEEP_OLD = 1  # previous generations kept for readers that are still on them
_GEN_NAME = re.compile(r"gen-[0-9A-Za-z_-]{1,80}")


def current_generation(index_dir: Path) -> Path:
    """The live generation folder, or a one-line error telling the user what to run."""
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index at {index_dir}: run `rag index` first") from None
    except OSError as exc:
        raise IndexMissing(f"cannot read the index at {index_dir} ({exc.strerror})") from None
    except UnicodeDecodeError:
        name = ""  # garbled pointer: reported as damage below
    if not _GEN_NAME.fullmatch(name) or not (index_dir / name / MANIFEST).is_file():
        raise IndexDamaged(f"the index at {index_dir} is damaged (its CURRENT pointer names no "
                           "generation): run `rag index` to rebuild it")
    return index_dir / name


def read_manifest(gen: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexIncompatible(f"the index manifest in {gen} is unreadable: run `rag index`") from None
    return manifest


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def damaged_files(gen: Path, manifest: dict[str, Any]) -> list[str]:
    """Files the manifest names whose size or sha256 no longer match (missing ones too).

    Hashing reads every byte, so callers do it once per generation, never per query. A manifest
    without checksums (an older build) counts as damaged: nothing it names can be trusted.
    """
    sizes: dict[str, int] = manifest.get("files", {})
    hashes: dict[str, str] = manifest.get("sha256", {})
    if not hashes:
        return [MANIFEST]
    bad = []
    for name in sorted(set(sizes) | set(hashes)):
        f = gen / name
        try:
            ok = (f.is_file() and f.stat().st_size == sizes.get(name)
                  and file_sha256(f) == hashes.get(name))
        except OSError:
            ok = False
        if not ok:
            bad.append(name)
    return bad


def damage_message(gen: Path, bad: list[str]) -> str:
    if bad == [MANIFEST]:
        return f"the index in {gen} has no checksums (an older build): run `rag index` to rebuild it"
    names = ", ".join(f"{gen.name}/{b}" for b in bad)
    return (f"index file{'s' if len(bad) > 1 else ''} {names} in {gen.parent} "
            f"{'are' if len(bad) > 1 else 'is'} damaged (checksum mismatch): run `rag index` to repair")


def verify_files(gen: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names has the content it was written with, or a one-line error."""
    bad = damaged_files(gen, manifest)
    if bad:
        raise IndexDamaged(damage_message(gen, bad))


class NewGeneration:
    """A generation being written; ``commit`` makes it live in one atomic step."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}"
        self.path = index_dir / f".tmp-{self.stamp}"
        self.path.mkdir(parents=True)

    def commit(self, manifest: dict[str, Any]) -> Path:
        files = [f for f in sorted(self.path.rglob("*")) if f.is_file()]
        sizes = {f.relative_to(self.path).as_posix(): f.stat().st_size for f in files}
        sums = {f.relative_to(self.path).as_posix(): file_sha256(f) for f in files}
        manifest = {"format_version": FORMAT_VERSION, **manifest, "files": sizes, "sha256": sums}
        write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        for f in self.path.rglob("*"):
            if f.is_file():
                with open(f, "rb+") as fh:
                    os.fsync(fh.fileno())
        for d in [self.path, *[p for p in self.path.rglob("*") if p.is_dir()]]:
            fsync_dir(d)
        final = self.index_dir / f"gen-{self.stamp}"
        os.replace(self.path, final)
        fsync_dir(self.index_dir)
        write_atomic(self.index_dir / CURRENT, final.name.encode("utf-8"))
        _collect_garbage(self.index_dir, final.name)
        return final

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _collect_garbage(index_dir: Path, live: str) -> None:
    """Drop dead temp folders and all but the newest KEEP_OLD older generations."""
    for tmp in index_dir.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    old = sorted((g for g in index_dir.glob("gen-*") if g.name != live), key=lambda g: g.name)
    for g in old[: max(0, len(old) - KEEP_OLD)]:
        shutil.rmtree(g, ignore_errors=True)
