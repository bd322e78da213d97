"""The story over time: the passages that answer a question, by day, oldest first.

Built on the Searcher (the same retrieval, grouping and highlighting as ``rag query``): each
result becomes an event dated by its article, its text the answering sentences (an exact span
of the source); reports the Searcher folded together stay folded ("also in 3 outlets"); and
where events give different numbers for the same quantity, the figures are listed side by side.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.answer.figures import Mention, label, mentions, same_quantity
from rag.answer.pipeline import Searcher
from rag.config import Mode
from rag.records import Result
from rag.stores.base import Filters
from rag.ui.terminal import format_date

_DIGITS = re.compile(r"\d[\d,.]*")
_WORDS = re.compile(r"\w+")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|$)")
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
    items: list[tuple[Event, str, int]] = []  # the event, its whole passage, the passage's offset
    for r in resp.results:
        ev = _event(r)
        items.append((ev, r.text, r.citation.start))
        items.extend(_unfold(searcher, ev))
    items.sort(key=lambda it: (it[0].date is None, it[0].date or "", it[0].rank))
    events = [it[0] for it in items]
    return Timeline(resp.query, resp.answerable, events, _figures(items))


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


def _numbers(text: str) -> set[str]:
    return set(_DIGITS.findall(text))


def _unfold(searcher: Searcher, ev: Event) -> list[tuple[Event, str, int]]:
    """Folded reports from another day, or with other numbers, are events of their own.

    The Searcher folds passages that say much the same thing; in a timeline a report of the
    same event a day later, or with a different toll, is news. Its text is its sentence most
    like the event's text (an exact span of its source).
    """
    out, keep = [], []
    words = set(_WORDS.findall(ev.text.lower()))
    for a in ev.also_in:
        src = searcher.snapshot().source(a["path"])
        if src is None:
            keep.append(a)
            continue
        best = max(((m.start() + a["start"], m.end() + a["start"]) for m in _SENTENCE.finditer(
            src.text[a["start"]:a["end"]])), default=(a["start"], a["end"]),
            key=lambda se: _overlap(words, src.text[se[0]:se[1]]))
        text, passage = src.text[best[0]:best[1]], src.text[a["start"]:a["end"]]
        if a["date"] == ev.date and _numbers(text) == _numbers(ev.text):
            keep.append(a)
            continue
        out.append((Event(a["date"], text, a["path"], best[0], best[1], a["title"], a["outlet"], a["url"],
                          ev.rank), passage, a["start"]))
    ev.also_in = keep
    return out


def _overlap(words: set[str], text: str) -> float:
    other = set(_WORDS.findall(text.lower()))
    return len(words & other) / (len(words | other) or 1)


def _figures(items: list[tuple[Event, str, int]]) -> list[Figure]:
    """Figures are read from each whole passage: the highlight may be the sentence beside the number."""
    found: list[Mention] = []
    events = [it[0] for it in items]
    for i, (_, passage, offset) in enumerate(items):
        found.extend(mentions(i, passage, offset))
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
