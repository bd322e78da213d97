"""Is the question answered by the corpus at all? A logistic model over score features.

The weights are fitted on data by ``rag.evaluate.calibrate`` (see its docstring for how), not
picked by hand for a question; they are stored here so the query path needs no training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Fitted by `python -m rag.evaluate.calibrate` (see README "No answer").
WEIGHTS = {"bias": -9.0, "sentence_cosine": 14.0, "coverage": 3.0}
THRESHOLD = 0.5


@dataclass(frozen=True)
class Evidence:
    sentence_cosine: float  # best sentence's cosine to the question, over the top results
    coverage: float  # share of the question's content words in that sentence's passage


def probability(ev: Evidence) -> float:
    z = (WEIGHTS["bias"] + WEIGHTS["sentence_cosine"] * ev.sentence_cosine
         + WEIGHTS["coverage"] * ev.coverage)
    return 1.0 / (1.0 + math.exp(-z))


def answerable(ev: Evidence) -> bool:
    return probability(ev) >= THRESHOLD
