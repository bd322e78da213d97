"""The public question set: does a top result carry the evidence, and is "answerable" right?

A hit is a result (or one of its ``also_in`` sources) from a relevant document whose cited text
contains the evidence string, so a passage from the right article that does not say the thing
does not count.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import RagError
from rag.evaluate.metrics import first_hit, hit_at_k, mean, mrr_at_k
from rag.evaluate.rows import Row, RowResult, progress_bar
from rag.records import Citation, Response

DEPTH = 10  # results asked for per question (MRR@10)


@dataclass(frozen=True)
class Evidence:
    doc: str
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    relevant: tuple[Evidence, ...] = ()
    entities: tuple[str, ...] = ()  # for list and factoid questions: the names the answer must give


@dataclass
class QuestionScores:
    """One mode's scores on a question set; ``details`` has one entry per question."""

    hit1: float = 0.0
    hit5: float = 0.0
    mrr10: float = 0.0
    noanswer_acc: float = 0.0
    answer_acc: float = 0.0
    entity_recall: float = 0.0
    answerable_n: int = 0
    entity_n: int = 0  # answerable questions that name the entities expected
    details: list[dict[str, Any]] = field(default_factory=list)

    def row(self) -> dict[str, float]:
        row = {"Hit@1": self.hit1, "Hit@5": self.hit5, "MRR@10": self.mrr10,
               "no-answer acc": self.noanswer_acc, "answer acc": self.answer_acc}
        if self.entity_n:  # only a set with expected names measures them
            row["entity recall"] = self.entity_recall
        return row


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise RagError(f"no questions file at {path}")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            rel = tuple(Evidence(str(r["doc"]), str(r.get("evidence") or ""))
                        for r in obj.get("relevant") or [])
            out.append(Question(str(obj.get("id", n)), str(obj["question"]),
                                bool(obj.get("answerable", True)), rel,
                                tuple(str(e) for e in obj.get("entities") or [])))
        except (ValueError, KeyError, TypeError):
            raise RagError(f"{path.name} line {n}: expected an object with 'question', "
                           "'answerable' and 'relevant'") from None
    if not out:
        raise RagError(f"no questions in {path}")
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def same_doc(path: str, doc: str) -> bool:
    return path == doc or path.endswith("/" + doc)


def cited_hit(cite: Citation, text: str, q: Question) -> bool:
    t = _norm(text)
    return any(same_doc(cite.path, ev.doc) and _norm(ev.text) in t for ev in q.relevant)


def result_hits(resp: Response, q: Question, source_text: Callable[[str], str]) -> list[bool]:
    """Per result: is it (or a source it folds in) relevant evidence?"""
    hits = []
    for r in resp.results:
        hit = cited_hit(r.citation, r.text, q) or any(
            cited_hit(a, source_text(a.path)[a.start:a.end], q) for a in r.also_in)
        hits.append(hit)
    return hits


def answer_hit(resp: Response, q: Question) -> bool:
    """The short answer itself says an evidence string of a relevant document."""
    return resp.answerable and any(
        same_doc(a.path, ev.doc) and _norm(ev.text) in _norm(a.text) for a in resp.answer for ev in q.relevant)


def entity_recall(resp: Response, q: Question) -> float:
    """Share of the expected names that the answer's entities give (either name may be the
    longer form: "Economist" ~ "The Economist")."""
    got = [e.text.casefold() for e in resp.entities] if resp.answerable else []
    found = sum(any(w.casefold() in g or g in w.casefold() for g in got) for w in q.entities)
    return found / len(q.entities)


def score(questions: list[Question], responses: list[Response],
          source_text: Callable[[str], str]) -> QuestionScores:
    out = QuestionScores()
    h1, h5, mrr, acc, ans, rec = [], [], [], [], [], []
    for q, resp in zip(questions, responses, strict=True):
        hits = result_hits(resp, q, source_text)
        acc.append(1.0 if resp.answerable == q.answerable else 0.0)
        if q.answerable:
            h1.append(hit_at_k(hits, 1))
            h5.append(hit_at_k(hits, 5))
            mrr.append(mrr_at_k(hits, 10))
            ans.append(1.0 if answer_hit(resp, q) else 0.0)
        if q.answerable and q.entities:
            rec.append(entity_recall(resp, q))
        out.details.append({
            "id": q.id, "question": q.question, "gold_answerable": q.answerable,
            "answerable": resp.answerable, "first_hit": first_hit(hits) if q.answerable else None,
            "answer_hit": answer_hit(resp, q) if q.answerable else None,
            "answer_type": resp.answer_type, "entities": [e.text for e in resp.entities],
            "entity_recall": entity_recall(resp, q) if q.answerable and q.entities else None,
            "top": [f"{r.citation.path}:{r.citation.start}" for r in resp.results[:5]]})
    out.hit1, out.hit5, out.mrr10, out.noanswer_acc = mean(h1), mean(h5), mean(mrr), mean(acc)
    out.answer_acc, out.entity_recall, out.entity_n = mean(ans), mean(rec), len(rec)
    out.answerable_n = len(h1)
    return out


def span_hit(texts: Callable[[str], str]) -> Callable[[Question, str, int, int], bool]:
    """Does a cited span (an answer's) carry the question's evidence, by the Hit rule?"""
    return lambda q, path, s, e: cited_hit(Citation(path, "", s, e), texts(path)[s:e], q)


class SourceTexts:
    """A document's full text by path, read once (``also_in`` citations point into it)."""

    def __init__(self, snap: Any) -> None:
        self.snap = snap
        self.texts: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path not in self.texts:
            src = self.snap.source(path)
            self.texts[path] = src.text if src else ""
        return self.texts[path]


def evaluate_questions(settings: Settings, path: Path,
                       rows: list[Row]) -> tuple[str, list[RowResult], dict[str, Any]]:
    """Bring the index up to date with the data folder, then ask every question in each mode."""
    from rag.answer.pipeline import Searcher
    from rag.index.build import build
    from rag.ui.progress import cli_progress

    questions = load_questions(path)
    with cli_progress(settings.quiet) as progress:
        build(settings, progress=progress)
    results = []
    with progress_bar(settings.quiet) as bar:
        for row in rows:
            searcher = Searcher(settings.with_(mode=row.mode, rerank=row.rerank))
            snap = searcher.snapshot()
            task = bar.add_task(row.label, total=len(questions)) if bar else None
            t0 = time.perf_counter()
            responses = []
            for q in questions:
                responses.append(searcher.search(q.question, k=DEPTH))
                if bar:
                    bar.advance(task)
            seconds = time.perf_counter() - t0
            texts = SourceTexts(snap)
            sc = score(questions, responses, texts)
            metrics = sc.row()
            if settings.llm.url:  # generated answers next to the extractive ones (rag/generate)
                from rag.generate.evaluation import generation_scores

                metrics.update(generation_scores(settings.llm, snap.reader, questions, responses,
                                                 sc.details, span_hit(texts)))
            results.append(RowResult(row, metrics, seconds, sc.details))
    n_ans = sum(q.answerable for q in questions)
    title = (f"{path.name}: {len(questions)} questions ({n_ans} answerable), "
             f"data {settings.paths.data_dir}")
    return title, results, {"questions": str(path), "data_dir": str(settings.paths.data_dir)}
