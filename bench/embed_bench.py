"""Build-time embedding: the builder's embedding stage vs plain SentenceTransformer.encode on the
same chunk texts; int8 (dynamic quantization) speed and retrieval quality; peak RSS of builds
of N and 4N documents; and whether `rag index` keeps quiet with --quiet / --json."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import SCIFACT, Row, Workspace, log, p50, rag_exe, run_child, sample, write_articles
from rag.config import Settings

STAGES = ("checking files", "chunking", "embedding", "writing index")


def chunk_texts(folder: Path, export: Path) -> list[str]:
    """Exactly what the builder embeds for these articles (loader, chunker, headline prefix)."""
    from rag.chunk import ModelTokenCounter, chunk_source
    from rag.index.texts import embed_text
    from rag.load import discover, load_files

    s = Settings.load(data_dir=folder)
    sources = load_files(discover(folder), s.index.max_file_mb).sources
    counter = ModelTokenCounter(export / "tokenizer.json")
    return [embed_text(c, src.metadata.title) for src in sources
            for c in chunk_source(src, counter, s.index.chunk_tokens, s.index.chunk_overlap)]


def builder_stage(texts: list[str], export: Path, dim: int) -> np.ndarray:
    """The builder's own embedding stage (batches of 256, OnnxEncoder.encode sorts by length)."""
    from rag.index.embedding import embed_missing

    vecs, _, _ = embed_missing(texts, {}, export, dim, 1, lambda *a: None, "embedding")
    return vecs


def int8_export(export: Path, into: Path) -> Path:
    """A copy of the export with model.int8.onnx (per-channel QInt8, as export_onnx(quantize=True))."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    into.mkdir(parents=True, exist_ok=True)
    for f in export.iterdir():
        if f.is_file() and f.name != "onnx_config.json":
            (into / f.name).symlink_to(f)
    quantize_dynamic(export / "model.onnx", into / "model.int8.onnx", weight_type=QuantType.QInt8,
                     per_channel=True)
    cfg = json.loads((export / "onnx_config.json").read_text(encoding="utf-8"))
    cfg["int8_file"] = "model.int8.onnx"
    (into / "onnx_config.json").write_text(json.dumps(cfg), encoding="utf-8")
    return into


def throughput(ws: Workspace, st: Any, docs: list[dict[str, str]], n_docs: int,
               rounds: int) -> tuple[list[Row], np.ndarray, dict[str, Any]]:
    from rag.embed.onnx import OnnxEncoder

    picked = sample(docs, n_docs, seed=3)
    folder = write_articles(picked, ws.root / "tp-data")
    export = ws.export_dir()
    texts = chunk_texts(folder, export)
    dim = 384
    q8 = OnnxEncoder(int8_export(export, ws.root / "int8"), quantized=True)
    log(f"build throughput: {len(texts)} chunks, {rounds} interleaved rounds")
    runs: dict[str, list[float]] = {"builder": [], "st": [], "int8": []}
    out = np.zeros((0, dim), np.float32)
    st_vecs = np.zeros((0, dim), np.float32)
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = builder_stage(texts, export, dim)
        runs["builder"].append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        st_vecs = st.encode(texts, show_progress_bar=False, convert_to_numpy=True, normalize_embeddings=True)
        runs["st"].append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        q8.encode(texts)
        runs["int8"].append(len(texts) / (time.perf_counter() - t0))
    agree = float(np.min(np.sum(out * st_vecs, axis=1)))
    base = p50(runs["st"])
    rows = [
        Row("build", "embedding stage, chunks/s (builder, fp32 ONNX)", p50(runs["builder"]), "chunks/s",
            base, "SentenceTransformer.encode", ">= 1.3x baseline", p50(runs["builder"]) >= 1.3 * base,
            f"{len(texts)} chunks of {len(picked)} articles; min cosine to ST {agree:.5f}", {"runs": runs}),
        Row("build", "embedding, int8 ONNX", p50(runs["int8"]), "chunks/s", base,
            "SentenceTransformer.encode", "", None, "dynamic quantization, per-channel"),
    ]
    return rows, out, {"int8_dir": str(q8.onnx_dir), "chunks": len(texts)}


def int8_quality(ws: Workspace, docs: list[dict[str, str]], n_docs: int) -> list[Row]:
    """Dense nDCG@10 on a SciFact subset (every judged doc + distractors), fp32 vs int8."""
    from rag.embed.onnx import OnnxEncoder
    from rag.evaluate.metrics import ndcg_at_k

    qrels: dict[str, dict[str, int]] = {}
    qfile = SCIFACT / "qrels" / "test.tsv"
    if not qfile.is_file():
        return []
    for line in qfile.read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, grade = line.split("\t")[:3]
        qrels.setdefault(qid, {})[did] = int(grade)
    queries = {str(o["_id"]): o["text"] for o in map(json.loads, (SCIFACT / "queries.jsonl").read_text(
        encoding="utf-8").splitlines()) if str(o["_id"]) in qrels}
    judged = {d for r in qrels.values() for d in r}
    keep = [d for d in docs if d["_id"] in judged]
    keep += sample([d for d in docs if d["_id"] not in judged], max(0, n_docs - len(keep)), seed=4)
    texts = [f"{d.get('title', '')}\n{d['text']}" for d in keep]
    ids = [d["_id"] for d in keep]
    qids = sorted(queries)
    log(f"int8 quality: {len(keep)} SciFact docs, {len(qids)} queries, fp32 and int8")
    fp32 = OnnxEncoder(ws.export_dir())
    int8 = OnnxEncoder(ws.root / "int8", quantized=True)
    dv = {"fp32": fp32.encode(texts), "int8": int8.encode(texts)}
    qv = {"fp32": fp32.encode([queries[q] for q in qids]), "int8": int8.encode([queries[q] for q in qids])}

    def ndcg(d: str, q: str) -> float:
        s = qv[q] @ dv[d].T
        top = np.argsort(-s, axis=1)[:, :10]
        return float(np.mean([ndcg_at_k([ids[j] for j in top[i]], qrels[qid]) for i, qid in enumerate(qids)]))

    base = ndcg("fp32", "fp32")
    rows = []
    for d, q, label in (("int8", "int8", "int8 documents + int8 queries"),
                        ("fp32", "int8", "fp32 documents + int8 queries")):
        v = ndcg(d, q)
        rows.append(Row("build", f"nDCG@10, {label}", v, "", base, "fp32 nDCG@10",
                        ">= 0.99x baseline to use int8", v >= 0.99 * base,
                        f"SciFact test, {len(keep)} docs (all judged + distractors), dense only"))
    return rows


def build_rss(ws: Workspace, docs: list[dict[str, str]], n: int) -> tuple[list[Row], dict[str, Any]]:
    """Peak RSS of `rag index` (a new process each) on N and 4N documents; checks that
    --quiet and --json print no progress, and that a plain run shows every stage."""
    info: dict[str, Any] = {}
    results = {}
    for size, flag in ((n, "--quiet"), (4 * n, "--json")):
        data = write_articles(sample(docs, size, seed=6), ws.root / f"rss-data-{size}")
        index = ws.index_dir(f"rss-index-{size}")
        log(f"build RSS: rag index {flag} on {size} documents")
        r = run_child([*rag_exe(), "index", "--data", str(data), "--index", str(index), flag], rss=True)
        if r.code != 0:
            raise RuntimeError(f"rag index failed: {r.err[-800:]}")
        results[size] = r
        info[f"stderr {flag}"] = r.err[-400:]
        if flag == "--json":
            info["json_report"] = json.loads(r.out)
            info["big_index"] = str(index)
    small, big = results[n], results[4 * n]
    chunks = info["json_report"].get("chunks")
    rows = [Row("build", f"peak RSS of rag index, {4 * n} docs ({chunks} chunks)", big.peak_rss / 2**20, "MiB",
                small.peak_rss / 2**20, f"same, {n} docs", "<= 1.25x baseline (flat)",
                big.peak_rss <= 1.25 * small.peak_rss)]
    plain_data = ws.root / "rss-data-plain"
    shutil.copytree(ws.root / f"rss-data-{n}", plain_data, dirs_exist_ok=True)
    plain = run_child([*rag_exe(), "index", "--data", str(plain_data), "--index", str(ws.index_dir("plain"))])
    shown = [s for s in STAGES if s in plain.err]
    noisy = [line for r in (small, big) for line in r.err.replace("\r", "\n").splitlines()
             if any(s in line for s in STAGES) or "%|" in line]  # progress, not warnings
    quiet_ok = not noisy
    rows.append(Row("build", "progress: stages shown by a plain rag index", float(len(shown)), "stages",
                    None, "", f"all {len(STAGES)}, none with --quiet/--json",
                    len(shown) == len(STAGES) and quiet_ok,
                    ("--quiet/--json print no progress" if quiet_ok else "NOT quiet: " + " | ".join(noisy)[:160])))
    info["warnings_seen"] = [x for x in (small.err + big.err).splitlines() if x.startswith("warning:")][:10]
    info["plain_stderr_tail"] = plain.err[-400:]
    return rows, info
