"""Where a cold `rag query` spends its time: run in a fresh process, prints one JSON object.

Usage: python bench/cold_phases.py DATA INDEX QUESTION
"""

from __future__ import annotations

import json
import sys
import time

T0 = time.perf_counter()


def main() -> None:
    phases: dict[str, float] = {}
    last = T0

    def mark(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        phases[name] = round((now - last) * 1000, 1)
        last = now

    import numpy  # noqa: F401

    mark("import numpy")
    import rag.cli  # noqa: F401  (typer, click, pydantic via typer)

    mark("import rag.cli (typer)")
    from rag.answer.pipeline import Searcher

    mark("import pipeline (+faiss, onnxruntime, tokenizers)")
    from pathlib import Path

    from rag.config import Settings

    data, index, question = sys.argv[1], sys.argv[2], sys.argv[3]
    searcher = Searcher(Settings.load(data_dir=Path(data), index_dir=Path(index)))
    snap = searcher.snapshot()
    mark("open snapshot (manifest, sqlite)")
    _ = snap.encoder
    mark("ONNX session")
    _ = snap.bm25
    mark("BM25 load (imports bm25s, scipy)")
    _ = snap.ann
    mark("vector index load")
    response = searcher.search(question)
    mark("first search")
    from rag.ui.terminal import print_response  # noqa: F401

    mark("import terminal renderer (rich)")
    phases["total"] = round((time.perf_counter() - T0) * 1000, 1)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sentence_transformers", "gradio",
                                                                  "transformers"))
    print(json.dumps({"phases": phases, "results": len(response.results), "heavy": heavy}))


if __name__ == "__main__":
    main()
