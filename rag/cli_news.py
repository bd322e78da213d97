"""The news commands: `rag add URL`, `rag feed add|list|remove|update`, `rag timeline`.

Registered on the main app from rag/cli.py. Exit codes (cron-friendly): 0 done (even if
nothing was new), 1 something could not be fetched or indexed (the rest was still done),
2 a bad option or date.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from rag.config import SearchConfig, Settings
from rag.dates import now_date, query_filters
from rag.errors import RagError

if TYPE_CHECKING:
    from rag.answer.pipeline import Searcher
    from rag.answer.timeline import Timeline
    from rag.records import Response
    from rag.stores.base import Filters

feed_app = typer.Typer(no_args_is_help=True, help="Follow RSS and Atom feeds: add, list, remove, update.")


def date_filters(outlet: list[str] | None, file: list[str] | None, since: str | None,
                 until: str | None, now: str | None = None) -> Filters:
    """The query filters of the CLI (bad dates: exit 2)."""
    return query_filters(outlet, file, since, until, now)


def prefer_recent(searcher: Searcher, question: str, config: SearchConfig, filters: Filters,
                  half_life: float | None, now: str | None) -> Response:
    from rag.answer.recency import recent_search

    return recent_search(searcher, question, config, filters, half_life, now_date(now))


def split_urls(items: list[str]) -> tuple[list[str], list[Path]]:
    """Anything with a scheme (``x://``) is a URL (the fetcher refuses all but http/https)."""
    import re

    url = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
    return [i for i in items if url.match(i)], [Path(i) for i in items if not url.match(i)]


def fetch_urls(settings: Settings, urls: list[str]) -> list[Path]:
    """Fetch and save each URL; the first failure stops the command before indexing (pages saved
    before it stay in the data folder and are indexed by the next `rag index`)."""
    from rag.sources.feeds import fetch_url_article

    placed = []
    for url in urls:
        path, what = fetch_url_article(settings, url)
        print(f"{what}: {url} -> {path.relative_to(settings.paths.data_dir).as_posix()}", file=sys.stderr)
        placed.append(path)
    return placed


def _settings(**kw: Any) -> Settings:
    return Settings.load(**{k: v for k, v in kw.items() if v is not None})


DataOpt = Annotated[Optional[Path], typer.Option("--data", help="Article folder [RAG_DATA].")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder [RAG_INDEX].")]


@feed_app.command("add")
def feed_add(url: Annotated[str, typer.Argument(help="RSS or Atom feed URL.")], data: DataOpt = None,
             index: IndexOpt = None,
             no_update: Annotated[bool, typer.Option("--no-update", help="Only follow it.")] = False) -> None:
    """Follow a feed and fetch its articles now."""
    from rag.sources.feeds import add_feed

    s = _settings(data_dir=data, index_dir=index)
    title = add_feed(s, url)
    print(f"following: {title} ({url})")
    if not no_update:
        _update(s, [url])


@feed_app.command("list")
def feed_list(data: DataOpt = None,
              as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The followed feeds, with how many articles each brought and when it was last updated."""
    from rag.sources.feeds import list_feeds

    feeds = list_feeds(_settings(data_dir=data).paths.data_dir)
    if as_json:
        print(json.dumps(feeds))
        return
    if not feeds:
        print("no feeds (add one with `rag feed add URL`)")
    for f in feeds:
        print(f"{f['url']}  {f['title']}  ({f['items']} articles, updated {f['updated'] or 'never'})")


@feed_app.command("remove")
def feed_remove(url: Annotated[str, typer.Argument(help="A followed feed URL.")], data: DataOpt = None) -> None:
    """Stop following a feed; its articles stay indexed (`rag remove` drops them)."""
    from rag.sources.feeds import remove_feed

    remove_feed(_settings(data_dir=data).paths.data_dir, url)
    print(f"no longer following {url}")


@feed_app.command("update")
def feed_update(url: Annotated[Optional[list[str]], typer.Argument(help="Only these feeds.")] = None,
                data: DataOpt = None, index: IndexOpt = None) -> None:
    """Fetch new and changed articles of every followed feed and index them."""
    _update(_settings(data_dir=data, index_dir=index), url or None)


def _update(s: Settings, only: list[str] | None) -> None:
    from rag.sources.feeds import update_feeds

    report = update_feeds(s, only)
    for e in report.errors:
        print(f"warning: {e}", file=sys.stderr)
    for p in report.added:
        print(f"added: {p}")
    for p in report.updated:
        print(f"updated: {p}")
    print(f"feeds: {len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
          f"{len(report.errors)} failed")
    if report.changed_paths():
        _RUN_BUILD[0](s.with_(quiet=True), False, paths=[s.paths.data_dir / p for p in report.changed_paths()])
    if report.errors:  # after indexing what did arrive; cron sees exit 1
        raise RagError(f"{len(report.errors)} feed or article fetch(es) failed (see the warnings above)")


def timeline(question: Annotated[str, typer.Argument(help="The question.")],
             k: Annotated[int, typer.Option("-k", help="Passages to consider (1-100).")] = 20,
             since: Annotated[Optional[str], typer.Option(help="Published on or after.")] = None,
             until: Annotated[Optional[str], typer.Option(help="Published on or before.")] = None,
             now: Annotated[Optional[str], typer.Option(help="Today, for relative dates.")] = None,
             outlet: Annotated[Optional[list[str]], typer.Option(help="Only these outlets.")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
             data: DataOpt = None, index: IndexOpt = None) -> None:
    """How the story developed: answering passages by day, oldest first, with differing figures."""
    from rag.answer.pipeline import Searcher
    from rag.answer.timeline import build_timeline

    s = _settings(data_dir=data, index_dir=index, top_k=k)
    tl = build_timeline(Searcher(s), question, k=s.search.top_k, filters=date_filters(outlet, None, since, until, now))
    if as_json:
        print(json.dumps(tl.to_dict(), ensure_ascii=False))
    else:
        print_timeline(tl)


def print_timeline(tl: Timeline) -> None:
    """Day headings, then each event: outlet, exact span, URL, and where else it was reported."""
    from rag.ui.terminal import format_date

    if not tl.events:
        print("No passages found.")
        return
    if not tl.answerable:
        print("Nothing in the indexed articles answers this clearly; the closest passages:\n")
    day: str | None = "-"
    for e in tl.events:
        if e.date != day:
            day = e.date
            print(f"\n{format_date(day) or 'Undated'}")
        who = e.outlet or e.title
        print(f"  - {_plain(e.text)}")
        print(f"    {_plain(who)} ({e.path}:{e.start}-{e.end}){'  ' + _plain(e.url) if e.url else ''}")
        if e.also_in:
            outlets = sorted({a["outlet"] or a["path"] for a in e.also_in})
            print(f"    also in {len(e.also_in)} more report(s): {_plain(', '.join(outlets))}")
    if tl.figures:
        print("\nFigures that differ between reports:")
        for f in tl.figures:
            print(f"  {_plain(f.what)}: {_plain(f.text)}")


def _plain(text: str) -> str:
    """One line, no control characters (article text must not drive the terminal)."""
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(text.split()))


_RUN_BUILD: list[Callable[..., None]] = []


def register(app: typer.Typer, run_build: Callable[..., None]) -> None:
    """Add the news commands to the main app; ``run_build`` is its build-and-report step."""
    _RUN_BUILD[:] = [run_build]
    app.add_typer(feed_app, name="feed")
    app.command("timeline")(timeline)
