"""The BM25 index is built from word ids (one copy of each word, not one string per occurrence):
it must score exactly as bm25s built from the word strings, before and after a save/load."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np

from rag.search.bm25 import BM25Index, analyze
from rag.search.scoring import K1, B
from tests.helpers import DATA


def test_word_id_build_scores_as_bm25s_from_strings(tmp_path: Path) -> None:
    articles = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))]
    texts = [t[i:i + 400] for t in articles for i in range(0, len(t), 400)] + ["", "the of and"]
    ours = BM25Index.build(texts)
    ref = bm25s.BM25(method="lucene", k1=K1, b=B)
    ref.index([analyze(t) or ["\x00empty"] for t in texts], show_progress=False)
    theirs = BM25Index(ref)
    rng = random.Random(7)
    questions = [" ".join(rng.sample(t.split(), min(6, len(t.split())))) for t in rng.sample(texts[:-2], 20)]
    questions += ["which countries lifted restrictions?", "zzzz never seen", ""]
    (tmp_path / "gen").mkdir()
    ours.save(tmp_path / "gen")
    loaded = BM25Index.load(tmp_path / "gen")
    for q in questions:
        want = theirs.scores(q)
        assert np.array_equal(ours.scores(q), want), q
        assert np.array_equal(loaded.scores(q), want), q
        assert ours.idf(q) == theirs.idf(q)
    assert any(theirs.scores(q).max() > 0 for q in questions)  # the comparison is not all zeros
