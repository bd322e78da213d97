"""A build's vectors on disk as they are made.

An (n, dim) float32 ``.npy`` file, written row by row with ``pwrite`` and read back in blocks with
``pread``: a build never holds the whole matrix (270 MB at 176k chunks), and the file is not
memory-mapped, because every page a map touches counts in the process's resident memory. The
bytes are exactly what ``np.save`` writes for the same matrix, so the FAISS store moves the file
into the new generation as its ``vectors.npy``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

K = TypeVar("K", str, bytes)  # the key of a reused vector: a text's hash, hex or raw


class VectorFile:
    """Rows of a float32 matrix on disk, indexed as the matrix would be: ``f[rows] = vector``
    writes, ``f[lo:hi]``, ``f[row]`` and ``f[rows]`` read."""

    def __init__(self, path: Path, n: int, dim: int) -> None:
        self.path = Path(path)
        self.shape = (int(n), int(dim))
        self.row_bytes = int(dim) * 4
        with open(self.path, "wb") as fh:
            header = {"descr": "<f4", "fortran_order": False, "shape": self.shape}
            np.lib.format.write_array_header_1_0(fh, header)  # type: ignore[no-untyped-call]
            self.offset = fh.tell()
            fh.truncate(self.offset + self.shape[0] * self.row_bytes)  # rows never put read as zeros
        self._fd = os.open(self.path, os.O_RDWR)
        self._finalizer = weakref.finalize(self, os.close, self._fd)

    @classmethod
    def open(cls, path: Path) -> VectorFile:
        """An existing float32 (n, dim) ``.npy`` (a generation's ``vectors.npy``), for reading."""
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)  # type: ignore[no-untyped-call]
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)  # type: ignore[no-untyped-call]
                    else np.lib.format.read_array_header_2_0)  # type: ignore[no-untyped-call]
            shape, fortran, dtype = read(fh)
            offset = fh.tell()
        if fortran or len(shape) != 2 or np.dtype(dtype) != np.dtype("<f4"):
            raise ValueError(f"{path} is not a float32 matrix")
        self = cls.__new__(cls)
        self.path, self.shape, self.offset = Path(path), (int(shape[0]), int(shape[1])), offset
        self.row_bytes = self.shape[1] * 4
        self._fd = os.open(self.path, os.O_RDONLY)
        self._finalizer = weakref.finalize(self, os.close, self._fd)
        return self

    def __len__(self) -> int:
        return self.shape[0]

    def __setitem__(self, rows: int | Iterable[int], vector: np.ndarray) -> None:
        """Write the one ``vector`` at each of ``rows`` (identical texts share one vector)."""
        data = np.ascontiguousarray(vector, dtype="<f4").tobytes()
        for r in [rows] if isinstance(rows, (int, np.integer)) else rows:
            os.pwrite(self._fd, data, self.offset + int(r) * self.row_bytes)

    def __getitem__(self, key: Any) -> np.ndarray:
        n, dim = self.shape
        if isinstance(key, slice):
            lo, hi, step = key.indices(n)
            if step != 1:
                raise ValueError("VectorFile slices take every row")
            return self._read(lo, max(lo, hi))
        if isinstance(key, (int, np.integer)):
            row = int(key) + n if int(key) < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(f"row {key} out of range for {n} rows")
            return self._read(row, row + 1)[0]
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            if rows.min() < -n or rows.max() >= n:
                raise IndexError(f"rows out of range for {n} rows")
            rows = rows % n
        out = np.empty((len(rows), dim), dtype=np.float32)
        view, fd, size, base = out.reshape(-1).data.cast("B"), self._fd, self.row_bytes, self.offset
        for i, r in enumerate(rows.tolist()):  # straight into the result: one pread a row, no copy
            if os.preadv(fd, [view[i * size:(i + 1) * size]], base + r * size) != size:
                raise OSError(f"{self.path} is shorter than its header says")
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The whole matrix in memory (only for consumers that need it all at once)."""
        return self[:] if dtype is None else self[:].astype(dtype)

    def _read(self, lo: int, hi: int) -> np.ndarray:
        out = np.empty((hi - lo, self.shape[1]), dtype=np.float32)
        if not out.size:
            return out
        view, start, done = out.reshape(-1).data.cast("B"), self.offset + lo * self.row_bytes, 0
        while done < len(view):
            got = os.preadv(self._fd, [view[done:]], start + done)
            if got <= 0:
                raise OSError(f"{self.path} is shorter than its header says")
            done += got
        return out

    def move(self, dest: Path) -> None:
        """Rename the file (same file system); reads and writes go on through the open handle."""
        os.replace(self.path, dest)
        self.path = Path(dest)

    def close(self) -> None:
        self._finalizer()


def save_vectors(vectors: np.ndarray | VectorFile, dest: Path) -> None:
    """``vectors.npy`` of a new generation: a VectorFile is moved there, a matrix saved."""
    if isinstance(vectors, VectorFile):
        vectors.move(dest)
    else:
        np.save(dest, vectors)


class StoredRows(Mapping[K, np.ndarray]):
    """Key -> that row of a vectors file, read when asked: what an incremental build reuses of
    the live generation. A memory map of the file would make every row copied count in the
    build's resident memory (+258 MB at 176k chunks)."""

    def __init__(self, rows: dict[K, int], vectors: VectorFile) -> None:
        self.rows: dict[K, int] = rows
        self.vectors = vectors

    def __getitem__(self, key: K) -> np.ndarray:
        return self.vectors[self.rows[key]]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[K]:
        return iter(self.rows)
