"""The BM25 index is built from word ids (one copy of each word, not one string per occurrence):
it must score exactly as bm25s built from the word strings, before and after a save/load. Queries
score from the saved arrays without importing bm25s: the scores must still be bm25s' own."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np

from rag.search.bm25 import STOPWORDS_EN, BM25Index, analyze
from rag.search.scoring import K1, B
from tests.helpers import DATA


def test_word_id_build_scores_as_bm25s_from_strings(tmp_path: Path) -> None:
    articles = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))]
    texts = [t[i:i + 400] for t in articles for i in range(0, len(t), 400)] + ["", "the of and"]
    ours = BM25Index.build(texts)
    ref = bm25s.BM25(method="lucene", k1=K1, b=B)
    ref.index([analyze(t) or ["\x00empty"] for t in texts], show_progress=False)

    def theirs(q: str) -> np.ndarray:
        ids = [ref.vocab_dict[t] for t in analyze(q) if t in ref.vocab_dict]
        return np.asarray(ref.get_scores_from_ids(ids), np.float32) if ids else np.zeros(len(texts), np.float32)

    rng = random.Random(7)
    questions = [" ".join(rng.sample(t.split(), min(6, len(t.split())))) for t in rng.sample(texts[:-2], 20)]
    questions += ["which countries lifted restrictions?", "zzzz never seen", "", "restrictions restrictions lifted"]
    (tmp_path / "gen").mkdir()
    ours.save(tmp_path / "gen")
    loaded = BM25Index.load(tmp_path / "gen")
    for q in questions:
        want = theirs(q)
        assert np.array_equal(ours.scores(q), want), q
        assert np.array_equal(loaded.scores(q), want), q
        assert ours.idf(q) == loaded.idf(q)
    assert any(theirs(q).max() > 0 for q in questions)  # the comparison is not all zeros


def test_the_stop_words_are_bm25s_english_list() -> None:
    from bm25s.stopwords import STOPWORDS_EN as theirs

    assert frozenset(theirs) == STOPWORDS_EN


def test_a_query_does_not_import_bm25s(tmp_path: Path) -> None:
    """Loading and searching run in a fresh process: bm25s (and scipy through it) stay out."""
    import subprocess
    import sys

    (tmp_path / "gen").mkdir()
    BM25Index.build(["weapons were sent", "talks on weapons"]).save(tmp_path / "gen")
    code = ("import sys; from pathlib import Path; from rag.search.bm25 import BM25Index; "
            f"i = BM25Index.load(Path({str(tmp_path / 'gen')!r})); print(sorted(i.search('weapons', 2)[1].tolist()), "
            "'bm25s' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[0,", "1]", "False", "False"]
