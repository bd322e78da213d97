"""`rag eval`: score the production pipeline, mode by mode, on questions or a BEIR dataset.

Every row runs the real ``Searcher`` with the user's settings, changed only in mode and second
stage, so the numbers describe what `rag query` returns. Output: a rich table on stdout and,
with ``--report``, the same numbers (plus per-question details) as JSON.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import RagError
from rag.evaluate.rows import RowResult, rows_for


def run_eval(settings: Settings, *, questions: Path | None = None, beir: Path | None = None,
             mode: str | None = None, report: Path | None = None) -> list[RowResult]:
    rows = rows_for(mode, settings.search)
    if beir is not None:
        from rag.evaluate.beir import evaluate_beir

        title, results, extra = evaluate_beir(settings, beir, rows)
    elif questions is not None:
        from rag.evaluate.questions import evaluate_questions

        title, results, extra = evaluate_questions(settings, questions, rows)
    else:
        raise RagError("give a questions file or --beir DIR")
    print_table(title, results)
    if report is not None:
        write_report(report, title, settings, results, extra)
    return results


def print_table(title: str, results: list[RowResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("mode")
    names = list(results[0].metrics) if results else []
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("s/query", justify="right")
    for r in results:
        per_q = r.seconds / max(1, len(r.details))
        table.add_row(r.row.label, *(f"{r.metrics[n]:.3f}" for n in names), f"{per_q:.3f}")
    Console().print(table)


def write_report(path: Path, title: str, settings: Settings, results: list[RowResult],
                 extra: dict[str, Any]) -> None:
    index, search = settings.index, settings.search
    retrieval = {"model": index.model, "top_k": search.top_k, "mode": search.mode, "rerank": search.rerank,
                 "cross_encoder": search.cross_encoder, "chunk_tokens": index.chunk_tokens,
                 "chunk_overlap": index.chunk_overlap, "candidates": search.candidates,
                 "rrf_k": search.rrf_k, "group_threshold": search.group_threshold}
    data = {"title": title, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "settings": retrieval, **extra,
            "rows": [{"label": r.row.label, "mode": r.row.mode, "rerank": r.row.rerank,
                      "metrics": {k: round(v, 4) for k, v in r.metrics.items()},
                      "seconds": round(r.seconds, 2), "details": r.details} for r in results]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
