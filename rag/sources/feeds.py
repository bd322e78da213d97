"""RSS and Atom feeds followed by the data folder: add, list, remove, update.

State lives in ``<data>/.feeds.json`` (hidden, so it is never indexed) and travels with the
articles. An update fetches only entries it has not seen, or whose feed entry changed (by URL
and a hash of the entry); a page whose text changed rewrites the same file, so an article is
updated, never duplicated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from rag.config import FetchConfig, Settings
from rag.errors import RagError
from rag.sources.article import extract_article, feed_entry_date, normalize_url, save_article
from rag.sources.fetch import FetchError, check_url, fetch
from rag.util import sha256_text, write_atomic

STATE_FILE = ".feeds.json"
FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.8,*/*;q=0.1"


@dataclass
class FeedReport:
    """What one update did; ``errors`` are one line each (the command exits 1 if any)."""

    added: list[str] = field(default_factory=list)  # data-relative paths
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def changed_paths(self) -> list[str]:
        return self.added + self.updated


def fetch_url_article(settings: Settings, url: str, feed_date: str | None = None) -> tuple[Path, str]:
    """Fetch, extract and save one article; returns its file and added/updated/unchanged."""
    got = fetch(check_url(url, settings.fetch), settings.fetch)
    if "html" not in got.content_type.lower() and not got.body.lstrip()[:1] == b"<":
        raise FetchError(f"{url}: not an HTML page ({got.content_type or 'no content type'})")
    article = extract_article(got.text(), normalize_url(url), feed_date)
    return save_article(settings.paths.data_dir, article)


@contextmanager
def _state(data_dir: Path) -> Iterator[dict[str, Any]]:
    """The feed state, locked for the whole update and written back atomically."""
    from filelock import FileLock

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / STATE_FILE
    with FileLock(str(data_dir / f"{STATE_FILE}.lock"), timeout=600):
        try:
            state = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, ValueError) as exc:
            raise RagError(f"{path} is damaged ({exc}); fix or delete it") from None
        state.setdefault("feeds", {})
        yield state
        write_atomic(path, json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def list_feeds(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / STATE_FILE
    if not path.is_file():
        return []
    feeds = json.loads(path.read_text(encoding="utf-8")).get("feeds", {})
    return [{"url": u, "title": f.get("title"), "items": len(f.get("items", {})),
             "updated": f.get("updated")} for u, f in sorted(feeds.items())]


def add_feed(settings: Settings, url: str) -> str:
    """Follow a feed (it is fetched and parsed first, so a wrong URL is refused now)."""
    url = normalize_url(url)
    parsed = _parse(url, settings.fetch)
    title = str(parsed.feed.get("title") or url)
    with _state(settings.paths.data_dir) as state:
        state["feeds"].setdefault(url, {"items": {}})["title"] = title
    return title


def remove_feed(data_dir: Path, url: str) -> None:
    """Stop following a feed; the articles it brought stay (remove them with `rag remove`)."""
    with _state(data_dir) as state:
        if state["feeds"].pop(normalize_url(url), None) is None:
            raise RagError(f"not a followed feed: {url} (see `rag feed list`)")


def update_feeds(settings: Settings, only: list[str] | None = None) -> FeedReport:
    """Fetch new or changed entries of every followed feed (or of ``only``)."""
    report = FeedReport()
    with _state(settings.paths.data_dir) as state:
        feeds = state["feeds"]
        targets = [normalize_url(u) for u in only] if only else sorted(feeds)
        for url in targets:
            if url not in feeds:
                raise RagError(f"not a followed feed: {url} (add it with `rag feed add`)")
            try:
                parsed = _parse(url, settings.fetch)
            except RagError as exc:
                report.errors.append(str(exc))
                continue
            _update_one(settings, url, parsed, feeds[url], report)
            feeds[url]["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return report


def _update_one(settings: Settings, url: str, parsed: Any, feed: dict[str, Any], report: FeedReport) -> None:
    items: dict[str, Any] = feed.setdefault("items", {})
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        link = normalize_url(urljoin(url, link))
        digest = _entry_hash(entry)
        known = items.get(link)
        if known and known.get("entry") == digest:
            report.unchanged += 1
            continue
        date = feed_entry_date(entry.get("published") or entry.get("updated"))
        try:
            path, what = fetch_url_article(settings, link, date)
        except RagError as exc:
            report.errors.append(str(exc))
            continue
        rel = path.relative_to(settings.paths.data_dir).as_posix()
        items[link] = {"entry": digest, "path": rel}
        if what == "added":
            report.added.append(rel)
        elif what == "updated":
            report.updated.append(rel)
        else:
            report.unchanged += 1


def _entry_hash(entry: Any) -> str:
    content = [c.get("value", "") for c in entry.get("content", [])]
    parts = [entry.get("title"), entry.get("summary"), content, entry.get("updated"), entry.get("published")]
    return sha256_text(json.dumps(parts, sort_keys=True, default=str))[:24]


def _parse(url: str, config: FetchConfig) -> Any:
    import feedparser

    got = fetch(url, config, accept=FEED_ACCEPT)
    parsed = feedparser.parse(got.body, response_headers={"content-location": got.final_url,
                                                         "content-type": got.content_type})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise RagError(f"{url}: not an RSS or Atom feed")
    return parsed
