"""The one date parser: filters (CLI, app, /search API) and loaders all read dates through here.

Why one place: a date typed in the app, passed to the API or stored in a JSONL file must mean
the same day everywhere, and an impossible date (``2024-13-45``, ``2024-02-30``) must be refused
the same way everywhere instead of silently matching nothing.

ISO dates are read without dateparser (the cold ``rag query`` path stays fast); anything else
("March 14, 2017", "14 Mar", "last week", "since Monday", "yesterday") goes through dateparser,
relative to ``now`` (today unless given). A bare year or month is a range: as a lower bound it
means its first day, as an upper bound its last day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.stores.base import Filters

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.,]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_NUMERIC = re.compile(r"[\d\s\-/.:TZ+]+")
_YEAR = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_LEAD = re.compile(r"^(?:since|from|after|before|until|till|up to|on|as of)\s+", re.I)
_RELATIVE = re.compile(r"\b(?:ago|last|this|next|yesterday|today|tomorrow|now|week|month|year|"
                       r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)


class BadDate(RagError):
    """A date the user typed that is not a real calendar date: a usage error (CLI exit 2)."""

    exit_code = 2


def today() -> dt.date:
    return dt.date.today()


def parse_date(text: str, now: dt.date | None = None, *, end: bool = False, what: str = "date") -> dt.date:
    """The day ``text`` names; ``end`` picks the last day of a bare year or month.

    Raises ``BadDate`` with a one-line message naming ``what`` for anything that is not a date.
    """
    raw = " ".join((text or "").split())
    v = _LEAD.sub("", raw).strip()
    if not v:
        raise BadDate(f"the {what} is empty")
    base = now or today()
    if _NUMERIC.fullmatch(v):
        return _numeric(v, raw, end, what)
    found = _natural(v, base, end)
    if found is None:
        raise BadDate(f"the {what} must look like 2024-05-25 (or 'March 14, 2017', 'last week'), not '{raw}'")
    return found


def parse_bound(text: str | None, now: dt.date | None = None, *, end: bool = False,
                what: str = "date") -> str | None:
    """A filter bound as YYYY-MM-DD, or None when ``text`` is empty."""
    if text is None or not str(text).strip():
        return None
    return parse_date(str(text), now, end=end, what=what).isoformat()


def stated_date(value: object) -> str | None:
    """A date an article states about itself (JSONL ``date``, a feed entry, page metadata).

    Absolute dates only: "yesterday" in a stored file has no day to be relative to. Returns
    YYYY-MM-DD, or None when the value is empty; raises ``BadDate`` when it is not a date.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadDate(f"the date {value!r} is not text")
    v = " ".join(value.split())
    if not v:
        return None
    m = _ISO.fullmatch(v)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]), v, "date").isoformat()
    if _RELATIVE.search(v) or _NUMERIC.fullmatch(v):
        raise BadDate(f"the date '{v}' is not a calendar date")
    found = _natural(v, today(), False, relative=False)
    if found is None:
        raise BadDate(f"the date '{v}' is not a calendar date")
    return found.isoformat()


def _ymd(y: int, m: int, d: int, raw: str, what: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        raise BadDate(f"the {what} '{raw}' is not a real date ({exc}): it must look like 2024-05-25") from None


def _numeric(v: str, raw: str, end: bool, what: str) -> dt.date:
    """ISO forms only: YYYY-MM-DD (with an optional time), YYYY-MM, YYYY; no guessing of d/m order."""
    m = _ISO.fullmatch(v)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]), raw, what)
    m = _YEAR_MONTH.fullmatch(v)
    if m:
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise BadDate(f"the {what} '{raw}' is not a real date (month {mo}): it must look like 2024-05")
        return dt.date(y, mo, calendar.monthrange(y, mo)[1] if end else 1)
    m = _YEAR.fullmatch(v)
    if m and int(m[1]) >= 1:
        return dt.date(int(m[1]), 12, 31) if end else dt.date(int(m[1]), 1, 1)
    raise BadDate(f"the {what} must look like 2024-05-25 (or 'March 14, 2017', 'last week'), not '{raw}'")


def _natural(v: str, base: dt.date, end: bool, relative: bool = True) -> dt.date | None:
    """dateparser, English, past-leaning ("14 Mar" is the last 14 March, "Monday" the last one)."""
    import dateparser

    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time(12)),
        "PREFER_DAY_OF_MONTH": "last" if end else "first",
        "STRICT_PARSING": False,
        "REQUIRE_PARTS": [] if relative else ["year"],
        "RETURN_TIME_AS_PERIOD": False,
    }
    try:
        found = dateparser.parse(v, languages=["en"], settings=settings)  # type: ignore[arg-type]
    except (ValueError, OverflowError, TypeError):
        return None
    if found is None:
        return None
    day = found.date()
    if _month_only(v) and not end:
        day = day.replace(day=1)
    return day


def _month_only(v: str) -> bool:
    """'March 2017' names a month, not a day (no day number besides the year)."""
    return not re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", v) and bool(re.search(r"[A-Za-z]{3}", v)) \
        and bool(re.search(r"\b\d{4}\b", v)) and not _RELATIVE.search(v)


def now_date(now: str | None) -> dt.date:
    """``--now`` (itself ISO or natural language, relative to today) or today."""
    return parse_date(now, today(), what="--now date") if now else today()


def query_filters(outlets: Sequence[str] | None, files: Sequence[str] | None, since: str | None,
                  until: str | None, now: str | None = None,
                  names: tuple[str, str] = ("--since", "--until")) -> Filters:
    """The search filters from what a user typed — the CLI, the app, the /search API and the
    timeline alike — with the bounds read by the one date parser (bad dates: ``BadDate``)."""
    from rag.stores.base import Filters

    base = now_date(now)
    lo = parse_bound(since, base, what=f"{names[0]} date")
    hi = parse_bound(until, base, end=True, what=f"{names[1]} date")
    if lo and hi and lo > hi:
        raise RagError(f"{names[0]} {lo} is after {names[1]} {hi}")
    return Filters(frozenset(outlets or ()), frozenset(files or ()), lo, hi)
