"""Numbers that outlets give for the same thing (a toll, a count, an amount), side by side.

Why by context words: "killed at least 65 people" and "the number of people killed rose to
113" name the same quantity with the words around the number, not with the number. Two figures
are the same thing when they share the word right after the number (the unit: "people",
"percent") or at least two content words of the clause around it (half the smaller context).
Years, days of the month and clock times are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(million|billion|thousand))?"
                     r"(?![\w/:-]|[.,]\d)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_MONTH = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*$", re.I)
_STOP = frozenset("""a an the of to in at on for by with and or but least about more than nearly almost
some over under up down as was were is are be been being has have had it its this that these those
now rose risen rise rising climbed reached stood increased jumped fell dropped from according said
says say told least around roughly only just another other also there their they which who whom
into onto per out off after before since until while when where what another total""".split())  # noqa: SIM905
MULTIPLIER = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
WINDOW_BEFORE, WINDOW_AFTER = 4, 2
SAME_CONTEXT = 0.5  # shared context words / the smaller context (at least two shared)
_CLAUSE = re.compile(r"[,;:()\[\]]|[.!?]\s|\b(?:and|but|while|whereas)\b")


@dataclass(frozen=True)
class Mention:
    """One number in one event's text, with its exact span in the source."""

    event: int  # index of the event it was read from
    value: float
    shown: str  # as written ("1,200", "3.5 million")
    start: int  # absolute offsets in the source text
    end: int
    unit: str | None
    context: frozenset[str]


def _stem(word: str) -> str:
    w = word.lower().strip("'-")
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def _content(words: list[str]) -> list[str]:
    return [_stem(w) for w in words if w.lower() not in _STOP and len(w) > 2]


def mentions(event: int, text: str, offset: int) -> list[Mention]:
    """Figures in ``text`` (which starts at ``offset`` in its source)."""
    out: list[Mention] = []
    for m in _NUMBER.finditer(text):
        digits, scale = m.group(1), m.group(2)
        value = float(digits.replace(",", "")) * MULTIPLIER.get((scale or "").lower(), 1.0)
        before = _WORD.findall(_CLAUSE.split(text[max(0, m.start() - 80):m.start()])[-1])
        after = _WORD.findall(_CLAUSE.split(text[m.end():m.end() + 60])[0])
        if not scale and re.fullmatch(r"(?:1[89]|20)\d\d", digits):
            continue  # a year
        if (before and _MONTH.match(before[-1])) or (after and _MONTH.match(after[0])) \
                or text[m.end():m.end() + 2] in ("th", "st", "nd", "rd"):
            continue  # a day of the month
        ctx_after = _content(after[:WINDOW_AFTER + 2])[:WINDOW_AFTER]
        ctx = frozenset(_content(before)[-WINDOW_BEFORE:] + ctx_after)
        if not ctx:
            continue
        unit = _stem(after[0]) if after and after[0].lower() not in _STOP else None
        out.append(Mention(event, value, m.group(0), offset + m.start(), offset + m.end(), unit, ctx))
    return out


def _same(a: Mention, b: Mention) -> bool:
    if a.unit and a.unit == b.unit:
        return True
    shared = len(a.context & b.context)
    return shared >= 2 and shared / min(len(a.context), len(b.context)) >= SAME_CONTEXT


def same_quantity(ms: list[Mention]) -> list[list[Mention]]:
    """Groups of mentions of one quantity from at least two events with at least two values."""
    parent = list(range(len(ms)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ms)):
        for j in range(i + 1, len(ms)):
            if ms[i].event != ms[j].event and _same(ms[i], ms[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Mention]] = {}
    for i, m in enumerate(ms):
        groups.setdefault(root(i), []).append(m)
    return [g for g in groups.values()
            if len({m.event for m in g}) >= 2 and len({m.value for m in g}) >= 2]


def label(group: list[Mention]) -> str:
    """The context word most mentions share: what the figure counts."""
    counts: dict[str, int] = {}
    for m in group:
        for w in m.context:
            counts[w] = counts.get(w, 0) + 1
    units = [m.unit for m in group if m.unit]
    best = max(sorted(counts), key=lambda w: (counts[w], w in units))
    return best
