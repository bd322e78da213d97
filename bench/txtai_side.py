"""The txtai half of "build vs txtai", run by bench/.txtai-venv's python (imports txtai, never rag).

    python txtai_side.py build DATA_DIR INDEX_DIR MODEL_DIR THREADS
    python txtai_side.py query INDEX_DIR QUESTIONS_JSON THREADS

``build`` indexes one record per article with content stored and hybrid (BM25 + dense) scoring,
as txtai's documentation sets up a searchable archive; ``query`` prints the p50/p95 of warm
hybrid searches (k=5). Both print one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path


def _threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def build(data: Path, index: Path, model: str, threads: int) -> dict[str, object]:
    from txtai import Embeddings

    _threads(threads)
    t0 = time.perf_counter()
    docs = [(p.name, p.read_text(encoding="utf-8"), None) for p in sorted(data.glob("*.txt"))]
    emb = Embeddings(path=model, content=True, hybrid=True)
    emb.index(docs)
    emb.save(str(index))
    return {"seconds": time.perf_counter() - t0, "records": len(docs), "embedded": emb.count()}


def query(index: Path, questions: list[str], threads: int) -> dict[str, object]:
    from txtai import Embeddings

    _threads(threads)
    emb = Embeddings()
    emb.load(str(index))
    for q in questions[:5]:  # warm-up only: not timed
        emb.search(q, 5)
    times = []
    for q in questions[5:]:
        t0 = time.perf_counter()
        emb.search(q, 5)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "n": len(times)}


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if argv[0] == "build":
        out = build(Path(argv[1]), Path(argv[2]), argv[3], int(argv[4]))
    else:
        out = query(Path(argv[1]), json.loads(Path(argv[2]).read_text(encoding="utf-8")), int(argv[3]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
