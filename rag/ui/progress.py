"""Progress bars for long steps (tqdm on stderr), silent with --quiet or --json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rag.index.build import Progress


@contextmanager
def cli_progress(quiet: bool) -> Iterator[Progress]:
    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="", leave=False,
                                     dynamic_ncols=True)
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()
