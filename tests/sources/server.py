"""A local news site for tests: HTML articles, an RSS and an Atom feed, served on 127.0.0.1.

The pages are made up (a flood in an invented town) so that outlets disagree about a figure
over three days; routes can be changed while the server runs, to test updates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FILLER = {
    "Valmora Herald": "Rescue teams worked through the night to reach villages cut off by the water.",
    "River Post": "Roads along the river stayed closed while the army brought boats from the coast.",
    "Coast Times": "Schools and sports halls became shelters for families who had left their homes.",
}


def page(title: str, outlet: str, paragraphs: list[str], meta_date: str | None = None) -> bytes:
    meta = f'<meta property="article:published_time" content="{meta_date}">' if meta_date else ""
    body = "".join(f"<p>{p}</p>" for p in [*paragraphs, FILLER[outlet]])
    return (f"<!doctype html><html><head><title>{title}</title>{meta}"
            f'<meta property="og:site_name" content="{outlet}"></head><body>'
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Copyright {outlet}</footer>"
            "</body></html>").encode()


def articles() -> dict[str, tuple[str, bytes]]:
    html = "text/html; charset=utf-8"
    return {
        "/river/first-report": (html, page(
            "Floods hit Valmora after the dam burst", "Valmora Herald",
            ["Floods swept through Valmora on Tuesday after the old dam burst in heavy rain.",
             "Officials said at least 65 people were killed in the floods, and hundreds are missing."],
            "2017-03-14")),
        "/river/toll-rises": (html, page(
            "Valmora flood toll rises", "River Post",
            ["The number of people killed in the Valmora floods rose to 72 on Wednesday, officials said.",
             "Engineers warned that a second dam upstream could also fail if the rain continued."])),
        "/2017/03/16/valmora-toll": (html, page(
            "Valmora mourns its dead", "Coast Times",
            ["Officials now say 113 people were killed in the Valmora floods, the worst in its history.",
             "The government declared three days of mourning and promised to rebuild the old dam."])),
        "/unrelated/markets": (html, page(
            "Markets steady as bond yields ease", "Coast Times",
            ["Stock markets were steady on Thursday as bond yields eased and investors waited for data.",
             "Analysts expect the central bank to keep interest rates unchanged at its next meeting."],
            "2017-03-16")),
    }


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>{base}{path}</link><pubDate>{d}</pubDate>"
                      f"<description>{t}</description></item>" for t, path, d in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>River Post</title>'
            f"<link>{base}/</link><description>news</description>{entries}</channel></rss>").encode()


def atom(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<entry><title>{t}</title><link href='{base}{path}'/><id>{base}{path}</id>"
                      f"<updated>{d}</updated><summary>{t}</summary></entry>" for t, path, d in items)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Coast Times</title><id>{base}/atom</id><updated>2017-03-16T10:00:00Z</updated>"
            f"{entries}</feed>").encode()


class Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        host, port = server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.hits: list[str] = []

    def set(self, path: str, content_type: str, body: bytes, status: int = 200, **headers: str) -> None:
        self.routes[path] = (status, content_type, body, headers)

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serve() -> Iterator[Site]:
    site: Site

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(self.path)
            status, ctype, body, headers = site.routes.get(self.path, (404, "text/plain", b"not found", {}))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site = Site(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def news_site(site: Site) -> None:
    """The articles, plus /rss (two reports) and /atom (the third and an unrelated one)."""
    for path, (ctype, body) in articles().items():
        site.set(path, ctype, body)
    site.set("/rss", "application/rss+xml", rss(site.base, [
        ("Floods hit Valmora", "/river/first-report", "Tue, 14 Mar 2017 09:00:00 GMT"),
        ("Valmora flood toll rises", "/river/toll-rises", "Wed, 15 Mar 2017 18:00:00 GMT")]))
    site.set("/atom", "application/atom+xml", atom(site.base, [
        ("Valmora mourns", "/2017/03/16/valmora-toll", "2017-03-16T08:00:00Z"),
        ("Markets steady", "/unrelated/markets", "2017-03-16T09:00:00Z")]))
