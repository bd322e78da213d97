"""A BEIR dataset (corpus.jsonl, queries.jsonl, qrels/test.tsv) indexed by the production builder.

The corpus is written as a JSONL data folder ({title, text} per line), so the index holds
``corpus.jsonl#N`` sources that map back to BEIR doc ids. Encoding SciFact takes many minutes
on two cores, so the built index is cached, keyed on the corpus bytes and every setting that
changes what is indexed; a changed setting or corpus builds a new entry, never a stale one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import IndexConfig, Paths, Settings
from rag.errors import RagError
from rag.evaluate.metrics import mean, ndcg_at_k, recall_at_k
from rag.evaluate.rows import Row, RowResult, progress_bar
from rag.records import record_path

CORPUS_FILE = "corpus.jsonl"
RECALL_AT = 100


@dataclass(frozen=True)
class BeirData:
    name: str
    corpus: Path
    queries: dict[str, str]  # query id -> text, only the judged ones
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: grade}


def load_beir(folder: Path, split: str = "test") -> BeirData:
    corpus = folder / CORPUS_FILE
    qfile = folder / "queries.jsonl"
    qrels_file = folder / "qrels" / f"{split}.tsv"
    for f in (corpus, qfile, qrels_file):
        if not f.is_file():
            raise RagError(f"{folder} is not a BEIR folder: {f.name} is missing")
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_file, encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries: dict[str, str] = {}
    with open(qfile, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if str(obj["_id"]) in qrels:
                    queries[str(obj["_id"])] = str(obj["text"])
    return BeirData(folder.resolve().name, corpus, queries, qrels)


def cache_root() -> Path:
    """Where built benchmark indexes live: RAG_EVAL_CACHE, else the user cache folder."""
    env = os.environ.get("RAG_EVAL_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag" / "eval"


def cache_key(corpus: Path, config: IndexConfig) -> str:
    from rag.embed import resolve

    h = hashlib.sha256()
    with open(corpus, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps({"chunking": config.chunking(), "model": resolve(config.model).id},
                        sort_keys=True).encode())
    return h.hexdigest()[:20]


def prepare(data: BeirData, settings: Settings) -> tuple[Settings, dict[str, str]]:
    """Settings pointing at the cached index of ``data`` (built if needed) and path -> doc id."""
    from rag.index.build import build
    from rag.stores import index_exists, isolated
    from rag.ui.progress import cli_progress

    root = cache_root() / f"{data.name}-{cache_key(data.corpus, settings.index)}"
    data_dir, index_dir = root / "data", root / "index"
    ids_file = root / "ids.json"
    if not ids_file.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        ids = _write_corpus(data.corpus, data_dir / CORPUS_FILE)
        ids_file.write_text(json.dumps(ids), encoding="utf-8")
    ids = json.loads(ids_file.read_text(encoding="utf-8"))
    s = settings.with_(data_dir=data_dir, index_dir=index_dir)
    s = isolated(s, data.name)  # never overwrite the main index
    if not index_exists(s):
        index_dir.mkdir(parents=True, exist_ok=True)
        _reuse_export(settings.paths, index_dir)
        with cli_progress(settings.quiet) as progress:
            build(s, progress=progress)
    return s, ids


def _write_corpus(src: Path, dst: Path) -> dict[str, str]:
    """One {title, text} line per document; returns ``corpus.jsonl#N`` -> BEIR doc id."""
    ids: dict[str, str] = {}
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        n = 0
        for line in fin:
            if not line.strip():
                continue
            obj = json.loads(line)
            text = str(obj.get("text") or "").strip() or str(obj.get("title") or "").strip()
            if not text:
                continue
            n += 1
            fout.write(json.dumps({"title": obj.get("title") or "", "text": text}) + "\n")
            ids[record_path(CORPUS_FILE, n)] = str(obj["_id"])
    return ids


def _reuse_export(paths: Paths, index_dir: Path) -> None:
    """Copy the ONNX export of the main index when there is one: exporting needs torch."""
    src = paths.index_dir / "models"
    if src.is_dir() and not (index_dir / "models").exists():
        shutil.copytree(src, index_dir / "models")


def doc_ranking(cands: list[Any], paths: Any, ids: dict[str, str]) -> list[str]:
    """Documents in the order of their best chunk (doc score = best chunk)."""
    seen: set[str] = set()
    out = []
    for c in cands:
        d = ids.get(paths[c.row])
        if d is not None and d not in seen:
            seen.add(d)
            out.append(d)
    return out


def evaluate_beir(settings: Settings, folder: Path,
                  rows: list[Row]) -> tuple[str, list[RowResult], dict[str, Any]]:
    """nDCG@10 and Recall@100 of each row over the judged queries (index built once, cached)."""
    from rag.answer.pipeline import Searcher, clean_question

    data = load_beir(folder)
    s, ids = prepare(data, settings)
    qids = sorted(data.queries, key=lambda q: (len(q), q))
    results = []
    with progress_bar(settings.quiet) as bar:
        for row in rows:
            searcher = Searcher(s.with_(mode=row.mode, rerank=row.rerank))
            snap = searcher.snapshot()
            paths = snap.chunk_paths
            per_doc = max(1, math.ceil(snap.n_chunks / max(1, len(ids))))
            task = bar.add_task(row.label, total=len(qids)) if bar else None
            nd, rc, details = [], [], []
            t0 = time.perf_counter()
            for qid in qids:
                q = clean_question(data.queries[qid], s.search.max_query_chars)
                qvec = snap.encoder.encode([q])[0]
                # Enough chunks to fill RECALL_AT distinct documents; the first stage's own
                # depth (settings.search.candidates) only grows, so the top of the list is unchanged.
                depth = max(s.search.candidates, RECALL_AT * per_doc)
                while True:
                    ranked = searcher.rank(snap, q, qvec, row.mode, depth)  # type: ignore[arg-type]
                    docs = doc_ranking(ranked.cands, paths, ids)
                    if len(docs) >= RECALL_AT or depth >= snap.n_chunks:
                        break
                    depth *= 2
                nd.append(ndcg_at_k(docs, data.qrels[qid], 10))
                rc.append(recall_at_k(docs, data.qrels[qid], RECALL_AT))
                details.append({"id": qid, "ndcg@10": round(nd[-1], 4), "top": docs[:10]})
                if bar:
                    bar.advance(task)
            results.append(RowResult(row, {"nDCG@10": mean(nd), "Recall@100": mean(rc)},
                                     time.perf_counter() - t0, details))
    title = f"BEIR {data.name}: {len(qids)} test queries, {len(ids)} documents"
    return title, results, {"beir": str(folder), "index": str(s.paths.index_dir)}
