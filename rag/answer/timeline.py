"""The story over time: the passages that answer a question, by day, oldest first.

Built on the Searcher (the same retrieval, grouping and highlighting as ``rag query``): each
result becomes an event dated by its article, its text the answering sentences (an exact span
of the source); reports the Searcher folded together stay folded ("also in 3 outlets"); and
where events give different numbers for the same quantity, the figures are listed side by side.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.answer.figures import Mention, label, mentions, same_quantity
from rag.answer.pipeline import Searcher
from rag.config import Mode
from rag.records import Result
from rag.search.retriever import Filters
from rag.ui.terminal import format_date

DEPTH = 20  # passages asked of the Searcher
MAX_SPAN = 600  # characters: longer highlight runs are cut to the first sentence


@dataclass
class Event:
    date: str | None
    text: str
    path: str
    start: int
    end: int
    title: str
    outlet: str | None
    url: str | None
    rank: int
    also_in: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Figure:
    what: str
    values: list[dict[str, Any]]  # {"value", "date", "outlet", "path", "start", "end", "url"}
    text: str  # "65 (Outlet A, 14 Mar) → 72 (…) → 113 (Outlet B, 15 Mar)"


@dataclass
class Timeline:
    query: str
    answerable: bool
    events: list[Event]
    figures: list[Figure]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "answerable": self.answerable,
                "events": [asdict(e) for e in self.events], "figures": [asdict(f) for f in self.figures]}


def build_timeline(searcher: Searcher, question: str, k: int = DEPTH, mode: Mode | None = None,
                   filters: Filters | None = None) -> Timeline:
    resp = searcher.search(question, k=k, mode=mode, filters=filters)
    events = [_event(r) for r in resp.results]
    events.sort(key=lambda e: (e.date is None, e.date or "", e.rank))
    return Timeline(resp.query, resp.answerable, events, _figures(events))


def _event(r: Result) -> Event:
    """The answering sentences of the passage (one exact span), else the whole passage."""
    c = r.citation
    start, end = c.start, c.end
    if r.highlights:
        hs = sorted(r.highlights)
        start, end = hs[0][0], max(e for _, e in hs)
        if end - start > MAX_SPAN:
            start, end = hs[0]
    text = r.text[start - c.start:end - c.start]
    also = [{"path": a.path, "title": a.title, "outlet": a.outlet, "date": a.date, "url": a.url,
             "start": a.start, "end": a.end} for a in r.also_in]
    return Event(c.date, text, c.path, start, end, c.title, c.outlet, c.url, r.rank, also)


def _figures(events: list[Event]) -> list[Figure]:
    found: list[Mention] = []
    for i, e in enumerate(events):
        found.extend(mentions(i, e.text, e.start))
    figures = []
    for group in same_quantity(found):
        group.sort(key=lambda m: (events[m.event].date is None, events[m.event].date or "", m.event))
        values = [{"value": m.shown, "date": events[m.event].date, "outlet": events[m.event].outlet,
                   "path": events[m.event].path, "start": m.start, "end": m.end,
                   "url": events[m.event].url} for m in group]
        figures.append(Figure(label(group), values, _arrow(values)))
    return figures


def _arrow(values: list[dict[str, Any]]) -> str:
    """Equal neighbouring values are one step with all their sources."""
    steps: list[tuple[str, list[str]]] = []
    for v in values:
        src = ", ".join(x for x in (v["outlet"] or v["path"], _short(v["date"])) if x)
        if steps and steps[-1][0] == v["value"]:
            steps[-1][1].append(src)
        else:
            steps.append((v["value"], [src]))
    return " → ".join(f"{value} ({'; '.join(srcs)})" for value, srcs in steps)


def _short(date: str | None) -> str | None:
    full = format_date(date)
    return full.rsplit(" ", 1)[0][:6].strip() if full and full != date else date
