"""What a page states about itself: title, author, date, outlet.

Why only from what the page says: citations show these fields to a reader, so a guess (a date
from a teaser's "2 hours ago", an outlet from a "Support UP" plea) would be worse than ``None``.
Plain-text pages are read line by line outside the body spans — headline, byline, dateline,
author bio, publisher disclaimer, copyright line — with general patterns; HTML pages go through
trafilatura's metadata extraction.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate

from rag.clean.lines import (
    DATE_RE,
    ORG_PATTERN,
    SENTENCE_END,
    Span,
    bio_match,
    byline_name,
    is_dateline,
    looks_like_headline,
    split_lines,
)
from rag.dates import BadDate, stated_date
from rag.records import Metadata

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_STATED_DATE = re.compile(r"^(?:published|posted|updated|date|first published)\b", re.I)
_ABBR = r"(?:\s*\([A-Z0-9.&]{2,12}\))?"
_DISCLAIMER = re.compile(r"\bnecessarily\b|\bdisclaimer\b|\bviews expressed\b", re.I)
_OUTLET_PATTERNS = (
    # "... do not necessarily reflect the opinion of the Example Times (ET) news website"
    re.compile(
        rf"\b(?:opinions?|views?|positions?|polic(?:y|ies))\s+of\s+(?:the\s+)?(?P<org>{ORG_PATTERN}){_ABBR}"
        r"(?=\s+(?:news\s+)?(?:website|web\s?site|site|newspaper|agency|portal|magazine|network|outlet)\b"
        r"|\s*[.,;]|\s*$)"
    ),
    # "© 2024 Example Times. All rights reserved." / "Copyright 2024 Example Times"
    re.compile(
        r"(?:©|\((?i:c)\)|\b(?i:copyright)\b)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s+)?"
        rf"(?:the\s+)?(?P<org>{ORG_PATTERN})"
    ),
    # "This article was originally published on Example.com"
    re.compile(rf"\boriginally (?:published|appeared) (?:on|in|at|by) (?:the\s+)?(?P<org>{ORG_PATTERN})"),
)


def _clean(value: str | None) -> str | None:
    """Collapse whitespace and strip trailing punctuation; empty becomes None."""
    if not value:
        return None
    value = re.sub(r"\s+", " ", value).strip(" \t.,;:|-–—")
    return value or None


def iso_date(s: str) -> str | None:
    """The first real calendar date stated in ``s`` as YYYY-MM-DD, or None."""
    for m in DATE_RE.finditer(s):
        g = m.groupdict()
        try:
            if g["y3"]:
                year, month, day = int(g["y3"]), int(g["m3"]), int(g["d3"])
            else:
                name = (g["m1"] or g["m2"]).lower()  # "May", "Sept", "December"; not "Mayor"
                month = next(i for i, full in enumerate(_MONTHS, 1) if full.startswith(name))
                year, day = int(g["y1"] or g["y2"]), int(g["d1"] or g["d2"])
            return dt.date(year, month, day).isoformat()
        except (ValueError, StopIteration):
            continue
    return None


def _in_body(spans: list[Span]) -> Callable[[int, int], bool]:
    """Whether ``[a, b)`` overlaps a body span, by bisection (pages can have many lines)."""
    spans = sorted(spans)
    starts, ends = [s for s, _ in spans], list(accumulate((e for _, e in spans), max))

    def overlaps(a: int, b: int) -> bool:
        i = bisect_left(starts, b) - 1  # the last span that starts before the line ends
        return i >= 0 and ends[i] > a

    return overlaps


def _title(text: str, lines: list[Span], in_body: Callable[[int, int], bool]) -> str | None:
    """The first headline-shaped line before the first body sentence."""
    for a, b in lines:
        s = text[a:b]
        if in_body(a, b) and (SENTENCE_END.search(s) or len(s) > 200):
            return None
        if looks_like_headline(s):
            return _clean(s)
    return None


def _author(texts: list[str]) -> str | None:
    """A byline ("Author: X", "By X") wins; an author bio ("X is the editor of Y") is next."""
    for s in texts:
        name = byline_name(s)
        if name:
            return _clean(name)
    for s in texts:
        m = bio_match(s)
        if m:
            return _clean(m.group("name"))
    return None


def _date(texts: list[str]) -> str | None:
    """A dateline ("Saturday, 25 May 2024, 01:45") or a "Published: ..." line."""
    for s in texts:
        if is_dateline(s) or (_STATED_DATE.match(s) and len(s) <= 120):
            found = iso_date(s)
            if found:
                return found
    return None


def _outlet(texts: list[str]) -> str | None:
    """The publisher named in a bio, a disclaimer, a copyright line or a syndication note."""
    found = [bio_match(s) for s in texts]
    for k, pattern in enumerate(_OUTLET_PATTERNS):
        found += [pattern.search(s) if k or _DISCLAIMER.search(s) else None for s in texts]
    for m in found:
        org = re.split(r"[.!?]\s", m.group("org"))[0] if m else ""  # the name ends with its sentence
        if org and not re.match(r"(?:All|Rights|Reserved)\b", org):
            return _clean(org)
    return None


def extract_metadata(text: str, spans: list[tuple[int, int]]) -> Metadata:
    """Title, author, date and outlet as the plain-text page states them (``None`` otherwise)."""
    lines, in_body = split_lines(text), _in_body(spans)
    outside = [text[a:b] for a, b in lines if not in_body(a, b)]
    return Metadata(
        title=_title(text, lines, in_body),
        author=_author(outside),
        date=_date(outside),
        outlet=_outlet(outside),
    )  # date_source is set by rag.clean.dating.with_date_provenance (stated when found)


def metadata_from_html(html: str) -> Metadata:
    """Title, author, date and site name via trafilatura; an empty ``Metadata`` if it fails."""
    try:
        from trafilatura import extract_metadata as trafilatura_metadata

        doc = trafilatura_metadata(html, date_config={"extensive_search": False, "original_date": True})
    except Exception:  # trafilatura raises assorted errors on broken markup; metadata is optional
        return Metadata()
    if doc is None:
        return Metadata()
    try:  # the one date parser: a calendar date or nothing
        date = stated_date(_clean(getattr(doc, "date", None)))
    except BadDate:
        date = None
    url = _clean(getattr(doc, "url", None))
    return Metadata(
        title=_clean(getattr(doc, "title", None)),
        author=_clean(getattr(doc, "author", None)),
        date=date,
        outlet=_clean(getattr(doc, "sitename", None)),
        url=url if url and url.startswith(("http://", "https://")) else None,
        date_source="metadata" if date else None,
    )
