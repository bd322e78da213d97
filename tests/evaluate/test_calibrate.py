"""The no-answer calibration: fitting on labelled evidence, and writing the fitted block."""

from __future__ import annotations

import random
from pathlib import Path

from rag.answer import noanswer
from rag.evaluate.calibrate import RECALL, Sample, fit, write_weights


def _samples() -> list[Sample]:
    rng = random.Random(0)
    out = []
    for q in range(60):
        def ev(cov: float, kw: float) -> list[float]:
            return [rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.8), cov, kw]
        out.append(Sample(f"q{q}", ev(rng.uniform(0.5, 1.0), rng.uniform(0.25, 0.6)), 1, "answerable"))
        out.append(Sample(f"q{q}", ev(rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.4)), 0, "near"))
        out.append(Sample(f"q{q}", ev(rng.uniform(0.0, 0.3), rng.uniform(0.0, 0.15)), 0, "off-topic"))
    return out


def test_fit_learns_lexical_evidence_and_a_high_recall_threshold() -> None:
    weights, threshold, cutoff, info = fit(_samples())
    assert set(weights) == {"bias", *noanswer.MODEL_FEATURES}
    assert weights["coverage"] > 0 and weights["keyword"] > 0
    assert 0.0 < threshold < 1.0
    assert 0.3 <= cutoff <= 0.8
    assert info["cv_accepted_answerable"] >= RECALL - 0.1
    assert info["rejected_off-topic"] > 0.9


def test_write_weights_replaces_only_the_fitted_block(tmp_path: Path) -> None:
    target = tmp_path / "noanswer.py"
    original = Path(noanswer.__file__).read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    write_weights({"bias": -1.5, "coverage": 2.0, "keyword": 1.0}, 0.3, 0.6, target)
    text = target.read_text(encoding="utf-8")
    assert 'WEIGHTS = {"bias": -1.5000, "coverage": 2.0000, "keyword": 1.0000}' in text
    assert "THRESHOLD = 0.3000" in text and "SENTENCE_THRESHOLD = 0.6000" in text
    before, after = original.split("# --- fitted: begin")[0], original.split("# --- fitted: end ---")[1]
    assert text.startswith(before) and text.endswith(after)
