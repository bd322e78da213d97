"""Question → ranked, grouped, highlighted, cited passages, plus a short extractive answer.

Stages: first-stage retrieval (dense / BM25 / hybrid) → second stage (``rerank``) → grouping
of passages that say the same thing → sentence highlighting → the calibrated no-answer decision
→ an extractive answer. ``rank`` (the first two stages) is public so the benchmark runner scores
exactly the ranking the app shows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer import typed
from rag.answer.entities import preload as preload_entities
from rag.answer.group import Group, fold
from rag.answer.highlight import best_spans, score_sentences
from rag.answer.noanswer import Evidence, answerable, evidence, unmatched_names
from rag.answer.question import analyse
from rag.answer.rerank import NoReranker, Passage, best_sentence, get_reranker
from rag.answer.sentences import SentenceVectors
from rag.config import Mode, Settings
from rag.errors import BadQuery
from rag.index.texts import embed_text, shingles
from rag.records import Chunk, Citation, Place, Response, Result
from rag.search.retriever import Candidate, Filters, retrieve
from rag.stores import SnapshotHolder
from rag.stores.base import Snapshot

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
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
    rvec: np.ndarray | None = None  # the question's reading vector, when the second stage made it


class Searcher:
    """Answers questions from the newest index generation; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = SnapshotHolder(settings)
        self.sentences = SentenceVectors()  # embedded at query time, cached by text

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
        k = k or s.search.top_k
        mode = mode or s.search.mode
        q = clean_question(question, s.search.max_query_chars)
        asked = analyse(q)
        if asked.wants_entities:  # a first such question loads spaCy while the index opens
            preload_entities()
        snap = self.holder.get()
        snap.prefetch_reader()  # a cold query opens the reader while the question is searched
        qvec = snap.encoder.encode([q])[0]
        ranked = self.rank(snap, q, qvec, mode, max(s.search.candidates, k), filters)
        rvec = ranked.rvec
        key_idf = snap.idf(" ".join(asked.key_terms))
        reading = None
        if asked.wants_entities:  # entities are gathered across the best passages, then ranked
            top = [c.row for c in ranked.cands[:typed.READ_DEPTH]]
            self._need(snap, ranked, top)
            rvec = self._read(snap, q, qvec, ranked, top, rvec)
            reading = typed.read(asked, ranked.cands, ranked.chunks, ranked.sentences, rvec, key_idf)
            if reading is not None:
                ranked.cands = typed.boost(ranked.cands, reading)
        groups = self._group(snap, ranked, k)
        shown = [c for c, _ in groups]
        nearby = shown + [c for c in ranked.cands[:typed.CONTEXT_DEPTH] if c not in shown]
        chunks = self._need(snap, ranked, [c.row for c in nearby + ranked.cands[:EVIDENCE_TOP * 2]])
        rvec = self._read(snap, q, qvec, ranked,
                          [c.row for c in nearby] + [c.row for c in ranked.cands[:EVIDENCE_TOP]], rvec)
        if reading is None:  # other questions: the shown passages and a few more, for feedback
            reading = typed.read(asked, nearby, ranked.chunks, ranked.sentences, rvec, key_idf)
        meta = snap.metadata
        scored = score_sentences([chunks[c.row] for c, _ in groups],
                                 _stack([ranked.sentences[c.row] for c, _ in groups], snap),
                                 rvec, q)
        results: list[Result] = []
        for rank, ((c, g), sents) in enumerate(zip(groups, scored, strict=True), start=1):
            best = best_spans(sents)
            results.append(Result(
                rank=rank, score=c.score, text=chunks[c.row].text,
                citation=_cite(g.place, meta), highlights=[(b.start, b.end) for b in best],
                also_in=[_cite(x, meta) for x in g.also]))
        ev = self._evidence(snap, q, rvec, ranked)
        top_texts = [chunks[c.row].text for c in ranked.cands[:EVIDENCE_TOP * 2]]
        ok = (bool(results) and answerable(ev) and not unmatched_names(q, top_texts)
              and (reading is None or typed.has_answer(reading)))
        for r in results:
            r.weak = not ok
        found = typed.entities(reading, results) if ok and reading is not None else []
        answer = typed.answer(reading, results) if ok and reading is not None else []
        if reading is not None and answer:
            for r in results:
                r.highlights = typed.highlights(reading, r, answer)
        resp = Response(query=q, results=results, answerable=ok, answer=answer, mode=mode,
                        took_ms=(time.perf_counter() - t0) * 1000, matched=len(ranked.cands),
                        answer_type=asked.answer_type, entities=found)
        return resp, ev

    def rank(self, snap: Snapshot, q: str, qvec: np.ndarray, mode: Mode, depth: int,
             filters: Filters | None = None, rvec: np.ndarray | None = None) -> Ranked:
        """First stage, then the configured second stage over every candidate (``rvec``: the
        question's reading vector, made here when the second stage reads sentences)."""
        cands = retrieve(snap, q, qvec, mode, depth, filters, config=self.settings.search)
        reranker = get_reranker(self.settings.search)
        if isinstance(reranker, NoReranker):  # no second stage: texts are fetched as stages need them
            return Ranked(list(cands), {}, {})
        rows = [c.row for c in cands]
        chunks = snap.chunks(rows)
        sentences = self._fill(snap, chunks, {}, rows if reranker.uses_sentences else [])
        meta = snap.metadata
        none = np.zeros((0, snap.model.dim), np.float32)
        passages = [Passage(_embedded(chunks[r], meta), sentences.get(r, none)) for r in rows]
        if reranker.uses_sentences and rvec is None:
            rvec = self.reading_vector(snap, q, qvec)
        cands = reranker.rerank(q, qvec if rvec is None else rvec, cands, passages)
        return Ranked(cands, chunks, sentences, rvec)

    def _read(self, snap: Snapshot, q: str, qvec: np.ndarray, ranked: Ranked, rows: list[int],
              rvec: np.ndarray | None) -> np.ndarray:
        """Embed the sentences of ``rows`` that ``ranked`` lacks and return the question's reading
        vector; when the reader is a model of its own, the question rides in the same call (a
        call of its own cost ~3 ms; vectors do not depend on their batch-mates at full precision)."""
        ahead = rvec is None and snap.reader is not snap.encoder
        self._fill(snap, ranked.chunks, ranked.sentences, rows, also=[q] if ahead else ())
        return rvec if rvec is not None else self.reading_vector(snap, q, qvec)

    def _fill(self, snap: Snapshot, chunks: dict[int, Chunk], out: dict[int, np.ndarray], rows: list[int],
              also: Sequence[str] = ()) -> dict[int, np.ndarray]:
        """Add the sentence vectors of ``rows`` to ``out``: the index's own when it stores them,
        else embedded now (with ``also`` in the same call)."""
        todo = [r for r in rows if r not in out]
        stored = snap.sentence_vectors(todo) if todo else {}
        if stored is None:
            return self.sentences.fill(snap.reader, chunks, out, todo, also)
        out.update(stored)
        return out

    def reading_vector(self, snap: Snapshot, q: str, qvec: np.ndarray) -> np.ndarray:
        """The question as the sentence reader embeds it (``qvec`` itself for an fp32 index),
        through the sentence cache."""
        return qvec if snap.reader is snap.encoder else self.sentences.vectors(snap.reader, [q])[q]

    def _group(self, snap: Snapshot, ranked: Ranked, k: int) -> list[tuple[Candidate, Group]]:
        """Fold every candidate: from where each is and its stored 5-grams (no text needed), or
        from the texts when the index does not store them."""
        cands = ranked.cands
        rows = [c.row for c in cands]
        vectors = snap.vectors(np.array(rows, dtype=np.int64))  # one read
        stored = snap.shingles(rows)
        if stored is None:
            chunks = self._need(snap, ranked, rows)
            places = [chunks[r].place for r in rows]
            stored = [np.fromiter(shingles(chunks[r].text), np.int64) for r in rows]
        else:
            places = snap.places(rows)
        groups = fold(places, vectors, k, self.settings.search.group_threshold, stored)
        return [(cands[g.index], g) for g in groups]

    @staticmethod
    def _need(snap: Snapshot, ranked: Ranked, rows: list[int]) -> dict[int, Chunk]:
        """``ranked.chunks`` with every row of ``rows`` fetched (one query for the missing)."""
        missing = [r for r in dict.fromkeys(rows) if r not in ranked.chunks]
        if missing:
            ranked.chunks.update(snap.chunks(missing))
        return ranked.chunks

    @staticmethod
    def _evidence(snap: Snapshot, q: str, rvec: np.ndarray, ranked: Ranked) -> Evidence:
        """The same features in every mode (the first stage scores both sides for all)."""
        top = ranked.cands[:EVIDENCE_TOP]
        sent = [best_sentence(rvec, ranked.sentences[c.row]) for c in top]
        return evidence(snap.idf(q), sent, [c.dense for c in top],
                        [ranked.chunks[c.row].text for c in top], [c.bm25 for c in top])


def _stack(arrays: list[np.ndarray], snap: Snapshot) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros((0, snap.model.dim), np.float32)


def _embedded(ch: Chunk, meta: dict) -> str:  # type: ignore[type-arg]
    """The exact text the index embedded for this chunk (headline + text)."""
    m = meta.get(ch.path)
    return embed_text(ch, m.title if m else None)


def _cite(ch: Chunk | Place, meta: dict) -> Citation:  # type: ignore[type-arg]
    m = meta.get(ch.path)
    title = (m.title if m else None) or ch.path.rsplit("/", 1)[-1]
    return Citation(ch.path, title, ch.start, ch.end, m.outlet if m else None,
                    m.date if m else None, m.author if m else None, m.url if m else None)
