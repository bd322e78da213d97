"""Embedding for builds: reuse what the live index already has, embed the rest in fixed
batches — in this process or spread over worker processes, with identical results."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import Encoder
from rag.index.texts import vector_key
from rag.stores.vectorfile import VectorFile

EMBED_BATCH = 256  # texts per encode call; the partition is the same for any worker count
Progress = Callable[[str, int, int], None]  # (stage, done, total)

_worker_encoder = None


def _init_worker(export: str, precision: str) -> None:
    global _worker_encoder
    from rag.embed import build_encoder

    _worker_encoder = build_encoder(Path(export), precision, threads=1)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    assert _worker_encoder is not None
    return _worker_encoder.encode(texts)


def embed_missing(texts: Sequence[str], reuse: Mapping[Any, np.ndarray], export: Path, dim: int,
                  workers: int, progress: Progress, stage: str, threads: int = 0,
                  precision: str = "fp32", out: VectorFile | None = None,
                  key: Callable[[str], Hashable] = vector_key,
                  encoder: Callable[[], Encoder] | None = None) -> tuple[np.ndarray | VectorFile, int, int]:
    """Vectors for ``texts`` (reused where the text was embedded before: ``reuse`` is keyed by
    ``key(text)``); how many texts were embedded, and how many rows were filled from ``reuse``.
    ``encoder``: gives the encoder to use in this process (one for several calls), made when
    there is something to embed.
    With ``out`` they go to that file as they are made (a build's memory stays flat), else into
    a matrix.

    Each distinct text is embedded once (syndicated copies and repeated boilerplate chunks share
    one vector), and the new texts are embedded longest first across the whole build, so every
    batch holds texts of nearly the same length and little compute goes to padding.
    """
    sink: np.ndarray | VectorFile = out if out is not None else np.zeros((len(texts), dim), dtype=np.float32)
    # Per distinct new text only its key, first row and length: the text itself is made again when
    # its batch comes (holding every distinct text was ~80 MB at 176k chunks), and the rows of
    # repeats are listed apart (a list per text was most of the ~250 MB of 600k sentences).
    first: dict[Hashable, int] = {}
    repeats: dict[Hashable, list[int]] = {}
    keys: list[Hashable] = []
    lengths = array("l")
    reused = 0
    for i, t in enumerate(texts):
        k = key(t)
        v = reuse.get(k)
        if v is not None:
            sink[i] = v
            reused += 1
        elif k in first:
            repeats.setdefault(k, []).append(i)
        else:
            first[k] = i
            keys.append(k)
            lengths.append(len(t))
    todo = [keys[j] for j in sorted(range(len(keys)), key=lengths.__getitem__, reverse=True)]
    del keys, lengths
    batches = [todo[lo:lo + EMBED_BATCH] for lo in range(0, len(todo), EMBED_BATCH)]
    made = ([texts[first[x]] for x in batch] for batch in batches)
    progress(stage, 0, len(todo))
    done = 0
    encoded = _encode_batches(made, len(batches), export, workers, threads, precision, encoder)
    for batch, vecs in zip(batches, encoded, strict=True):
        for text_key, vec in zip(batch, vecs, strict=True):
            sink[[first[text_key], *repeats.get(text_key, ())]] = vec
        done += len(batch)
        progress(stage, done, len(todo))
    return sink, len(todo), reused


def _encode_batches(batches: Iterable[list[str]], n: int, export: Path, workers: int, threads: int,
                    precision: str, encoder: Callable[[], Encoder] | None) -> Iterator[np.ndarray]:
    """Each of the ``n`` batches' vectors, in order: in this process, or spread over worker processes."""
    if workers > 1 and n > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn")  # fork would copy a loaded ONNX session's threads
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(str(export), precision)) as pool:
            yield from pool.map(_encode_in_worker, batches)
    elif n:
        from rag.embed import build_encoder

        model = encoder() if encoder is not None else build_encoder(export, precision, threads)
        for batch in batches:
            yield model.encode(batch)
