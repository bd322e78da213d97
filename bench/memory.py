"""Peak RSS of `rag index` at archive scale, for both stores: a full build of N generated
news-like articles (``bench/news.py``, the txtai section's generator), then adding one article.
Issue 12's target: under 700 MB at 10,000 articles.

Slow (10,000 articles: ~10 min a build on two cores), so not a section of `make bench`:

    .venv/bin/python bench/memory.py [--articles 10000] [--stores faiss,postgres] [--fresh]

The index's model export is made first, as for the bench's build rows (a first build makes it in
a process of its own: ~0.94 GB for ~20 s); ``--fresh`` measures first builds with it instead.
Peak RSS comes from the kernel (wait4) for the `rag index` process and every process it waited
for; PostgreSQL is a throw-away pgserver one (``RAG_DATABASE_URL`` to use another).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `rag` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ENV, log, rag_exe, run_child
from bench.news import write
from bench.pg_bench import reset
from bench.pg_bench_parts import start_server

MIB = 1 << 20


def measure(store: str, data: Path, index: Path, env: dict[str, str], fresh: bool) -> list[tuple[str, float, int]]:
    """(what, wall seconds, peak RSS bytes) of a full build and of adding one article."""
    from rag.config import Settings
    from rag.embed import ensure_export, resolve

    if not fresh:
        index.mkdir(parents=True, exist_ok=True)
        ensure_export(index, resolve(Settings().index.model), Settings().index.precision)
    cmd = [*rag_exe(), "index", "--quiet", "--data", str(data), "--index", str(index)]
    out = []
    for what, args in (("full build", ["--full"]), ("add one article", [])):
        if args == []:
            extra = data / "zz-added.txt"
            first = next(iter(sorted(data.glob("*.txt"))))
            extra.write_text("One more article\n\n" + first.read_text(encoding="utf-8")[:3000]
                             + "\nA closing line no other article has.\n", encoding="utf-8")
        log(f"memory: {store}, {what}")
        run = run_child([*cmd, *args], env=env, timeout=7200, rss=True)
        if run.code != 0:
            raise RuntimeError(f"{store} {what} failed: {run.err[-800:]}")
        out.append((what, run.wall, run.peak_rss))
    (data / "zz-added.txt").unlink(missing_ok=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--stores", default="faiss,postgres")
    p.add_argument("--fresh", action="store_true", help="first builds: the model export included")
    a = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rag-bench-memory-"))
    try:
        data = root / "data"
        write(data, a.articles)
        rows = []
        for store in a.stores.split(","):
            env = {**ENV, "RAG_STORE": store}
            if store == "postgres":
                env["RAG_DATABASE_URL"] = os.environ.get("RAG_DATABASE_URL") or start_server(root)
                reset(env["RAG_DATABASE_URL"])
            for what, wall, peak in measure(store, data, root / f"index-{store}", env, a.fresh):
                first = " (first build: the model export included)" if a.fresh and what == "full build" else ""
                rows.append(f"| {store} | {what}, {a.articles:,} articles{first} "
                            f"| {wall:.1f} s | {peak / MIB:,.0f} MiB | < 700 MB: {'yes' if peak < 700e6 else 'NO'} |")
        print("| store | build | wall | peak RSS | target |\n|---|---|---:|---:|---|")
        print("\n".join(rows))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
