"""The app's news handlers, called directly against a local site: messages, never raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ui.news import News, timeline_html
from rag.ui.render import link
from rag.ui.web import App
from tests.sources.server import news_site, serve

pytestmark = pytest.mark.slow


def test_add_from_url_feeds_and_timeline_in_the_app(tmp_path: Path, fresh_index: Path) -> None:
    s = Settings.load(data_dir=tmp_path / "data", index_dir=fresh_index, fetch_allow="127.0.0.1")
    app = App(s)
    news = News(app)
    with serve() as site:
        news_site(site)
        msg, *_rest, cleared = news.add_url(site.url("/river/first-report"))
        assert "error" not in msg and "Add from URL" in msg and cleared == ""
        msg, *_ = news.add_url("ftp://example.com/x")
        assert 'role="alert"' in msg and "http://" in msg

        out = news.feed_add(site.url("/atom"))
        assert "error" not in out[0], out[0]
        assert out[-1][0][0] == site.url("/atom") and out[-1][0][2] == 2  # the feeds table
        out = news.feed_add(site.url("/nowhere"))
        assert 'role="alert"' in out[0]

        reply = json.loads(app.api_search("Valmora floods", k=5, since="March 16, 2017"))
        assert reply["results"] and {r["date"] for r in reply["results"]} == {"2017-03-16"}
        assert all(r["url"].startswith(site.base) for r in reply["results"])

        html = news.timeline_ui("how many people were killed in the Valmora floods?", "", "")
        assert html.index("14 March 2017") < html.index("16 March 2017")
        assert "65 (Valmora Herald, 14 Mar) → 113 (Coast Times, 16 Mar)" in html.replace("&gt;", ">")
        assert 'role="alert"' in news.timeline_ui("Valmora", "2024-02-30", "")

        out = news.feed_remove(site.url("/atom"))
        assert "No longer following" in out[0] and out[-1] == []


def test_links_only_for_web_addresses() -> None:
    assert link("javascript:alert(1)", "x") == "x"
    html = link('https://a.example/?q=<b>"', "<i>x</i>")
    assert "<b>" not in html and "<i>" not in html and '?q=&lt;b&gt;&quot;"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "No passages" in timeline_html(type("T", (), {"events": [], "answerable": False, "figures": []})())
