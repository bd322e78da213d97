"""`rag eval` with a generator configured: how much of what it writes is supported, and does the
generated answer carry the evidence as often as the extractive one?

Answer accuracy (both answers, answerable questions only): the answer cites at least one span
that the question set's Hit rule accepts (a relevant document's span containing the evidence).
Only supported generated sentences count: a generated answer with none scores 0 here, even though
the app then shows the extractive answer instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rag.config import LlmConfig
from rag.embed import Encoder
from rag.evaluate.metrics import mean
from rag.generate.answer import generate
from rag.generate.client import from_config
from rag.records import Response

SpanHit = Callable[[Any, str, int, int], bool]  # (question, path, start, end) -> carries evidence


def generation_scores(config: LlmConfig, encoder: Encoder, questions: Sequence[Any],
                      responses: Sequence[Response], details: list[dict[str, Any]],
                      hit: SpanHit) -> dict[str, float]:
    """Generate for each response, verify, and score; each detail gets its generated sentences."""
    gen = from_config(config)
    if gen is None:
        return {}
    written = supported = 0
    gen_ok: list[float] = []
    ext_ok: list[float] = []
    for q, resp, detail in zip(questions, responses, details, strict=True):
        sents = generate(resp, gen, encoder, always=config.always) or []
        written += len(sents)
        supported += sum(g.supported for g in sents)
        detail["generated"] = [g.to_dict() for g in sents]
        if q.answerable:
            ext_ok.append(float(any(hit(q, a.path, a.start, a.end) for a in resp.answer)))
            gen_ok.append(float(any(hit(q, c.path, c.start, c.end)
                                    for g in sents if g.supported for c in g.citations)))
    return {"gen supported": supported / written if written else 0.0,
            "answer acc": mean(ext_ok), "gen answer acc": mean(gen_ok)}
