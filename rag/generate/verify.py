"""Check each generated sentence against the passages it cites; keep only what a span supports.

A sentence is supported by a cited passage when one of the passage's sentences (or two adjacent
ones) scores ``SUPPORT_WEIGHT * cosine + (1 - SUPPORT_WEIGHT) * term overlap >= SUPPORT_THRESHOLD``
*and* contains every number and name the sentence states. The two constants are fitted on a
labelled set built from the articles (``python -m rag.generate.calibrate``, docs/generation.md).
Supported sentences cite that exact span; the others are kept only as ``supported=False``,
without citations. Citation numbers that match no result are ignored.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.chunk.sentences import sentence_spans
from rag.embed import Encoder
from rag.records import GeneratedSentence, Result, SpanRef
from rag.search.bm25 import analyze

SUPPORT_WEIGHT = 0.6  # cosine vs term overlap in the support score (calibrate.py)
SUPPORT_THRESHOLD = 0.734  # fitted on the labelled pairs (docs/generation.md)

_MARK = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_MARK_AFTER_END = re.compile(r"([.!?])((?:[ \t]*\[\d+(?:\s*[,;]\s*\d+)*\])+)")  # same line only
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITAL = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w’'-]*")
# Sentence adverbs and openers that jusText's stop list lacks: capitalised, but not names.
_OPENERS = frozenset((
    "however", "meanwhile", "earlier", "later", "also", "still", "instead", "moreover", "therefore",
    "thus", "overall", "additionally", "furthermore", "according", "following", "despite", "although",
    "though", "while", "yes", "no", "finally", "first", "second", "third", "today", "yesterday",
    "tomorrow", "recently", "currently", "previously", "notably", "separately", "nevertheless",
    "nonetheless", "similarly", "likewise", "otherwise", "hence", "consequently", "indeed"))
_WORDS = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class Draft:
    """One generated sentence: its text without markers and the [n] it cited."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    score: float
    start: int
    end: int
    facts_ok: bool


def split_drafts(answer: str) -> list[Draft]:
    """Sentences of the generated answer; a marker written after the full stop on the same line
    ("x. [2]") belongs to the sentence before it, one opening a line ("[2] x.") to its own."""
    text = _MARK_AFTER_END.sub(lambda m: f"{m.group(2)}{m.group(1)}", answer.strip())
    drafts = []
    for s, e in sentence_spans(text):
        raw = text[s:e]
        cited = tuple(dict.fromkeys(int(n) for m in _MARK.finditer(raw) for n in re.split(r"[,;]", m.group(1))))
        clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_MARK.sub(" ", raw).split()))
        if clean.strip(" .,;:!?"):
            drafts.append(Draft(clean, cited))
    return drafts


def facts(text: str, common: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """Numbers (digits, thousands separators dropped) and names a sentence states: these must
    appear in the span that supports it. ``common``: lower-case words of the cited passage."""
    numbers = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    names = {_word(w) for w in names_in(text, common)}
    return numbers, names


def names_in(text: str, common: frozenset[str] = frozenset()) -> list[str]:
    """Capitalised words that are neither stop words ("However", "After") nor written in lower
    case in the passage ("According" when it says "according"), as written."""
    stop = _stoplist() | _OPENERS
    return [w for w in _CAPITAL.findall(text) if _word(w) not in stop and _word(w) not in common]


def lower_words(text: str) -> frozenset[str]:
    return frozenset(_word(w) for w in _WORDS.findall(text) if w.islower())


def _word(w: str) -> str:
    return w.lower().replace("’", "'").removesuffix("'s")


@lru_cache(maxsize=1)
def _stoplist() -> frozenset[str]:
    import justext

    return frozenset(justext.get_stoplist("English"))


def facts_in(sentence: str, span: str, common: frozenset[str] = frozenset()) -> bool:
    nums, names = facts(sentence, common)
    span_nums = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(span)}
    words = {_word(w) for w in _WORDS.findall(span)}
    return nums <= span_nums and all(_name_in(n, words) for n in names)


def _name_in(name: str, words: set[str]) -> bool:
    """Exact, or one a prefix of the other ("Russia"/"Russian", "German"/"Germany")."""
    if name in words:
        return True
    return len(name) >= 4 and any(len(w) >= 4 and (w.startswith(name) or name.startswith(w)) for w in words)


def overlap(sentence: str, span: str) -> float:
    """Share of the sentence's content terms (stemmed) that the span contains."""
    mine = set(analyze(sentence))
    if not mine:
        return 0.0
    return len(mine & set(analyze(span))) / len(mine)


def candidate_spans(result: Result) -> list[tuple[int, int]]:
    """Absolute spans of the passage's sentences and of each pair of adjacent sentences."""
    base = result.citation.start
    sents = [(base + s, base + e) for s, e in sentence_spans(result.text)]
    pairs = [(a[0], b[1]) for a, b in itertools.pairwise(sents)]
    return sents + pairs


@dataclass(frozen=True)
class SpanFeatures:
    cosine: float
    overlap: float
    facts_ok: bool
    start: int
    end: int


def span_features(sentence: str, vec: np.ndarray, result: Result, encoder: Encoder) -> list[SpanFeatures]:
    """Cosine, term overlap and the facts check for every candidate span of ``result``."""
    spans = candidate_spans(result)
    if not spans:
        return []
    base = result.citation.start
    texts = [result.text[s - base:e - base] for s, e in spans]
    cos = encoder.encode(texts) @ vec
    common = lower_words(result.text)
    return [SpanFeatures(float(c), overlap(sentence, t), facts_in(sentence, t, common), s, e)
            for c, t, (s, e) in zip(cos, texts, spans, strict=True)]


def pick(feats: list[SpanFeatures], weight: float = SUPPORT_WEIGHT) -> Support | None:
    """The best-scoring span that states the sentence's facts (else the best span at all)."""
    scored = [Support(weight * f.cosine + (1 - weight) * f.overlap, f.start, f.end, f.facts_ok)
              for f in feats]
    return max(scored, key=lambda x: (x.facts_ok, x.score, -(x.end - x.start)), default=None)


def best_support(sentence: str, vec: np.ndarray, result: Result, encoder: Encoder) -> Support | None:
    return pick(span_features(sentence, vec, result, encoder))


def supports(sup: Support | None, threshold: float = SUPPORT_THRESHOLD) -> bool:
    return sup is not None and sup.facts_ok and sup.score >= threshold


def verify(answer: str, results: list[Result], encoder: Encoder) -> list[GeneratedSentence]:
    """Every generated sentence, each cited only by the spans that were checked to support it."""
    by_rank = {r.rank: r for r in results}
    drafts = split_drafts(answer)
    if not drafts:
        return []
    vecs = encoder.encode([d.text for d in drafts])
    out = []
    for d, vec in zip(drafts, vecs, strict=True):
        cites = []
        for n in d.cited:
            r = by_rank.get(n)
            if r is None:  # a number the model made up
                continue
            sup = best_support(d.text, vec, r, encoder)
            if sup is not None and supports(sup):
                cites.append(SpanRef(r.citation.path, sup.start, sup.end, r.rank))
        out.append(GeneratedSentence(d.text, tuple(cites), bool(cites)))
    return out
