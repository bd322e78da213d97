"""`make bench`: every performance figure of the project next to a baseline measured in the same
run (the machine is shared and noisy, so ratios are what to compare across runs).

Prints a table and writes bench/results/latest.json. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bench.common import DATA, ROOT, Row, Workspace, log, rag_exe, run_child, scifact_docs

SIZES: dict[str, dict[str, Any]] = {
    "full": dict(tp_docs=60, q8_docs=400, rss_docs=40, big=100_000, ann=[100_000, 1_000_000],
                 hnsw_max=100_000, questions=100, nq=200, cold=5,
                 news=400, news_rounds=3, news_questions=65),
    "quick": dict(tp_docs=30, q8_docs=150, rss_docs=10, big=20_000, ann=[100_000],
                  hnsw_max=0, questions=30, nq=100, cold=3,
                  news=40, news_rounds=1, news_questions=25)}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, for iterating (not the figures)")
    p.add_argument("--skip-1m", action="store_true", help="no 1M-vector scale run")
    p.add_argument("--hnsw-1m", action="store_true", help="also build HNSW at 1M (slow: tens of minutes)")
    p.add_argument("--only", default="", help="comma list of sections: cold,build,txtai,warm,scale,stores")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    p.add_argument("--keep", action="store_true", help="keep the temp folder")
    p.add_argument("--news", type=int, help="articles for the txtai section (default 400; quick 40)")
    p.add_argument("--news-rounds", type=int, help="alternating build rounds there (default 2)")
    return p.parse_args()


def sample_index(ws: Workspace) -> tuple[dict[str, Path], Row]:
    """`rag index --quiet` of data/ into an empty folder: it makes the ONNX export (torch) too,
    so this also checks that the first build of an index says nothing with --quiet."""
    data = ws.root / "sample-data"
    shutil.copytree(DATA, data)
    index = ws.root / "sample-index"
    r = run_child([*rag_exe(), "index", "--data", str(data), "--index", str(index), "--quiet"])
    if r.code != 0:
        raise RuntimeError(f"rag index failed: {r.err[-800:]}")
    ws.adopt(index / "models")
    lines = [x for x in r.err.splitlines() if x.strip()]
    row = Row("build", "stderr lines of a first rag index --quiet (with ONNX export)", float(len(lines)),
              "lines", None, "", "0", not lines, (" | ".join(lines)[:200] or "quiet"), {"seconds": r.wall})
    return {"data": data, "index": index}, row


def load_st(ws: Workspace) -> Any:
    from sentence_transformers import SentenceTransformer

    from rag.config import Settings
    from rag.embed import resolve

    return SentenceTransformer(str(resolve(Settings.load().index.model).folder), device="cpu")


def table(rows: list[Row], seconds: float, load: tuple[float, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"rag benchmark: {seconds / 60:.1f} min, load average {load[0]:.1f} -> {load[1]:.1f} "
              f"on {os.cpu_count()} CPUs", show_lines=False)
    for col, just in (("section", "left"), ("figure", "left"), ("value", "right"), ("baseline (same run)", "right"),
                      ("ratio", "right"), ("target", "left"), ("met", "center"), ("note", "left")):
        t.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        base = "" if r.baseline is None else f"{_fmt(r.baseline)} {r.unit} ({r.baseline_name})"
        ratio = "" if r.ratio is None else f"{r.ratio:.3g}x"
        met = {True: "[green]yes[/]", False: "[red]NO[/]", None: ""}[r.ok]
        t.add_row(r.section, r.name, f"{_fmt(r.value)} {r.unit}", base, ratio, r.target, met, r.note)
    Console(width=max(160, shutil.get_terminal_size().columns)).print(t)


def _fmt(v: float) -> str:
    if v == 0 or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"


def store_rows(out: dict[str, Any]) -> list[Row]:
    """PostgreSQL beside FAISS on the same chunks: each PostgreSQL figure against FAISS's."""
    f, p = out["stores"]["faiss"], out["stores"]["postgres"]
    n = f"{out['n']:,}"
    rows: list[Row] = []
    for key, label, unit in (("build_s", "build", "s"), ("p50_ms", "search p50", "ms"),
                             ("p95_ms", "search p95", "ms"), ("recall_at_10", "recall@10 vs exact", ""),
                             ("qps_concurrent", f"QPS, {out['clients']} client processes", "q/s")):
        rows.append(Row("stores", f"faiss {label} @ {n} ({f['index']})", f[key], unit))
        rows.append(Row("stores", f"postgres {label} @ {n} ({p['index']})", p[key], unit,
                        baseline=f[key], baseline_name=f"faiss {label}"))
    return rows


def main() -> int:
    args = parse()
    size = dict(SIZES["quick" if args.quick else "full"])
    size.update({k: v for k, v in (("news", args.news), ("news_rounds", args.news_rounds)) if v})
    only = set(filter(None, args.only.split(","))) or {"cold", "build", "txtai", "warm", "scale", "stores"}
    started, load0 = time.perf_counter(), os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    ws = Workspace(root)
    rows: list[Row] = []
    info: dict[str, Any] = {"sizes": size, "root": str(root)}
    state: dict[str, Any] = {}

    def section(name: str, fn: Callable[[], None]) -> None:
        if name not in only:
            return
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as exc:  # one broken section must not hide the others' figures
            traceback.print_exc()
            note = f"{type(exc).__name__}: {exc}"[:300]
            rows.append(Row(name, f"{name} section failed", 0.0, "", ok=False, note=note))
        info[f"{name}_seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{name} done in {info[f'{name}_seconds']} s")

    try:
        log(f"workspace {root}: sample index (and the model export)")
        state["sample"], quiet_row = sample_index(ws)
        rows.append(quiet_row)
        docs = scifact_docs()
        info["scifact"] = len(docs)
        if not docs:  # no shared SciFact copy: the sample articles stand in (no quality rows)
            log("SciFact not found: using the sample articles for the build and synthetic sections")
            docs = [{"_id": p.stem, "title": t.split("\n", 1)[0], "text": t.split("\n", 1)[-1].strip()}
                    for p in sorted(DATA.glob("*.txt")) for t in [p.read_text(encoding="utf-8")]]

        def cold() -> None:
            from bench import cold as c

            r, i = c.run(state["sample"], rounds=size["cold"], st_rounds=min(3, size["cold"]))
            rows.extend(r)
            info["cold"] = i

        def build() -> None:
            from bench import embed_bench as e

            state["st"] = state.get("st") or load_st(ws)
            r, vecs, i = e.throughput(ws, state["st"], docs, size["tp_docs"], rounds=2)
            rows.extend(r)
            info["throughput"] = i
            state["base"] = vecs
            rows.extend(e.int8_quality(ws, docs, size["q8_docs"]))
            r, i = e.build_rss(ws, docs, size["rss_docs"])
            rows.extend(r)
            info["build_rss"] = i

        def txtai() -> None:
            from bench import vs_txtai

            r, i = vs_txtai.run(ws, size["news"], size["news_rounds"], size["news_questions"])
            rows.extend(r)
            info["vs_txtai"] = i

        def base() -> np.ndarray:
            """Real MiniLM embeddings to draw synthetic vectors around: the passages of the 4N
            build, else the throughput chunks, else embed some."""
            built = info.get("build_rss", {}).get("big_index")
            if state.get("base_all") is None and built:
                from rag.stores.faiss.generation import current_generation

                gen = current_generation(Path(built))
                state["base_all"] = np.load(gen / "vectors.npy")
            if state.get("base_all") is not None:
                return np.asarray(state["base_all"])
            if state.get("base") is None:
                from bench.common import sample, write_articles
                from bench.embed_bench import chunk_texts
                from rag.embed.onnx import OnnxEncoder

                folder = write_articles(sample(docs, size["tp_docs"], 3), ws.root / "base-data")
                state["base"] = OnnxEncoder(ws.export_dir()).encode(chunk_texts(folder, ws.export_dir()))
            return np.asarray(state["base"])

        def warm() -> None:
            from bench import synth_index
            from bench import warm as w
            from rag.config import Settings
            from rag.stores.faiss.vectors import choose_kind

            state["st"] = state.get("st") or load_st(ws)
            big: dict[str, Path] = {}
            if docs:
                staged = ws.root / "synth-staged"
                log(f"warm: writing a synthetic {size['big']:,}-chunk generation")
                info["synthetic_stage_s"] = synth_index.stage(staged, size["big"], docs, base())
                for kind in ("auto", "flat"):
                    idx = ws.index_dir(f"synth-{kind}")
                    s = Settings.load(index_dir=idx)
                    chosen = "flat" if kind == "flat" else choose_kind(size["big"], s.index.ann, s.index.ann_threshold)
                    synth_index.publish(staged, s, ws.export_dir().name, chosen)
                    big[kind] = idx
            rows.extend(w.run(state["sample"], state["st"], big, size["questions"]))
            for p in big.values():
                shutil.rmtree(p, ignore_errors=True)

        def scale() -> None:
            from bench import ann_bench

            sizes = [n for n in size["ann"] if not (args.skip_1m and n >= 1_000_000)]
            hnsw_max = 10**9 if args.hnsw_1m else size["hnsw_max"]
            r, i = ann_bench.run(base(), ws.root, sizes, hnsw_max, size["nq"])
            rows.extend(r)
            info["scale"] = i

        def stores() -> None:
            from bench.pg_bench import run_pg_bench

            n = size["ann"][0]
            out = run_pg_bench(n=n, base=base(), keyword=False, seconds=10.0)
            info["stores"] = out
            rows.extend(store_rows(out))

        for name, fn in (("cold", cold), ("build", build), ("txtai", txtai), ("warm", warm), ("scale", scale),
                         ("stores", stores)):
            section(name, fn)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - started
    load = (load0, os.getloadavg()[0])
    table(rows, seconds, load)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seconds": seconds, "load_average": load, "cpus": os.cpu_count(),
                                    "rows": [r.to_dict() for r in rows], "info": info},
                                   indent=1, default=str), encoding="utf-8")
    log(f"wrote {args.out}")
    return 1 if any(r.name.endswith("section failed") for r in rows) else 0  # a missed target is data


if __name__ == "__main__":
    sys.exit(main())
