"""Answers for questions that ask for a kind of thing (who, where, when, how many, which X).

The first stage ranks passages by closeness to the question's words and meaning; a passage that
repeats the question ("allies lifted restrictions") then beats one that answers it ("Biden
authorized Kyiv to ..."). Here the best passages are read for entities of the asked type
(``rag.answer.extract``), passages that answer move up, the answer names the entities with
their exact spans, and a question whose asked kind of fact is nowhere in the evidence
(a near miss: the topic is covered, the fact is not) is not answered. Every question's short
answer is picked here from the read sentences; only questions that ask for a kind of thing load
the entity model and re-rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.answer.entities import mentions
from rag.answer.extract import (
    LIST_MARGIN,
    MARGIN,
    EntityVote,
    PassageRead,
    SentenceRead,
    read_passages,
    relevant_floor,
    vote,
)
from rag.answer.gazetteer import is_country_name
from rag.answer.question import COUNTRY, QUANTITY, TIME, Question
from rag.index.texts import shingles
from rag.records import AnswerEntity, AnswerSentence, Chunk, Result, SpanRef
from rag.search.retriever import Candidate

READ_DEPTH = 20  # passages read for entities (the first stage's best)
CONTEXT_DEPTH = 10  # passages read, besides the shown ones, for a question that asks no entity
TYPE_WEIGHT = 0.12  # added to a passage's score when one of its relevant sentences answers
NOVEL_WEIGHT = 0.15  # and again for the first passage to name a given answer entity
# Kinds of answer that are (almost) always a named entity or a value: when no relevant sentence
# holds one, the asked fact is absent. "who" is not among them: "a group of lawmakers" answers it.
STRICT = (TIME, QUANTITY, COUNTRY)
ANSWERED = 0.45  # own relevance (cosine + key terms) an answering sentence needs on its own
ACTORS = frozenset({"GPE", "NORP", "PERSON", "ORG"})
MAX_SENTENCES = 4  # a list answer: one sentence per member
ANSWER_SENTENCES = 3
ENTITY_BONUS = 0.1  # on the relevance scale: a sentence naming the answer entity comes first
CITY_WORDS = frozenset({"city", "cities", "town", "towns", "capital", "capitals", "village", "villages"})


@dataclass
class Reading:
    question: Question
    passages: dict[int, PassageRead]  # by candidate row
    floor: float
    entities: list[EntityVote]


def read(question: Question, cands: Sequence[Candidate], chunks: Mapping[int, Chunk],
         sentences: Mapping[int, np.ndarray], qvec: np.ndarray,
         key_idf: Mapping[str, float]) -> Reading | None:
    """Read the best passages sentence by sentence, and for entities of the asked type when the
    question asks for a kind of thing (only then is the entity model loaded)."""
    if not cands:
        return None
    top = [c.row for c in cands[:READ_DEPTH]]
    texts = [chunks[r] for r in top]
    found = mentions([c.text for c in texts]) if question.wants_entities else [() for _ in texts]
    if question.focus in CITY_WORDS:  # a city is not a country
        found = [tuple(m for m in ms if not is_country_name(m.text)) for ms in found]
    passages = read_passages(question, texts, [sentences[r] for r in top], qvec, found, key_idf)
    as_list = question.answer_type == "list"
    margin = LIST_MARGIN if as_list else MARGIN
    roles = question.labels <= ACTORS and question.answer_type != "place"
    votes = vote(passages, margin, roles=roles, as_list=as_list)
    if not as_list:
        votes = votes[:3]
    return Reading(question, dict(zip(top, passages, strict=True)), relevant_floor(passages, margin), votes)


def boost(cands: list[Candidate], reading: Reading) -> list[Candidate]:
    """Passages whose relevant sentences name an answer entity move up, and more so the first
    passage to name each one, so that the top results show every member of a list."""
    named = {v.name.casefold() for v in reading.entities}
    carries: dict[int, set[str]] = {}
    for c in cands:
        p = reading.passages.get(c.row)
        if p is not None:
            carries[c.row] = {m.name.casefold() for s in p.sentences if s.relevance >= reading.floor
                              for m in s.answers} & named
    pool = list(range(len(cands)))
    covered: set[str] = set()
    order: list[int] = []
    while pool:
        best = max(pool, key=lambda i: (_gain(cands[i], carries, covered), -i))
        order.append(best)
        pool.remove(best)
        covered |= carries.get(cands[best].row, set())
        if not carries.keys() & {cands[i].row for i in pool}:
            order.extend(sorted(pool, key=lambda i: (-cands[i].score, i)))
            break
    return [replace(cands[i], score=cands[i].score + TYPE_WEIGHT * bool(carries.get(cands[i].row)))
            for i in order]


def _gain(c: Candidate, carries: Mapping[int, set[str]], covered: set[str]) -> float:
    mine = carries.get(c.row, set())
    return c.score + TYPE_WEIGHT * bool(mine) + NOVEL_WEIGHT * bool(mine - covered)


def has_answer(reading: Reading) -> bool:
    """For kinds of answer that are always values or names (dates, amounts, countries): does a
    sentence that is itself about the question hold one? (False: a near miss.)"""
    if reading.question.labels not in STRICT:
        return True
    return any(s.answers and s.own >= ANSWERED for p in reading.passages.values() for s in p.sentences)


def _rank_of(results: Sequence[Result], path: str, start: int) -> int | None:
    for r in results:
        for c in (r.citation, *r.also_in):
            if c.path == path and c.start <= start < c.end:
                return r.rank
    return None


def entities(reading: Reading, results: Sequence[Result]) -> list[AnswerEntity]:
    """The voted entities with every span that says them, cited by result where one shows it."""
    out = []
    for v in reading.entities:
        spans = [SpanRef(path, s, e, _rank_of(results, path, s)) for path, s, e in sorted(v.mentions)]
        out.append(AnswerEntity(v.name, v.label, spans))
    return out


def answer(reading: Reading, results: Sequence[Result]) -> list[AnswerSentence]:
    """The answer's sentences, each cited by the result that shows it: for each answer entity
    (best first) the most relevant sentence naming it, then the most relevant sentences that
    say something new, up to ``ANSWER_SENTENCES`` in all (a list takes one per member)."""
    by_span: dict[tuple[str, int, int], SentenceRead] = {}
    for p in reading.passages.values():
        for s in p.sentences:
            key = (s.path, s.start, s.end)
            if key not in by_span or s.relevance > by_span[key].relevance:
                by_span[key] = s
    shown = [(s, rank) for s in by_span.values() if (rank := _rank_of(results, s.path, s.start)) is not None]
    shown.sort(key=lambda x: (-x[0].relevance, x[0].path, x[0].start))
    picked: list[AnswerSentence] = []
    seen: list[set[int]] = []

    def take(s: SentenceRead, rank: int) -> None:
        sh = shingles(s.text) or {hash(s.text.lower())}
        if any(len(sh & o) / max(1, min(len(sh), len(o))) >= 0.5 for o in seen):
            return  # the same words from another outlet, or a repeat
        seen.append(sh)
        picked.append(AnswerSentence(s.text, rank, s.path, s.start, s.end))

    if reading.question.answer_type == "list":  # one sentence per member, then the best others
        for v in reading.entities:
            named = {(path, start) for path, start, _ in v.mentions}
            options = [(_strength(s, named), s, r) for s, r in shown if s.relevance >= reading.floor]
            options = [o for o in options if o[0] > 0]
            if options and len(picked) < MAX_SENTENCES:
                _, s, r = max(options, key=lambda o: (o[0], -o[2]))
                take(s, r)
    else:  # a single answer: the sentences that name the best entity come first
        top = {(path, start) for path, start, _ in reading.entities[0].mentions} if reading.entities else set()
        shown.sort(key=lambda x: -(x[0].relevance + ENTITY_BONUS * any((x[0].path, m.start) in top
                                                                      for m in x[0].answers)))
    for s, rank in shown:
        if len(picked) >= ANSWER_SENTENCES:
            break
        if s.relevance >= reading.floor or not picked:
            take(s, rank)
    return picked


def _strength(s: SentenceRead, named: set[tuple[str, int]]) -> float:
    """How well ``s`` states the entity: relevance x the role and closeness of its mention
    ("the U.S. should reverse its ban" over "referring to the US as the holdout")."""
    near = s.near or tuple(1.0 for _ in s.answers)
    return max((s.relevance * m.role * n for m, n in zip(s.answers, near, strict=True)
                if (s.path, m.start) in named), default=0.0)


def highlights(reading: Reading, result: Result, answer: Sequence[AnswerSentence]) -> list[tuple[int, int]]:
    """The result's highlights plus the answer sentences it shows (the answer may sit in the
    sentence next to the one closest to the question)."""
    spans = set(result.highlights)
    for a in answer:
        if a.result_rank == result.rank and a.path == result.citation.path:
            spans.add((a.start, a.end))
    return sorted(spans)
