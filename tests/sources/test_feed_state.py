"""Feed bookkeeping without the model: new entries only, changed ones rewritten in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import RagError
from rag.sources.feeds import add_feed, list_feeds, remove_feed, update_feeds
from tests.sources.server import atom, news_site, page, serve


def test_updates_fetch_new_and_changed_entries_only(tmp_path: Path) -> None:
    s = Settings.load(data_dir=tmp_path / "data", index_dir=tmp_path / "index", fetch_allow="127.0.0.1")
    with serve() as site:
        news_site(site)
        assert add_feed(s, site.url("/atom")) == "Coast Times"
        first = update_feeds(s)
        assert len(first.added) == 2 and not first.updated and not first.errors
        for rel in first.added:
            line = json.loads((s.paths.data_dir / rel).read_text())
            assert line["url"].startswith(site.base) and line["date"] == "2017-03-16"
        data = s.paths.data_dir
        assert {json.loads((data / r).read_text())["date_source"] for r in first.added} == {"feed", "metadata"}

        site.hits.clear()
        again = update_feeds(s)
        assert (again.added, again.updated, again.unchanged) == ([], [], 2) and site.hits == ["/atom"]

        # an entry whose feed item changed but whose page did not: fetched, nothing rewritten
        site.set("/atom", "application/atom+xml", atom(site.base, [
            ("Valmora mourns (updated)", "/2017/03/16/valmora-toll", "2017-03-16T12:00:00Z"),
            ("Markets steady", "/unrelated/markets", "2017-03-16T09:00:00Z")]))
        same = update_feeds(s)
        assert (same.added, same.updated, same.unchanged) == ([], [], 2)
        # the page changed too: the same file is rewritten
        site.set("/2017/03/16/valmora-toll", "text/html", page(
            "Valmora mourns its dead", "Coast Times", ["Officials now say 120 people were killed in Valmora."]))
        site.set("/atom", "application/atom+xml", atom(site.base, [
            ("Valmora mourns (corrected)", "/2017/03/16/valmora-toll", "2017-03-16T13:00:00Z")]))
        changed = update_feeds(s)
        assert changed.updated and not changed.added
        assert "120 people" in (s.paths.data_dir / changed.updated[0]).read_text()
        assert len(list((s.paths.data_dir / "web").rglob("*.jsonl"))) == 2

        assert [f["url"] for f in list_feeds(s.paths.data_dir)] == [site.url("/atom")]
        with pytest.raises(RagError, match="not an RSS or Atom feed"):
            add_feed(s, site.url("/river/first-report"))
        remove_feed(s.paths.data_dir, site.url("/atom"))
        assert list_feeds(s.paths.data_dir) == []
        with pytest.raises(RagError, match="not a followed feed"):
            remove_feed(s.paths.data_dir, site.url("/atom"))
