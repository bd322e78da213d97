"""Read the best passages sentence by sentence for what the question asks.

A sentence is *relevant* by its meaning (cosine to the question) and by the question's key terms
it carries; a sentence next to a relevant one inherits part of its relevance, because news
writing states a fact in one sentence and who did it in the next ("This came after allies lifted
restrictions. ... Biden authorized Kyiv ..."). A relevant sentence that holds an entity of the
asked type (not one the question itself names) *answers*; entities are weighed by how relevant
their sentences are and by their role there (the actor of the clause, not a circumstance).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from rag.answer.entities import Mention
from rag.answer.highlight import same_word
from rag.answer.noanswer import idf_coverage
from rag.answer.question import Question
from rag.records import Chunk
from rag.search.bm25 import analyze

KEY_WEIGHT = 0.25  # share of key terms carried, on the cosine scale
PHRASE_WEIGHT = 0.25  # share of the key terms' neighbouring pairs carried side by side
NEIGHBOUR = 0.85  # a sentence keeps this share of its neighbour's relevance
FLOOR = 0.30  # below this relevance a sentence is not about the question at all
MARGIN = 0.18  # relevant: within this of the best sentence's relevance
LIST_MARGIN = 0.42  # a list gathers more widely: its members are rarely all said alike
FEEDBACK = 0.5  # weight of the closeness to the best-matching sentences
FEEDBACK_SENTENCES = 3
CLOSENESS_CHARS = 40.0
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
PROTAGONIST = 0.7  # how much being in every passage (the story's subject) discounts an entity
ENTITY_KEEP = 0.25  # an entity is listed when its weight is at least this share of the best's
LIST_KEEP = 0.5  # list members are each worth their best mention: keep those close to the top
MAX_ENTITIES = 8


@dataclass(frozen=True)
class SentenceRead:
    """One sentence of a passage, with absolute offsets and what it answers."""

    path: str
    start: int
    end: int
    text: str
    relevance: float  # own closeness, blended with feedback and the neighbours' relevance
    own: float  # cosine to the question plus key terms: this sentence alone
    answers: tuple[Mention, ...]  # mentions (absolute offsets) of the asked type
    near: tuple[float, ...] = ()  # per answer: 1 + closeness to the question's key terms


@dataclass
class PassageRead:
    chunk: Chunk
    sentences: list[SentenceRead]

    @property
    def best(self) -> float:
        return max((s.relevance for s in self.sentences), default=0.0)

    @property
    def answering(self) -> float:
        """Relevance of its best sentence that holds an entity of the asked type (0 if none)."""
        return max((s.relevance for s in self.sentences if s.answers), default=0.0)


@dataclass
class EntityVote:
    name: str
    label: str
    weight: float = 0.0
    mentions: list[tuple[str, int, int]] = field(default_factory=list)  # (path, start, end)


def question_names(question: Question, found: Sequence[Mention]) -> set[str]:
    """Names the question itself mentions (never an answer to it): "which countries border
    Russia?" must not answer "Russia"."""
    low = question.text.casefold()
    words = set(_WORD.findall(low))
    out = {m.name.casefold() for m in found if m.text.casefold() in low or m.name.casefold() in low
           or (len(m.name.split()) > 1 and m.name.split()[-1].casefold() in words)}  # a surname
    return out | {m.country.casefold() for m in found if m.country and m.text.casefold() in low}


def read_passages(question: Question, chunks: Sequence[Chunk], sentence_vectors: Sequence[np.ndarray],
                  qvec: np.ndarray, found: Sequence[Sequence[Mention]],
                  key_idf: Mapping[str, float]) -> list[PassageRead]:
    """Relevance of every sentence of the passages and the asked-type mentions each holds.

    Relevance mixes the sentence's own closeness to the question (cosine plus the IDF-weighted
    share of its key terms, ``key_idf``: stem -> IDF, a stem the corpus lacks counting most) with
    its closeness to the few sentences that match the question best (pseudo-relevance feedback,
    as Rocchio): "authorized Kyiv to use US-supplied weapons" is far from "which countries
    lifted restrictions?" but close to "allies lifted restrictions on the use of weapons".
    """
    keys = set(question.key_terms)
    stems = dict(key_idf)
    # a list's members are said in many ways, one answer in the question's own words: only the
    # latter is read for the question's phrases (else one verbatim sentence raises the list's bar)
    pairs = key_pairs(question, stems) if question.answer_type != "list" else {}
    known: dict[str, bool] = {}
    countries = "NORP" in question.labels  # asks for countries: known countries only, by name
    exclude = question_names(question, [m for ms in found for m in ms])
    spans = [list(c.sentences) or [(c.start, c.end)] for c in chunks]
    texts = [[c.text[a - c.start:b - c.start] for a, b in sp] for c, sp in zip(chunks, spans, strict=True)]
    own: list[list[float]] = []
    for sp, ts, vecs in zip(spans, texts, sentence_vectors, strict=True):
        cos = (vecs @ qvec).astype(float) if len(vecs) == len(sp) else np.zeros(len(sp))
        own.append([float(c) + KEY_WEIGHT * idf_coverage(stems, t) + PHRASE_WEIGHT * phrases(pairs, t)
                    for c, t in zip(cos, ts, strict=True)])
    fb = _feedback(own, sentence_vectors, spans)
    out = []
    for chunk, sp, ts, mine, vecs, ms in zip(chunks, spans, texts, own, sentence_vectors, found, strict=True):
        prf = (vecs @ fb).astype(float) if fb is not None and len(vecs) == len(sp) else np.array(mine)
        mixed = [(1 - FEEDBACK) * a + FEEDBACK * float(b) for a, b in zip(mine, prf, strict=True)]
        widened = [max([mixed[i]] + [NEIGHBOUR * mixed[j] for j in (i - 1, i + 1) if 0 <= j < len(mixed)])
                   for i in range(len(mixed))]
        sentences = []
        for (a, b), text, rel, alone in zip(sp, ts, widened, mine, strict=True):
            answers = tuple(
                replace(m, start=m.start + chunk.start, end=m.end + chunk.start,
                        name=(m.country or m.name) if countries else m.name)
                for m in ms
                if m.label in question.labels and a <= m.start + chunk.start < b
                and (m.country or not countries)
                and not {m.name.casefold(), (m.country or "").casefold()} & exclude)
            found_keys = _key_spans(text, keys, known) if answers else []
            near = tuple(1.0 + _closeness(found_keys, m.start - a, m.end - a) for m in answers)
            sentences.append(SentenceRead(chunk.path, a, b, text, rel, alone, answers, near))
        out.append(PassageRead(chunk, sentences))
    return out


def key_pairs(question: Question, idf: Mapping[str, float]) -> dict[tuple[str, str], float]:
    """Neighbouring key terms of the question ("secretary of defense"), as stem pairs weighted by
    the rarer stem's IDF: a sentence that says them together says more than one that has both
    words apart ("Foreign Secretary ... defense")."""
    seq = analyze(" ".join(question.key_terms))
    return {(a, b): min(idf.get(a, 0.0), idf.get(b, 0.0)) for a, b in itertools.pairwise(seq) if a != b}


def phrases(pairs: Mapping[tuple[str, str], float], text: str) -> float:
    """IDF-weighted share of the question's key-term pairs that ``text`` has side by side."""
    total = sum(pairs.values())
    if total <= 0:
        return 0.0
    found = _stem_pairs(text)
    return sum(w for pair, w in pairs.items() if pair in found) / total


@lru_cache(maxsize=8192)
def _stem_pairs(text: str) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.pairwise(analyze(text)))


def _feedback(own: list[list[float]], vectors: Sequence[np.ndarray],
              spans: list[list[tuple[int, int]]]) -> np.ndarray | None:
    """The normalised mean of the best-matching sentences' vectors (distinct texts only)."""
    pool = [(score, i, j) for i, scores in enumerate(own) for j, score in enumerate(scores)
            if len(vectors[i]) == len(spans[i])]
    picked: list[np.ndarray] = []
    seen: set[bytes] = set()
    for _, i, j in sorted(pool, key=lambda x: -x[0]):
        v = np.asarray(vectors[i][j], dtype=np.float32)
        key = np.round(v, 3).tobytes()
        if key not in seen:
            seen.add(key)
            picked.append(v)
        if len(picked) == FEEDBACK_SENTENCES:
            break
    if not picked:
        return None
    c = np.mean(picked, axis=0)
    n = float(np.linalg.norm(c))
    return c / n if n > 0 else None


def _key_spans(text: str, keys: set[str], known: dict[str, bool]) -> list[tuple[int, int]]:
    """Where the question's key terms stand in ``text`` (``known`` memoises word -> is a key)."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0).lower()
        hit = known.get(w)
        if hit is None:
            hit = known[w] = any(same_word(k, w) for k in keys)
        if hit:
            out.append((m.start(), m.end()))
    return out


def _closeness(key_spans: list[tuple[int, int]], start: int, end: int) -> float:
    """exp(-d / 40): d is the distance in characters from the mention to the nearest key term
    of the question in its sentence ("NATO Secretary-General Jens Stoltenberg" answers who
    heads NATO; "warnings by Vladimir Putin", further along, does not)."""
    gaps = [start - e if e <= start else s - end for s, e in key_spans if not start <= s < end]
    return math.exp(-max(0, min(gaps)) / CLOSENESS_CHARS) if gaps else 0.0


def _presence(passages: Sequence[PassageRead]) -> dict[str, float]:
    """Share of the passages (distinct documents' chunks) that mention each answer-type name."""
    count: dict[str, int] = {}
    for p in passages:
        for name in {m.name.casefold() for s in p.sentences for m in s.answers}:
            count[name] = count.get(name, 0) + 1
    n = max(1, len(passages))
    return {k: v / n for k, v in count.items()}


def _fold_names(votes: Iterable[EntityVote]) -> list[EntityVote]:
    """"Stoltenberg" and "Jens Stoltenberg" are one answer: a name whose words end a longer
    name of the same label folds into it (the longest form is shown)."""
    out: list[EntityVote] = []
    for v in sorted(votes, key=lambda v: -len(v.name)):
        words = v.name.casefold().split()
        into = next((o for o in out if o.label == v.label and len(o.name.split()) > len(words)
                     and o.name.casefold().split()[-len(words):] == words), None)
        if into is None:
            out.append(v)
        else:
            into.weight += v.weight
            into.mentions.extend(v.mentions)
    return out


def relevant_floor(passages: Sequence[PassageRead], margin: float = MARGIN) -> float:
    """Relevance a sentence needs to count: near the best, and above the absolute floor."""
    best = max((p.best for p in passages), default=0.0)
    return max(FLOOR, best - margin)


def vote(passages: Sequence[PassageRead], margin: float = MARGIN, roles: bool = True,
         as_list: bool = False) -> list[EntityVote]:
    """Entities of the asked type in relevant sentences, heaviest first, repeats folded.

    A single answer ("who heads NATO?"): each mention adds (relevance above the floor) x (its
    role) x (closeness to the key terms), so a fact reported in many outlets outweighs a passing
    mention. A list ("which countries ..."): its members are rarely said alike, so every relevant
    sentence counts the same and an entity is worth its best mention, a little more for each
    further one; then it is discounted by the share of its mentions outside relevant sentences
    and by how many passages name it at all: the story's protagonists ("Ukraine", "Russia" in a
    war story) are everywhere, while the members of a list are named where the asked fact is.
    """
    floor = relevant_floor(passages, margin)
    votes: dict[str, EntityVote] = {}
    best: dict[str, float] = {}
    total: dict[str, int] = {}
    seen: set[tuple[str, int, int]] = set()
    for p in passages:
        for s in p.sentences:
            for i, m in enumerate(s.answers):
                key = (s.path, m.start, m.end)
                if key in seen:  # overlapping chunks show the same sentence twice
                    continue
                seen.add(key)
                name = m.name.casefold()
                total[name] = total.get(name, 0) + 1
                if s.relevance < floor:
                    continue
                v = votes.setdefault(name, EntityVote(m.name, m.label))
                value = (m.role if roles else 1.0) * (s.near[i] if s.near else 1.0)
                if as_list:
                    best[name] = max(best.get(name, 0.0), value)
                else:
                    v.weight += (s.relevance - floor + 0.05) * value
                v.mentions.append(key)
    share = _presence(passages)
    for name, v in votes.items():
        if as_list:
            v.weight = (best[name] * (1.0 + 0.1 * math.log(len(v.mentions))) * len(v.mentions)
                        / total[name] * (1.0 - PROTAGONIST * share.get(name, 0.0)))
    ranked = sorted(_fold_names(votes.values()), key=lambda v: -v.weight)
    if not ranked:
        return []
    top = ranked[0].weight
    keep = LIST_KEEP if as_list else ENTITY_KEEP
    return [v for v in ranked if v.weight >= keep * top][:MAX_ENTITIES]
