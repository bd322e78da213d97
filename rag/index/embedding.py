"""Embedding for builds: reuse what the live index already has, embed the rest in fixed
batches — in this process or spread over worker processes, with identical results."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from rag.index.texts import vector_key
from rag.stores.vectorfile import VectorFile

EMBED_BATCH = 256  # texts per encode call; the partition is the same for any worker count
Progress = Callable[[str, int, int], None]  # (stage, done, total)

_worker_encoder = None


def _init_worker(export: str, int8: bool) -> None:
    global _worker_encoder
    from rag.embed.onnx import OnnxEncoder

    _worker_encoder = OnnxEncoder(Path(export), threads=1, quantized=int8)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    assert _worker_encoder is not None
    return _worker_encoder.encode(texts)


def embed_missing(texts: Sequence[str], reuse: Mapping[str, np.ndarray], export: Path, dim: int,
                  workers: int, progress: Progress, stage: str, threads: int = 0,
                  int8: bool = False, out: VectorFile | None = None) -> tuple[np.ndarray | VectorFile, int, int]:
    """Vectors for ``texts`` (reused where the text was embedded before); how many texts were
    embedded, and how many rows were filled from ``reuse``.
    With ``out`` they go to that file as they are made (a build's memory stays flat), else into
    a matrix.

    Each distinct text is embedded once (syndicated copies and repeated boilerplate chunks share
    one vector), and the new texts are embedded longest first across the whole build, so every
    batch holds texts of nearly the same length and little compute goes to padding.
    """
    sink: np.ndarray | VectorFile = out if out is not None else np.zeros((len(texts), dim), dtype=np.float32)
    # Keyed by the text's hash, the text itself made again when its batch comes: holding every
    # distinct text until then was ~80 MB at 176k chunks (``texts`` makes them on demand).
    where: dict[str, list[int]] = {}
    size: dict[str, int] = {}
    reused = 0
    for i, t in enumerate(texts):
        key = vector_key(t)
        v = reuse.get(key)
        if v is not None:
            sink[i] = v
            reused += 1
        elif key in where:
            where[key].append(i)
        else:
            where[key], size[key] = [i], len(t)
    todo = sorted(where, key=size.__getitem__, reverse=True)
    del size
    batches = [todo[lo:lo + EMBED_BATCH] for lo in range(0, len(todo), EMBED_BATCH)]
    made = ([texts[where[k][0]] for k in batch] for batch in batches)
    progress(stage, 0, len(todo))
    done = 0
    for batch, vecs in zip(batches, _encode_batches(made, len(batches), export, workers, threads, int8), strict=True):
        for k, v in zip(batch, vecs, strict=True):
            sink[where[k]] = v
        done += len(batch)
        progress(stage, done, len(todo))
    return sink, len(todo), reused


def _encode_batches(batches: Iterable[list[str]], n: int, export: Path, workers: int, threads: int,
                    int8: bool) -> Iterator[np.ndarray]:
    """Each of the ``n`` batches' vectors, in order: in this process, or spread over worker processes."""
    if workers > 1 and n > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn")  # fork would copy a loaded ONNX session's threads
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(str(export), int8)) as pool:
            yield from pool.map(_encode_in_worker, batches)
    elif n:
        from rag.embed.onnx import OnnxEncoder

        encoder = OnnxEncoder(export, threads=threads or None, quantized=int8)
        for batch in batches:
            yield encoder.encode(batch)
