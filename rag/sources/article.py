"""A fetched page → a cleaned article with its metadata, saved as one JSONL line in the data folder.

Why JSONL: the loader already reads it (``title``, ``text``, ``url``, ``date``, ``outlet``), the
index stores the text so citations' spans point into exactly this text, and the source URL
and the date's provenance travel with the article. One file per article, named from its URL,
so fetching the same URL again updates the file instead of adding a second copy.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rag.clean.dating import date_from_url
from rag.clean.metadata import extract_metadata, metadata_from_html
from rag.dates import BadDate, stated_date
from rag.errors import RagError
from rag.load.decode import normalize_newlines
from rag.load.formats import paragraph_spans
from rag.util import sha256_text, write_atomic

WEB_FOLDER = "web"  # under the data folder


@dataclass(frozen=True)
class Article:
    title: str | None
    text: str
    url: str
    date: str | None
    date_source: str
    outlet: str | None
    author: str | None

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, the fragment dropped: one article, one key."""
    p = urlsplit(url.strip())
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, ""))


def extract_article(html: str, url: str, feed_date: str | None = None) -> Article:
    """Main text and metadata; the date from the page, else the feed, else the URL path."""
    import trafilatura

    # deduplicate=False: trafilatura's dedup cache lives for the process, so a page fetched again
    # (a feed update, a second "Add from URL") would come back empty
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                               favor_recall=True, deduplicate=False) or ""
    text = normalize_newlines(text).strip()
    if not text:
        raise RagError(f"{url}: no article text found on the page")
    meta = metadata_from_html(html)
    stated = extract_metadata(text, paragraph_spans(text))
    date, source = meta.date, "metadata"
    if not date and stated.date:
        date, source = stated.date, "stated"
    for fallback, name in ((feed_date, "feed"), (date_from_url(url), "url")):
        if not date and fallback:
            date, source = fallback, name
    outlet = meta.outlet or urlsplit(url).hostname
    return Article(meta.title or stated.title, text, url, date, source if date else "unknown",
                   outlet, meta.author or stated.author)


def feed_entry_date(value: str | None) -> str | None:
    try:
        return stated_date(value)
    except BadDate:
        return None


def article_path(data_dir: Path, url: str) -> Path:
    """data/web/<host>/<slug>-<hash>.jsonl, stable for a URL."""
    p = urlsplit(url)
    host = re.sub(r"[^a-z0-9.-]+", "-", (p.hostname or "site").lower()).strip(".-") or "site"
    if p.port:
        host = f"{host}-{p.port}"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", p.path.rsplit("/", 2)[-1] or p.path).strip("-")[:60] or "index"
    return data_dir / WEB_FOLDER / host / f"{slug}-{sha256_text(url)[:10]}.jsonl"


def save_article(data_dir: Path, article: Article) -> tuple[Path, str]:
    """Write the article (atomically); returns its path and "added", "updated" or "unchanged"."""
    target = article_path(data_dir, article.url)
    content = article.line() + "\n"
    if target.is_file():
        if target.read_text(encoding="utf-8") == content:
            return target, "unchanged"
        state = "updated"
    else:
        state = "added"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, content.encode("utf-8"))
    return target, state
