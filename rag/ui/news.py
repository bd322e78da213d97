"""The app's news parts: "Add from URL" and a Feeds panel (Documents tab), and a Timeline tab.

Handlers follow rag.ui.web's rule: every failure is a plain-words message on the page, never
an exception into Gradio; index writes go through ``App._run`` (one writer at a time).
"""

from __future__ import annotations

from html import escape
from typing import Any

from rag.dates import query_filters
from rag.errors import RagError
from rag.ui import render
from rag.ui.terminal import format_date


class News:
    """Handlers for the news components, on top of the app's shared state."""

    def __init__(self, app: Any) -> None:  # rag.ui.web.App (not imported: web imports the layout)
        self.app = app

    # ---- documents tab -------------------------------------------------------------------
    def add_url(self, url: str, progress: Any = None) -> tuple[Any, ...]:
        from rag.sources.feeds import fetch_url_article
        from rag.sources.fetch import is_web_url

        url = (url or "").strip()
        if not is_web_url(url):
            return self.app._refuse("Give the address of a web page (http:// or https://).", 1)

        def go() -> Any:
            path, _ = fetch_url_article(self.app.settings, url)
            return self.app._build(progress, paths=[path])

        return self.app._run("Add from URL", go, clear=("",))

    def feeds(self) -> list[list[Any]]:
        from rag.sources.feeds import list_feeds

        try:
            return [[f["url"], f["title"] or "", f["items"], f["updated"] or "never"]
                    for f in list_feeds(self.app.settings.paths.data_dir)]
        except (OSError, ValueError, RagError):
            return []

    def feed_add(self, url: str, progress: Any = None) -> tuple[Any, ...]:
        from rag.sources.feeds import add_feed

        url = (url or "").strip()
        try:
            add_feed(self.app.settings, url)
        except RagError as exc:
            return (*self.app._refuse(f"Feed: {render.sentence(str(exc))}", 1), self.feeds())
        return self.feed_update(url, progress)

    def feed_remove(self, url: str) -> tuple[Any, ...]:
        from rag.sources.feeds import remove_feed

        try:
            remove_feed(self.app.settings.paths.data_dir, (url or "").strip())
        except RagError as exc:
            return (*self.app._refuse(f"Feed: {render.sentence(str(exc))}", 1), self.feeds())
        return (render.message(f"No longer following {url.strip()}; its articles stay indexed."),
                *self.app.refresh(), "", self.feeds())

    def feed_update(self, url: str | None = None, progress: Any = None) -> tuple[Any, ...]:
        """Fetch new and changed articles of one feed (or all), then index them."""
        from rag.sources.feeds import update_feeds

        errors: list[str] = []

        def go() -> Any:
            report = update_feeds(self.app.settings, [url] if url else None)
            errors.extend(report.errors)
            paths = [self.app.settings.paths.data_dir / p for p in report.changed_paths()]
            return self.app._build(progress, paths=paths)

        out = self.app._run("Feeds", go, clear=("",))
        if errors:
            out = (render.message(f"Feeds: {len(errors)} fetch(es) failed: {'; '.join(errors)[:400]}", error=True),
                   *out[1:])
        return (*out, self.feeds())

    # ---- timeline tab --------------------------------------------------------------------
    def timeline_ui(self, question: str, since: str, until: str) -> str:
        from rag.answer.timeline import build_timeline

        try:
            filters = query_filters(None, None, since, until, names=("'Timeline from'", "'Timeline until'"))
            tl = build_timeline(self.app.searcher, question, filters=filters)
        except RagError as exc:
            return render.message(render.sentence(str(exc)), error=True)
        return timeline_html(tl)


def timeline_html(tl: Any) -> str:
    """Days oldest first, each report with outlet, exact span and link; then differing figures."""
    if not tl.events:
        return render.message("No passages found.")
    parts = []
    if not tl.answerable:
        parts.append(render.message("Nothing in the indexed articles answers this clearly; the closest passages:"))
    day: str | None = "-"
    for e in tl.events:
        if e.date != day:
            day = e.date
            parts.append(f"<h4>{escape(format_date(day) or 'Undated')}</h4>")
        also = ""
        if e.also_in:
            names = ", ".join(sorted({escape(a["outlet"] or a["path"]) for a in e.also_in}))
            also = f'<div class="rag-also">also in {len(e.also_in)} more report(s): {names}</div>'
        src = render.link(e.url, "source page") if e.url else ""
        parts.append(f'<article class="rag-card"><div class="rag-text">{escape(e.text)}</div>'
                     f'<div class="rag-cite citation">{escape(e.outlet or e.title)} · '
                     f"<code>{escape(e.path)}:{e.start}-{e.end}</code> {src}</div>{also}</article>")
    if tl.figures:
        rows = "".join(f"<li><strong>{escape(f.what)}</strong>: {escape(f.text)}</li>" for f in tl.figures)
        parts.append('<div class="rag-answer"><strong>Figures that differ between reports</strong>'
                     f"<ul>{rows}</ul></div>")
    return f'<div id="timeline">{"".join(parts)}</div>'


# ---- components (built inside make_blocks' Documents tab and tab row) ------------------------
def documents_panel(news: News) -> dict[str, Any]:
    """"Add from URL" and the Feeds panel; returns the components for ``wire``."""
    import gradio as gr

    c: dict[str, Any] = {}
    with gr.Accordion("Add from URL", open=True):
        c["url"] = gr.Textbox(label="Web page address", placeholder="https://…", max_lines=1)
        c["url_btn"] = gr.Button("Add from URL", elem_id="url-btn")
        c["url_msg"] = gr.HTML(elem_id="url-msg")
    with gr.Accordion("Feeds", open=False):
        c["feeds"] = gr.Dataframe(news.feeds(), headers=["Feed", "Title", "Articles", "Updated"],
                                  datatype=["str", "str", "number", "str"], label="Followed feeds",
                                  interactive=False, wrap=True, elem_id="feed-table")
        c["feed_url"] = gr.Textbox(label="Feed address (RSS or Atom)", placeholder="https://…/rss", max_lines=1)
        with gr.Row():
            c["feed_add"] = gr.Button("Follow feed", elem_id="feed-add-btn")
            c["feed_remove"] = gr.Button("Stop following", elem_id="feed-remove-btn")
            c["feed_update"] = gr.Button("Update all feeds", elem_id="feed-update-btn")
        c["feed_msg"] = gr.HTML(elem_id="feed-msg")
    return c


def timeline_tab(news: News) -> None:
    """The story over time for a question, with optional date bounds."""
    import gradio as gr

    with gr.Tab("Timeline", id="timeline"):
        with gr.Row(equal_height=True):
            q = gr.Textbox(label="Timeline question", placeholder="e.g. how did the death toll change?",
                           scale=5, max_lines=2)
            since = gr.Textbox(label="Timeline from", placeholder="March 2017, last week", max_lines=1)
            until = gr.Textbox(label="Timeline until", placeholder="2017-03-20, yesterday", max_lines=1)
            go = gr.Button("Show timeline", variant="primary", elem_id="timeline-btn")
        out = gr.HTML(elem_id="timeline-out")
        for trigger in (q.submit, go.click):
            trigger(news.timeline_ui, [q, since, until], out, api_visibility="private",
                    concurrency_limit=4, concurrency_id="search")


def wire(news: News, c: dict[str, Any], refresh_out: list[Any], working_js: str) -> None:
    """Writes run in the app's "write" group, one at a time, like every other index write."""
    import gradio as gr

    def add_url(u: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return news.add_url(u, progress)

    def feed_add(u: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return news.feed_add(u, progress)

    def feed_update(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return news.feed_update(None, progress)

    feed_out = [c["feed_msg"], *refresh_out, c["feed_url"], c["feeds"]]
    for btn, fn, inputs, outputs, msg in [
        (c["url_btn"], add_url, [c["url"]], [c["url_msg"], *refresh_out, c["url"]], c["url_msg"]),
        (c["feed_add"], feed_add, [c["feed_url"]], feed_out, c["feed_msg"]),
        (c["feed_remove"], news.feed_remove, [c["feed_url"]], feed_out, c["feed_msg"]),
        (c["feed_update"], feed_update, [], feed_out, c["feed_msg"]),
    ]:
        btn.click(None, None, msg, js=working_js, api_visibility="private")
        btn.click(fn, inputs, outputs, api_visibility="private", concurrency_limit=1,
                  concurrency_id="write", show_progress_on=[msg])
