"""Fit the no-answer model: ``python -m rag.evaluate.calibrate [--beir DIR] [--write]``.

Leave-out calibration on a BEIR dataset (SciFact by default), through the production pipeline.
For every test query whose judged document the pipeline finds in its top 5:

* answerable: the query searched over the whole corpus;
* unanswerable, near miss: the same query with its judged documents removed (a filter that
  allows every other document): the closest passages are on the topic but lack the answer;
* unanswerable, off topic: the same query with every document of its top 200 candidates
  removed: what is left is about something else, as when a corpus never covers a subject.

Queries whose judged documents are not found are left out (their label would be a guess). Near
misses and off-topic cases weigh half each, so the model does not learn the mixing ratio.

A logistic regression is fitted on ``noanswer.MODEL_FEATURES``. Only the lexical features are
used: SciFact queries are claims that restate their evidence, news queries are questions, and
the cosines of MiniLM move with that form (answerable news questions score like SciFact's
unanswerable claims), while the IDF-weighted share of the question's words found in the best
passages does not depend on phrasing. The threshold is set on SciFact so that 98 % of the
answerable queries are accepted: a wrong "no answer" hides an answer, a wrong "answerable"
only shows passages unmarked. A question is also answerable when its best sentence cosine is
above the 95th percentile of the off-topic cases (a paraphrase shares meaning, not words); as
claims get higher cosines than questions, that path is conservative on questions.
``--write`` stores weights and thresholds in noanswer.py.
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

DEFAULT_BEIR = Path("../shared/benchmarks/beir/scifact")  # from the project folder
FOUND_WITHIN = 5  # a judged document among this many top results makes the query answerable
NEIGHBOURHOOD = 200  # candidates whose documents are removed for the off-topic case
RECALL = 0.98  # share of SciFact's answerable queries the threshold accepts
OFF_TOPIC_SENTENCE = 0.95  # share of off-topic cases whose best sentence is below the cutoff
C = 1.0  # inverse L2 strength of the logistic regression


@dataclass
class Sample:
    qid: str
    features: list[float]  # all of Evidence, in noanswer.FEATURES order
    label: int  # 1 = answerable
    kind: str  # "answerable" | "near" | "off-topic"


def collect(settings: Settings, folder: Path) -> list[Sample]:
    from rag.answer.pipeline import Searcher
    from rag.evaluate.beir import load_beir, prepare
    from rag.evaluate.rows import progress_bar
    from rag.stores.base import Filters

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
                out.append(Sample(qid, ev.vector(), 1, "answerable"))
                _, near = searcher.explain(text, k=FOUND_WITHIN, filters=Filters(paths=every - rel))
                out.append(Sample(qid, near.vector(), 0, "near"))
                hood = {r.citation.path for r in searcher.search(text, k=NEIGHBOURHOOD).results}
                _, far = searcher.explain(text, k=FOUND_WITHIN, filters=Filters(paths=every - hood))
                out.append(Sample(qid, far.vector(), 0, "off-topic"))
            if bar:
                bar.advance(task)
    return out


def fit(samples: list[Sample]) -> tuple[dict[str, float], float, float, dict[str, float]]:
    """Weights, threshold, sentence cutoff, and diagnostics (grouped 5-fold CV, AUCs, rates)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    cols = [noanswer.FEATURES.index(f) for f in noanswer.MODEL_FEATURES]
    full = np.array([s.features for s in samples])
    x = full[:, cols]
    y = np.array([s.label for s in samples])
    kinds = np.array([s.kind for s in samples])
    groups = np.array([s.qid for s in samples])
    n_pos = max(1, int(np.sum(y)))
    weight = np.ones(len(y))
    for kind in ("near", "off-topic"):
        mask = kinds == kind
        weight[mask] = 0.5 * n_pos / max(1, int(np.sum(mask)))
    pred = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        m = LogisticRegression(C=C, max_iter=1000).fit(x[train], y[train], sample_weight=weight[train])
        pred[test] = m.predict_proba(x[test])[:, 1]
    model = LogisticRegression(C=C, max_iter=1000).fit(x, y, sample_weight=weight)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({n: float(w) for n, w in zip(noanswer.MODEL_FEATURES, model.coef_[0], strict=True)})
    prob = model.predict_proba(x)[:, 1]
    threshold = float(np.quantile(prob[y == 1], 1 - RECALL))
    sent = full[:, noanswer.FEATURES.index("sentence_cosine")]
    cutoff = float(np.quantile(sent[kinds == "off-topic"], OFF_TOPIC_SENTENCE))
    accept = (prob >= threshold) | (sent >= cutoff)
    info = {"queries": float(n_pos), "cv_auc": float(roc_auc_score(y, pred, sample_weight=weight)),
            "cv_accepted_answerable": float(np.mean(pred[y == 1] >= threshold)),
            "accepted_answerable": float(np.mean(accept[y == 1]))}
    for kind in ("near", "off-topic"):
        info[f"rejected_{kind}_lexical"] = float(np.mean(prob[kinds == kind] < threshold))
        info[f"rejected_{kind}"] = float(np.mean(~accept[kinds == kind]))
    for i, name in enumerate(noanswer.FEATURES):
        info[f"auc_{name}"] = float(roc_auc_score(y, full[:, i], sample_weight=weight))
    return weights, threshold, cutoff, info


def write_weights(weights: dict[str, float], threshold: float, cutoff: float,
                  source: Path | None = None) -> None:
    """Replace the fitted block of ``rag/answer/noanswer.py``."""
    path = source or Path(noanswer.__file__)
    text = path.read_text(encoding="utf-8")
    items = ", ".join(f'"{k}": {v:.4f}' for k, v in weights.items())
    block = ("# --- fitted: begin (python -m rag.evaluate.calibrate --write) ---\n"
             f"WEIGHTS = {{{items}}}\nTHRESHOLD = {threshold:.4f}\n"
             f"SENTENCE_THRESHOLD = {cutoff:.4f}\n# --- fitted: end ---")
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
    weights, threshold, cutoff, info = fit(samples)
    print("weights:", {k: round(v, 4) for k, v in weights.items()}, "threshold:", round(threshold, 4),
          "sentence cutoff:", round(cutoff, 4))
    print("diagnostics:", {k: round(v, 4) for k, v in info.items()})
    if args.write:
        write_weights(weights, threshold, cutoff)
        print(f"written to {noanswer.__file__}")


if __name__ == "__main__":
    main()
