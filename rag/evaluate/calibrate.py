"""Fit the no-answer model: ``python -m rag.evaluate.calibrate [--beir DIR] [--write]``.

Leave-out calibration on a BEIR dataset (SciFact by default), through the production pipeline:

* answerable: a test query, searched over the whole corpus, whose top results contain one of
  its judged documents (queries whose judged documents are not found are left out: their label
  would be a guess);
* unanswerable: the same query searched with its judged documents removed (a filter that allows
  every other document), so the closest passages are on the topic but do not hold the answer.

The pairs share their query, so the model learns what separates "the answer is here" from "only
related text is here", not what separates topics. A logistic regression over the features of
``rag.answer.noanswer.Evidence`` is fitted; ``--write`` stores its weights in that module.
The public question set is never used here: it is the check (`rag eval`).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer import noanswer
from rag.config import Settings

DEFAULT_BEIR = Path("/work/shared/benchmarks/beir/scifact")
FOUND_WITHIN = 5  # a judged document among this many top results makes the query answerable
C = 1.0  # inverse L2 strength of the logistic regression


@dataclass
class Sample:
    qid: str
    features: list[float]
    label: int  # 1 = answerable


def collect(settings: Settings, folder: Path) -> list[Sample]:
    from rag.answer.pipeline import Searcher
    from rag.evaluate.beir import load_beir, prepare
    from rag.evaluate.runner import progress_bar
    from rag.search.retriever import Filters

    data = load_beir(folder)
    s, ids = prepare(data, settings)
    searcher = Searcher(s)
    paths_of: dict[str, list[str]] = {}
    for p, d in ids.items():
        paths_of.setdefault(d, []).append(p)
    every = frozenset(ids)
    out: list[Sample] = []
    with progress_bar(settings.quiet) as bar:
        task = bar.add_task("calibrating", total=len(data.queries)) if bar else None
        for qid, text in sorted(data.queries.items()):
            rel = {p for d in data.qrels[qid] for p in paths_of.get(d, [])}
            resp, ev = searcher.explain(text, k=FOUND_WITHIN)
            if any(r.citation.path in rel for r in resp.results):
                out.append(Sample(qid, ev.vector(), 1))
                _, ev_out = searcher.explain(text, k=FOUND_WITHIN, filters=Filters(paths=every - rel))
                out.append(Sample(qid, ev_out.vector(), 0))
            if bar:
                bar.advance(task)
    return out


def fit(samples: list[Sample]) -> tuple[dict[str, float], dict[str, float]]:
    """Weights on the raw features, and grouped 5-fold cross-validated accuracy / AUC."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    x = np.array([s.features for s in samples])
    y = np.array([s.label for s in samples])
    groups = np.array([s.qid for s in samples])
    pred = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        m = LogisticRegression(C=C, max_iter=1000).fit(x[train], y[train])
        pred[test] = m.predict_proba(x[test])[:, 1]
    model = LogisticRegression(C=C, max_iter=1000).fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({n: float(w) for n, w in zip(noanswer.FEATURES, model.coef_[0], strict=True)})
    quality = {"cv_accuracy": float(np.mean((pred >= 0.5) == y)),
               "cv_auc": float(roc_auc_score(y, pred)), "pairs": float(np.sum(y))}
    return weights, quality


def write_weights(weights: dict[str, float], source: Path | None = None) -> None:
    """Replace the fitted block of ``rag/answer/noanswer.py``."""
    path = source or Path(noanswer.__file__)
    text = path.read_text(encoding="utf-8")
    items = ", ".join(f'"{k}": {v:.4f}' for k, v in weights.items())
    block = ("# --- fitted: begin (python -m rag.evaluate.calibrate --write) ---\n"
             f"WEIGHTS = {{{items}}}\nTHRESHOLD = 0.5\n# --- fitted: end ---")
    new, n = re.subn(r"# --- fitted: begin.*?# --- fitted: end ---", lambda _: block, text,
                     flags=re.S)
    if n != 1:
        raise SystemExit(f"no fitted block in {path}")
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m rag.evaluate.calibrate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beir", type=Path, default=DEFAULT_BEIR, help="BEIR dataset folder")
    ap.add_argument("--write", action="store_true", help="store the weights in noanswer.py")
    args = ap.parse_args(argv)
    samples = collect(Settings.load(), args.beir)
    weights, quality = fit(samples)
    print("features:", ", ".join(noanswer.FEATURES))
    print("weights:", {k: round(v, 4) for k, v in weights.items()})
    print("quality:", {k: round(v, 4) for k, v in quality.items()})
    if args.write:
        write_weights(weights)
        print(f"written to {noanswer.__file__}")


if __name__ == "__main__":
    main()
