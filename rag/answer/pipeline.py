"""Question → ranked, grouped, highlighted, cited passages, plus a short extractive answer."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from rag.answer.group import same_information, shingles
from rag.answer.highlight import ScoredSentence, best_spans, coverage, score_sentences
from rag.answer.noanswer import Evidence, answerable
from rag.config import Mode, Settings
from rag.errors import BadQuery
from rag.index.reader import Snapshot, SnapshotHolder
from rag.records import AnswerSentence, Chunk, Citation, Response, Result
from rag.search.bm25 import terms
from rag.search.retriever import Candidate, Filters, retrieve

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ANSWER_SENTENCES = 3


def clean_question(question: str, max_chars: int) -> str:
    """Control characters become spaces; empty and over-long questions are refused clearly."""
    q = " ".join(_CONTROL.sub(" ", question or "").split())
    if not q:
        raise BadQuery("the question is empty: type a question")
    if len(q) > max_chars:
        raise BadQuery(f"the question is too long ({len(q)} characters; the limit is {max_chars})")
    return q


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
        t0 = time.perf_counter()
        s = self.settings
        k = k or s.top_k
        mode = mode or s.mode
        q = clean_question(question, s.max_query_chars)
        snap = self.holder.get()
        qvec = snap.encoder.encode([q])[0]
        cands = retrieve(snap, q, qvec, mode, max(s.candidates, k), filters)
        chunks = snap.db.chunks(c.row for c in cands)
        groups = self._group(snap, cands, chunks, k)
        meta = snap.metadata
        sent_vecs = self._sentence_vectors(snap, [g.cand.row for g in groups])
        scored = score_sentences([g.chunk for g in groups], sent_vecs, qvec, q)
        results: list[Result] = []
        for rank, (g, sents) in enumerate(zip(groups, scored), start=1):
            best = best_spans(sents)
            results.append(Result(
                rank=rank, score=g.cand.score, text=g.chunk.text,
                citation=_cite(g.chunk, meta), highlights=[(b.start, b.end) for b in best],
                also_in=[_cite(c, meta) for c in g.also]))
        ok = self._answerable(q, results, scored)
        for r in results:
            r.weak = not ok
        answer = _extract_answer(results, scored) if ok else []
        return Response(query=q, results=results, answerable=ok, answer=answer, mode=mode,
                        took_ms=(time.perf_counter() - t0) * 1000, matched=len(cands))

    def _group(self, snap: Snapshot, cands: list[Candidate], chunks: dict[int, Chunk],
               k: int) -> list[_Group]:
        groups: list[_Group] = []
        for c in cands:
            ch = chunks[c.row]
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
    def _sentence_vectors(snap: Snapshot, rows: list[int]) -> np.ndarray:
        """Stored at index time: highlighting costs no model call."""
        per_chunk = snap.db.sentence_rows(rows)
        flat = [r for row in rows for r in per_chunk[row]]
        if not flat:
            return np.zeros((0, snap.model.dim), np.float32)
        return np.asarray(snap.sentence_vectors[flat], dtype=np.float32)

    @staticmethod
    def _answerable(q: str, results: list[Result], scored: list[list[ScoredSentence]]) -> bool:
        if not results:
            return False
        qterms = set(terms(q))
        best = max((s for sents in scored for s in sents), key=lambda s: s.cosine, default=None)
        if best is None:
            return False
        holder = next(r for r, sents in zip(results, scored) if best in sents)
        return answerable(Evidence(best.cosine, coverage(qterms, holder.text)))


def _cite(ch: Chunk, meta: dict) -> Citation:  # type: ignore[type-arg]
    m = meta.get(ch.path)
    title = (m.title if m else None) or ch.path.rsplit("/", 1)[-1]
    return Citation(ch.path, title, ch.start, ch.end, m.outlet if m else None,
                    m.date if m else None, m.author if m else None)


def _extract_answer(results: list[Result], scored: list[list[ScoredSentence]]) -> list[AnswerSentence]:
    """The best answering sentence of each top result, best first, each saying something new."""
    picks: list[tuple[float, AnswerSentence]] = []
    seen: list[set[tuple[str, ...]]] = []
    for r, sents in zip(results, scored):
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
