"""Fetching is safe: http(s) only, loopback refused unless allowed, bounded size and redirects."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import FetchConfig, Settings
from rag.sources.article import extract_article
from rag.sources.fetch import FetchError, fetch
from tests.sources.server import articles, serve


def _settings(tmp_path: Path, allow: str = "127.0.0.1", max_mb: int | None = None) -> FetchConfig:
    return Settings.load(data_dir=tmp_path / "data", index_dir=tmp_path / "index", fetch_allow=allow,
                         fetch_max_mb=max_mb).fetch


def test_loopback_is_refused_unless_allowed(tmp_path: Path) -> None:
    with serve() as site:
        site.set("/a", "text/html", b"<p>hi</p>")
        with pytest.raises(FetchError, match="private or loopback"):
            fetch(site.url("/a"), _settings(tmp_path, allow=""))
        assert site.hits == []  # refused before connecting
        assert fetch(site.url("/a"), _settings(tmp_path)).body == b"<p>hi</p>"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "http://"])
def test_only_http_and_https(tmp_path: Path, url: str) -> None:
    with pytest.raises(FetchError):
        fetch(url, _settings(tmp_path))


def test_redirects_are_checked_and_bounded(tmp_path: Path) -> None:
    with serve() as site:
        site.set("/ok", "text/html", b"<p>landed</p>")
        site.set("/hop", "text/html", b"", status=302, Location="/ok")
        got = fetch(site.url("/hop"), _settings(tmp_path))
        assert got.body == b"<p>landed</p>" and got.final_url == site.url("/ok")
        # a redirect to another loopback address that is not allowed is refused
        site.set("/away", "text/html", b"", status=302, Location="http://127.0.0.2:9/x")
        with pytest.raises(FetchError, match="private or loopback"):
            fetch(site.url("/away"), _settings(tmp_path))
        site.set("/loop", "text/html", b"", status=302, Location="/loop")
        with pytest.raises(FetchError, match="redirects"):
            fetch(site.url("/loop"), _settings(tmp_path))


def test_size_limit_and_http_errors(tmp_path: Path) -> None:
    with serve() as site:
        site.set("/big", "text/html", b"x" * (1024 * 1024 + 10))
        with pytest.raises(FetchError, match="limit"):
            fetch(site.url("/big"), _settings(tmp_path, max_mb=1))
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch(site.url("/missing"), _settings(tmp_path))


def test_article_metadata_and_date_provenance() -> None:
    pages = articles()
    html = pages["/river/first-report"][1].decode()
    a = extract_article(html, "http://127.0.0.1:1/river/first-report")
    assert a.title == "Floods hit Valmora after the dam burst" and a.outlet == "Valmora Herald"
    assert (a.date, a.date_source) == ("2017-03-14", "metadata")
    assert "at least 65 people were killed" in a.text and "Home" not in a.text
    b = extract_article(pages["/river/toll-rises"][1].decode(), "http://127.0.0.1:1/river/toll-rises",
                        feed_date="2017-03-15")
    assert (b.date, b.date_source) == ("2017-03-15", "feed")
    c = extract_article(pages["/2017/03/16/valmora-toll"][1].decode(), "http://127.0.0.1:1/2017/03/16/valmora-toll")
    assert (c.date, c.date_source) == ("2017-03-16", "url")


def test_the_same_page_extracts_again_in_one_process() -> None:
    """trafilatura's process-wide dedup cache must not empty a page fetched a second time."""
    html = articles()["/river/toll-rises"][1].decode()
    texts = {extract_article(html, "http://127.0.0.1:1/river/toll-rises").text for _ in range(8)}
    assert len(texts) == 1 and "rose to 72" in texts.pop()


def test_html_files_load_again_in_one_process() -> None:
    """The app re-reads HTML files on every rebuild: the same file must keep its text."""
    from rag.load.formats import extract

    raw = articles()["/river/first-report"][1]
    texts = {extract("page.html", raw)[0][0].text for _ in range(8)}
    assert len(texts) == 1 and "at least 65 people" in texts.pop()
