"""Question → ranked, grouped, highlighted, cited passages, plus a short extractive answer.

Stages: first-stage retrieval (dense / BM25 / hybrid) → second stage (``rerank``) → grouping
of passages that say the same thing → sentence highlighting → the calibrated no-answer decision
→ an extractive answer. ``rank`` (the first two stages) is public so the benchmark runner scores
exactly the ranking the app shows.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from rag.answer.group import overlapping, same_information, shingles
from rag.answer.highlight import ScoredSentence, best_spans, score_sentences
from rag.answer.noanswer import Evidence, answerable, evidence
from rag.answer.rerank import Passage, get_reranker
from rag.config import Mode, Settings
from rag.errors import BadQuery
from rag.index.reader import Snapshot, SnapshotHolder
from rag.index.texts import embed_text
from rag.records import AnswerSentence, Chunk, Citation, Response, Result
from rag.search.retriever import Candidate, Filters, retrieve

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ANSWER_SENTENCES = 3
EVIDENCE_TOP = 5  # the no-answer features look at this many top passages, whatever k is


def clean_question(question: str, max_chars: int) -> str:
    """Control characters become spaces; empty and over-long questions are refused clearly."""
    q = " ".join(_CONTROL.sub(" ", question or "").split())
    if not q:
        raise BadQuery("the question is empty: type a question")
    if len(q) > max_chars:
        raise BadQuery(f"the question is too long ({len(q)} characters; the limit is {max_chars})")
    return q


@dataclass
class Ranked:
    """Candidates best first, with the chunks and sentence vectors the stages fetched."""

    cands: list[Candidate]
    chunks: dict[int, Chunk]
    sentences: dict[int, np.ndarray]


@dataclass
class _Group:
    cand: Candidate
    chunk: Chunk
    vec: np.ndarray
    sh: set[tuple[str, ...]]
    also: list[Chunk]


class Searcher:
    """Answers questions from the newest index generation; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = SnapshotHolder(settings)

    def snapshot(self) -> Snapshot:
        return self.holder.get()

    def search(self, question: str, k: int | None = None, mode: Mode | None = None,
               filters: Filters | None = None) -> Response:
        return self.explain(question, k, mode, filters)[0]

    def explain(self, question: str, k: int | None = None, mode: Mode | None = None,
                filters: Filters | None = None) -> tuple[Response, Evidence]:
        """The response and the evidence features its no-answer decision was made from."""
        t0 = time.perf_counter()
        s = self.settings
        k = k or s.top_k
        mode = mode or s.mode
        q = clean_question(question, s.max_query_chars)
        snap = self.holder.get()
        qvec = snap.encoder.encode([q])[0]
        ranked = self.rank(snap, q, qvec, mode, max(s.candidates, k), filters)
        groups = self._group(snap, ranked, k)
        meta = snap.metadata
        scored = score_sentences([g.chunk for g in groups],
                                 _stack([ranked.sentences[g.cand.row] for g in groups], snap),
                                 qvec, q)
        results: list[Result] = []
        for rank, (g, sents) in enumerate(zip(groups, scored, strict=True), start=1):
            best = best_spans(sents)
            results.append(Result(
                rank=rank, score=g.cand.score, text=g.chunk.text,
                citation=_cite(g.chunk, meta), highlights=[(b.start, b.end) for b in best],
                also_in=[_cite(c, meta) for c in g.also]))
        ev = self._evidence(snap, q, ranked)
        ok = bool(results) and answerable(ev)
        for r in results:
            r.weak = not ok
        answer = _extract_answer(results, scored) if ok else []
        resp = Response(query=q, results=results, answerable=ok, answer=answer, mode=mode,
                        took_ms=(time.perf_counter() - t0) * 1000, matched=len(ranked.cands))
        return resp, ev

    def rank(self, snap: Snapshot, q: str, qvec: np.ndarray, mode: Mode, depth: int,
             filters: Filters | None = None) -> Ranked:
        """First stage, then the configured second stage over every candidate."""
        cands = retrieve(snap, q, qvec, mode, depth, filters)
        rows = [c.row for c in cands]
        chunks = snap.db.chunks(rows)
        sentences = _sentence_vectors(snap, rows)
        meta = snap.metadata
        passages = [Passage(_embedded(chunks[r], meta), sentences[r]) for r in rows]
        reranker = get_reranker(self.settings)
        cands = reranker.rerank(q, qvec, cands, passages)
        return Ranked(cands, chunks, sentences)

    def _group(self, snap: Snapshot, ranked: Ranked, k: int) -> list[_Group]:
        groups: list[_Group] = []
        for c in ranked.cands:
            ch = ranked.chunks[c.row]
            if any(overlapping(g.chunk, ch) for g in groups):
                continue
            vec = np.asarray(snap.vectors[c.row])
            sh = shingles(ch.text)
            dup = next((g for g in groups if g.chunk.path != ch.path
                        and same_information(g.vec, vec, g.sh, sh, self.settings.group_threshold)),
                       None)
            if dup is not None:
                if ch.path not in {x.path for x in dup.also}:
                    dup.also.append(ch)
                continue
            if len(groups) < k:
                groups.append(_Group(c, ch, vec, sh, []))
        return groups

    @staticmethod
    def _evidence(snap: Snapshot, q: str, ranked: Ranked) -> Evidence:
        """The same features in every mode (the first stage scores both sides for all)."""
        top = ranked.cands[:EVIDENCE_TOP]
        return evidence(snap.bm25.idf(q), [c.sentence for c in top], [c.dense for c in top],
                        [ranked.chunks[c.row].text for c in top], [c.bm25 for c in top])


def _sentence_vectors(snap: Snapshot, rows: list[int]) -> dict[int, np.ndarray]:
    """Each chunk's stored sentence vectors, fetched in one read (no model call)."""
    per_chunk = snap.db.sentence_rows(rows)
    flat = [s for r in rows for s in per_chunk.get(r, [])]
    matrix = (np.asarray(snap.sentence_vectors[flat], dtype=np.float32) if flat
              else np.zeros((0, snap.model.dim), np.float32))
    out: dict[int, np.ndarray] = {}
    at = 0
    for r in rows:
        n = len(per_chunk.get(r, []))
        out[r] = matrix[at:at + n]
        at += n
    return out


def _stack(arrays: list[np.ndarray], snap: Snapshot) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros((0, snap.model.dim), np.float32)


def _embedded(ch: Chunk, meta: dict) -> str:  # type: ignore[type-arg]
    """The exact text the index embedded for this chunk (headline + text)."""
    m = meta.get(ch.path)
    return embed_text(ch, m.title if m else None)


def _cite(ch: Chunk, meta: dict) -> Citation:  # type: ignore[type-arg]
    m = meta.get(ch.path)
    title = (m.title if m else None) or ch.path.rsplit("/", 1)[-1]
    return Citation(ch.path, title, ch.start, ch.end, m.outlet if m else None,
                    m.date if m else None, m.author if m else None, m.url if m else None)


def _extract_answer(results: list[Result], scored: list[list[ScoredSentence]]) -> list[AnswerSentence]:
    """The best answering sentence of each top result, best first, each saying something new."""
    picks: list[tuple[float, AnswerSentence]] = []
    seen: list[set[tuple[str, ...]]] = []
    for r, sents in zip(results, scored, strict=True):
        if not sents:
            continue
        b = max(sents, key=lambda s: (s.score, -s.start))
        sh = shingles(b.text) or {(b.text.lower(),)}
        if any(len(sh & o) / max(1, min(len(sh), len(o))) >= 0.5 for o in seen):
            continue
        seen.append(sh)
        picks.append((b.score, AnswerSentence(b.text, r.rank, r.citation.path, b.start, b.end)))
    picks.sort(key=lambda p: -p[0])
    return [a for _, a in picks[:ANSWER_SENTENCES]]
