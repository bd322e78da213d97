"""What one evaluation row is (a mode and a second stage) and what it measured; shared by the
question-set and BEIR evaluations, which the runner calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rag.config import MODES, SearchConfig
from rag.errors import RagError

ROW_MODES = ("all", *MODES)


@dataclass(frozen=True)
class Row:
    mode: str
    rerank: str

    @property
    def label(self) -> str:
        return self.mode if self.rerank == "none" else f"{self.mode} + {self.rerank}"


@dataclass
class RowResult:
    row: Row
    metrics: dict[str, float]
    seconds: float
    details: list[dict[str, Any]] = field(default_factory=list)


def rows_for(mode: str | None, config: SearchConfig) -> list[Row]:
    """One row for a named mode (with the configured second stage); every mode for "all"."""
    mode = mode or config.mode
    if mode not in ROW_MODES:
        raise RagError(f"mode must be one of {', '.join(ROW_MODES)}, not '{mode}'")
    if mode != "all":
        return [Row(mode, config.rerank)]
    second = config.rerank if config.rerank != "none" else "sentence"
    return [Row("dense", "none"), Row("bm25", "none"), Row("hybrid", "none"),
            Row("hybrid", second)]


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (a no-op object when quiet)."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        yield bar
