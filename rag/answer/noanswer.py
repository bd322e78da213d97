"""Is the question answered by the corpus at all? A logistic model over score features.

The weights and threshold are fitted on data by ``python -m rag.evaluate.calibrate`` (leave-out
calibration on SciFact: a claim with its judged documents present is answerable; the same claim
with them removed, or with its whole neighbourhood removed, is not), never picked by hand. The
fitted block below is rewritten by that script, so the query path needs no training or file.
"""

from __future__ import annotations

import math
import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache

import numpy as np

from rag.search.bm25 import analyze


@dataclass(frozen=True)
class Evidence:
    """How well the top results answer the question, in scale-free terms."""

    sentence_cosine: float  # best sentence's cosine to the question, over the top results
    passage_cosine: float  # best passage's cosine to the question, over the top results
    coverage: float  # IDF-weighted share of the question's terms in the best-covering passage
    keyword: float  # best normalized BM25 (BM25 / the question's IDF mass) over the top results

    def vector(self) -> list[float]:
        return [float(x) for x in astuple(self)]


FEATURES = tuple(f.name for f in fields(Evidence))
# The model uses the lexical evidence: it reads the same for claims and questions, while cosines
# shift with how a question is phrased (see rag.evaluate.calibrate). A very close sentence is a
# second, separately calibrated way to be answerable.
MODEL_FEATURES = ("coverage", "keyword")

SENTENCE_COVERAGE = 0.3  # IDF share of the question's stems (absent ones weigh most) to go with it
SENTENCE_ALONE = 0.65  # a sentence this close answers even when it shares no rare word
# --- fitted: begin (python -m rag.evaluate.calibrate --write) ---
WEIGHTS = {"bias": -2.7165, "coverage": 3.9004, "keyword": 3.4071}
THRESHOLD = 0.2624
SENTENCE_THRESHOLD = 0.5593
# --- fitted: end ---


def probability(ev: Evidence) -> float:
    z = WEIGHTS["bias"] + sum(WEIGHTS[name] * getattr(ev, name) for name in MODEL_FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def answerable(ev: Evidence) -> bool:
    """The lexical model says so, or one sentence is as close to the question as almost never
    happens when the corpus does not cover it (a paraphrase shares few words, not meaning) and
    the passages still carry a fair share of the question's rare words: a near miss ("which
    countries sent fighter jets?") is close in meaning to a story that never says "jets". A
    sentence closer still (``SENTENCE_ALONE``) is a paraphrase of the question on its own."""
    return probability(ev) >= THRESHOLD or (ev.sentence_cosine >= SENTENCE_THRESHOLD and (
        ev.coverage >= SENTENCE_COVERAGE or ev.sentence_cosine >= SENTENCE_ALONE))


@lru_cache(maxsize=8192)
def stem_set(text: str) -> frozenset[str]:
    """The stems of a passage or sentence; cached, because the same top passages come back
    question after question."""
    return frozenset(analyze(text))


def idf_coverage(query_stems: dict[str, float], text: str) -> float:
    """Share of the question's IDF mass whose stems occur in ``text``."""
    total = sum(query_stems.values())
    if total <= 0:
        return 0.0
    present = stem_set(text)
    return sum(w for t, w in query_stems.items() if t in present) / total


def evidence(query_stems: dict[str, float], sentence_cos: list[float], passage_cos: list[float],
             texts: list[str], bm25: list[float]) -> Evidence:
    """Features over the top results (one list entry per result)."""
    if not texts:
        return Evidence(0.0, 0.0, 0.0, 0.0)
    return Evidence(
        sentence_cosine=float(np.max(sentence_cos)) if sentence_cos else 0.0,
        passage_cosine=float(np.max(passage_cos)) if passage_cos else 0.0,
        coverage=max(idf_coverage(query_stems, t) for t in texts),
        keyword=float(max(bm25)) if bm25 else 0.0)


_NAME = re.compile(r"\b[A-Z][\w’'-]*[A-Za-z]|\b[A-Z]{2,}\b")


def unmatched_names(question: str, texts: list[str]) -> list[str]:
    """Names in the question (capitalised words past its first) that none of ``texts`` says, in
    any form ("Ukrainian" ~ "Ukraine"; "U.S." ~ "American"). A question about China over
    passages that never mention China is a near miss, however close the rest of it is."""
    from rag.answer.gazetteer import aliases_of
    from rag.answer.highlight import same_word

    words = question.split()
    names = [m.group(0) for m in _NAME.finditer(" ".join(words[1:]))]
    said = {w.lower() for t in texts for w in re.findall(r"[^\W_]+", t)}
    missing = []
    for name in dict.fromkeys(names):
        forms = {name, *aliases_of(name)}
        if not any(any(same_word(p.lower(), w) for w in said)
                   for f in forms for p in re.findall(r"[^\W_]+", f)):
            missing.append(name)
    return missing
