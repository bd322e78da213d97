"""An optional preference for recent articles (``--recent DAYS``), off by default.

Formula, with ``h`` the half-life in days and ``age`` the days between the article's date and
``now`` (0 for dates after ``now``):

    factor = 2 ** (-age / h)          (undated articles: factor = 1/2, as if one half-life old)
    score' = score * factor           (score >= 0; a negative score is divided by the factor)

so an article ``h`` days old needs twice the relevance of one published today to rank above
it. The pool re-ranked is the Searcher's own result list for a deeper ``k``; nothing else changes.
Off by default: no measurement here shows it improves answers, it only changes what "best" means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rag.answer.pipeline import Searcher
from rag.config import SearchConfig
from rag.errors import RagError
from rag.records import Response, Result
from rag.stores.base import Filters

POOL = 4  # re-rank this many times k passages
UNDATED = 0.5


def decay(date: str | None, now: dt.date, half_life: float) -> float:
    if not date:
        return UNDATED
    try:
        age = max(0, (now - dt.date.fromisoformat(date)).days)
    except ValueError:
        return UNDATED
    return float(2 ** (-age / half_life))


def recent_search(searcher: Searcher, question: str, config: SearchConfig, filters: Filters,
                  half_life: float | None, now: dt.date) -> Response:
    """The Searcher's answer, re-ranked by ``decay`` when a half-life is given."""
    k = config.top_k
    if half_life is None:
        return searcher.search(question, k=k, mode=config.mode, filters=filters)
    if not half_life > 0:
        raise RagError("--recent must be a positive number of days (the half-life)")
    resp = searcher.search(question, k=min(100, k * POOL), mode=config.mode, filters=filters)

    def rescored(r: Result) -> float:
        f = decay(r.citation.date, now, half_life)
        return r.score * f if r.score >= 0 else r.score / f

    ranked = sorted(resp.results, key=lambda r: -rescored(r))[:k]
    new_rank = {r.rank: i for i, r in enumerate(ranked, start=1)}
    results = [replace(r, rank=new_rank[r.rank], score=rescored(r)) for r in ranked]
    answer = [replace(a, result_rank=new_rank[a.result_rank]) for a in resp.answer if a.result_rank in new_rank]
    return replace(resp, results=results, answer=answer)
