"""One writer per index folder at a time, whichever store keeps the index (the folder also
holds the ONNX export both stores share)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import RagError


@contextmanager
def writer_lock(index_dir: Path, wait: float | None = None, quiet: bool = False) -> Iterator[None]:
    """One writer at a time; a second one waits (saying so) or stops with a clear reason."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not quiet:
            import sys

            print("another build of this index is running; waiting for it to finish…", file=sys.stderr)
        try:
            lock.acquire(timeout=-1 if wait is None else wait)
        except Timeout:
            raise RagError("another build of this index is still running; try again later") from None
    try:
        yield
    finally:
        lock.release()
