"""Fit the support rule of ``verify.py`` on labelled sentence/passage pairs built from the articles.

Supported pairs: hand-written paraphrases of article sentences (tests/generate/paraphrases.jsonl)
and the article's own sentences, each against the passage it comes from. Unsupported pairs, made
from every supported one: one number changed, one name swapped for a name from another article,
and the sentence cited to the most similar passage of *another* article that does not carry the
same words (the same quote in two outlets is not a wrong citation). The weight and threshold
with the best balanced accuracy are reported, with leave-one-article-out accuracy as a check.

Run: ``python -m rag.generate.calibrate [PARAPHRASES.jsonl]`` (needs a built index of data/).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.config import PROJECT_ROOT, Settings
from rag.generate.verify import (
    _NUMBER,
    SUPPORT_THRESHOLD,
    SUPPORT_WEIGHT,
    SpanFeatures,
    _name_in,
    lower_words,
    names_in,
    pick,
    span_features,
    supports,
)
from rag.index.texts import shingles
from rag.records import Chunk, Citation, Result
from rag.stores.base import Snapshot

DEFAULT_PAIRS = PROJECT_ROOT / "tests" / "generate" / "paraphrases.jsonl"
MIN_WORDS = 8  # article sentences shorter than this are headlines, bylines or fragments
FALSE_COST = 2.0  # a wrong citation counts as two dropped sentences
WEIGHTS = tuple(round(w, 1) for w in np.arange(0.0, 1.01, 0.1))


@dataclass(frozen=True)
class Pair:
    kind: str  # paraphrase | verbatim | number | name | wrong passage
    doc: str  # the article the sentence comes from
    text: str
    supported: bool
    feats: tuple[SpanFeatures, ...] = ()


def as_result(ch: Chunk, title: str = "") -> Result:
    return Result(1, 0.0, ch.text, Citation(ch.path, title or ch.path, ch.start, ch.end))


def _positives(chunks: list[Chunk], paraphrases: Path) -> list[tuple[str, str, Chunk]]:
    """(kind, text, passage) for the hand paraphrases and every long enough article sentence."""
    out: list[tuple[str, str, Chunk]] = []
    for line in paraphrases.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            home = next((c for c in chunks if c.path == obj["doc"] and obj["source"] in c.text), None)
            if home is None:
                raise SystemExit(f"paraphrase source not found in the index: {obj['source']!r}")
            out.append(("paraphrase", obj["text"], home))
    seen: set[str] = set()
    for c in chunks:
        for s, e in c.sentences:
            text = c.text[s - c.start:e - c.start]
            if len(text.split()) >= MIN_WORDS and text not in seen:
                seen.add(text)
                out.append(("verbatim", text, c))
    return out


def _swap_number(text: str) -> str | None:
    m = _NUMBER.search(text)
    if not m:
        return None
    digits = m.group(0).replace(",", "")
    wrong = str(int(float(digits)) + 3) if digits.replace(".", "").isdigit() else None
    return None if wrong is None else text[:m.start()] + wrong + text[m.end():]


def _swap_name(text: str, home: Chunk, corpus_names: Sequence[str]) -> str | None:
    """The sentence's last name replaced by the commonest name the passage does not mention
    in any form ("Russian" is not a wrong name where the passage says "Russia")."""
    names = names_in(text, lower_words(home.text))
    if not names:
        return None
    words = {w.lower() for w in re.findall(r"[\w’'-]+", home.text)}
    other = next((n for n in corpus_names if not _name_in(n.lower(), words)), None)
    if other is None:
        return None
    return re.sub(rf"\b{re.escape(names[-1])}\b", other, text, count=1)


def build_pairs(snap: Snapshot, paraphrases: Path = DEFAULT_PAIRS) -> list[Pair]:
    """Every labelled pair with its span features (the encoder runs once per pair)."""
    encoder = snap.reader
    chunks: list[Chunk] = [c for _, c in sorted(snap.chunks(range(snap.n_chunks)).items())]
    chunk_vecs = encoder.encode([c.text for c in chunks])
    corpus_names = [n for n, _ in Counter(n for c in chunks for n in names_in(c.text)).most_common()]
    raw: list[tuple[str, str, str, bool, Chunk]] = []
    for kind, text, home in _positives(chunks, paraphrases):
        raw.append((kind, home.path, text, True, home))
        wrong_num = _swap_number(text)
        if wrong_num:
            raw.append(("number", home.path, wrong_num, False, home))
        wrong_name = _swap_name(text, home, corpus_names)
        if wrong_name:
            raw.append(("name", home.path, wrong_name, False, home))
        raw.append(("wrong passage", home.path, text, False, home))  # passage chosen below
    vecs = encoder.encode([r[2] for r in raw])
    pairs = []
    for (kind, doc, text, label, home), vec in zip(raw, vecs, strict=True):
        passage = home if kind != "wrong passage" else _nearest_other(text, vec, home, chunks, chunk_vecs)
        if passage is None:
            continue
        pairs.append(Pair(kind, doc, text, label, tuple(span_features(text, vec, as_result(passage), encoder))))
    return pairs


def _nearest_other(text: str, vec: np.ndarray, home: Chunk, chunks: list[Chunk],
                   chunk_vecs: np.ndarray) -> Chunk | None:
    """The most similar passage of another article that does not repeat the sentence's words."""
    mine = shingles(text)
    for i in np.argsort(-(chunk_vecs @ vec)):
        c = chunks[int(i)]
        if c.path == home.path:
            continue
        if mine and len(mine & shingles(c.text)) / len(mine) >= 0.3:
            continue  # the same quote carried by another outlet
        return c
    return None


def rates(pairs: Sequence[Pair], weight: float, threshold: float) -> tuple[float, float]:
    """(share of supported pairs rejected, share of unsupported pairs accepted) by the full rule."""
    miss: list[bool] = []
    false: list[bool] = []
    for p in pairs:
        ok = supports(pick(list(p.feats), weight), threshold)
        (miss if p.supported else false).append(ok != p.supported)
    return float(np.mean(miss)) if miss else 0.0, float(np.mean(false)) if false else 0.0


def accuracy(pairs: Sequence[Pair], weight: float, threshold: float) -> float:
    """Balanced accuracy (the mean of both classes' accuracies)."""
    miss, false = rates(pairs, weight, threshold)
    return 1 - (miss + false) / 2


def objective(pairs: Sequence[Pair], weight: float, threshold: float) -> float:
    """Balanced accuracy with a false citation costing twice a dropped true sentence: a wrong
    citation misleads, a dropped sentence only shortens the answer (the extractive one remains)."""
    miss, false = rates(pairs, weight, threshold)
    return 1 - (miss + FALSE_COST * false) / (1 + FALSE_COST)


def fit(pairs: Sequence[Pair]) -> tuple[float, float, float]:
    """(weight, threshold, objective): the best, ties to the middle of the best range."""
    best = (0.0, 0.0, -1.0, 0.0)
    for w in WEIGHTS:
        scores = sorted({round(s.score, 4) for p in pairs if (s := pick(list(p.feats), w))})
        cuts = [(a + b) / 2 for a, b in itertools.pairwise(scores)]
        accs = [(objective(pairs, w, t), t) for t in cuts]
        if not accs:
            continue
        top = max(a for a, _ in accs)
        ts = [t for a, t in accs if a == top]
        width = max(ts) - min(ts)
        if (top, width) > (best[2], best[3]):
            best = (w, round(float(np.median(ts)), 3), top, width)
    return best[0], best[1], best[2]


def report(pairs: list[Pair], weight: float, threshold: float) -> dict[str, float]:
    """Share of each kind the rule labels correctly."""
    by_kind: dict[str, list[bool]] = {}
    for p in pairs:
        ok = supports(pick(list(p.feats), weight), threshold) == p.supported
        by_kind.setdefault(p.kind, []).append(ok)
    return {k: float(np.mean(v)) for k, v in by_kind.items()}


def leave_one_out(pairs: list[Pair]) -> float:
    """Accuracy on each article's pairs when the rule is fitted on the other articles' pairs."""
    docs = sorted({p.doc for p in pairs})
    accs = []
    for d in docs:
        w, t, _ = fit([p for p in pairs if p.doc != d])
        accs.append(accuracy([p for p in pairs if p.doc == d], w, t))
    return float(np.mean(accs))


def main(argv: list[str]) -> None:
    from rag.answer.pipeline import Searcher

    path = Path(argv[0]) if argv else DEFAULT_PAIRS
    pairs = build_pairs(Searcher(Settings.load()).snapshot(), path)
    w, t, _ = fit(pairs)
    counts = Counter(p.kind for p in pairs)
    miss, false = rates(pairs, w, t)
    print(f"pairs: {dict(counts)}")
    print(f"fitted: weight {w}, threshold {t}: balanced accuracy {accuracy(pairs, w, t):.3f}, "
          f"supported rejected {miss:.3f}, unsupported accepted {false:.3f}")
    print(f"in use (verify.py): weight {SUPPORT_WEIGHT}, threshold {SUPPORT_THRESHOLD}: "
          f"balanced accuracy {accuracy(pairs, SUPPORT_WEIGHT, SUPPORT_THRESHOLD):.3f}")
    for kind, a in report(pairs, w, t).items():
        print(f"  {kind:14} {a:.3f} correct")
    print(f"leave-one-article-out balanced accuracy: {leave_one_out(pairs):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
