"""Where an article's publication date came from, and the fallbacks when the page states none.

Why provenance: a date read from the page and a date guessed from a URL are not equally
trustworthy, and a reader (or the timeline) should be able to tell them apart. The order is
the page's own text or metadata first, then the feed, then the URL path, then the file name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from rag.records import Metadata, source_file

# stated: a dateline in the article text; metadata: the page's markup or a JSONL "date";
# feed: the RSS/Atom entry; url: /2017/03/13/ in the address; filename: 2017-03-13_... .
DATE_SOURCES = ("stated", "metadata", "feed", "url", "filename", "unknown")

_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/._-]|$)")
_NAME_DATE = re.compile(r"(?:^|[/_-])((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?=[_. -])")


def _real(y: str, m: str, d: str) -> str | None:
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def date_from_url(url: str | None) -> str | None:
    """A /YYYY/MM/DD/ path in an article address (news sites often put the date there)."""
    m = _URL_DATE.search(url or "")
    return _real(*m.groups()) if m else None


def date_from_filename(path: str) -> str | None:
    """A file name that starts with (or contains, after a separator) 2017-03-13_ or 20170313-."""
    name = source_file(path).rsplit("/", 1)[-1]
    m = _NAME_DATE.search(name)
    return _real(*m.groups()) if m else None


def with_date_provenance(meta: Metadata, path: str, stated_by: str = "stated") -> Metadata:
    """``meta`` with ``date_source`` set: ``stated_by`` when it has a date, else the first fallback."""
    if meta.date:
        return meta if meta.date_source in DATE_SOURCES else replace(meta, date_source=stated_by)
    for source, found in (("url", date_from_url(meta.url)), ("filename", date_from_filename(path))):
        if found:
            return replace(meta, date=found, date_source=source)
    return replace(meta, date_source="unknown")
