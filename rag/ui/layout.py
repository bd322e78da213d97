"""The Gradio component tree and its event wiring (handlers live in ``rag.ui.web``).

Every input has a visible label (tests and screen readers find inputs by it). Searches and
index writes run in separate concurrency groups, so a rebuild never holds up a search.
No ``from __future__ import annotations`` here: ``gr.api`` reads the endpoint's real type hints.
"""

import json
from typing import Any

import gradio as gr

from rag.config import MODES
from rag.load.formats import FORMATS
from rag.ui import news as news_ui
from rag.ui import render
from rag.ui.web import EXAMPLES, App, facets

INTRO = ("Ask a question about the articles. Answers come from the text itself, with the "
         "source of every passage.")
SEARCHING = render.message("Searching…", busy=True)
WORKING = render.message("Working on the index… searches keep working meanwhile.", busy=True)
# Bring the cited span into view (in the article box and on the page) whenever a source is shown.
SCROLL_TO_MARK = """watch('value', () => {
  const box = element.querySelector('.rag-source'); const mark = box && box.querySelector('mark');
  if (!mark) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 24;
  const top = mark.getBoundingClientRect().top;
  if (top < 0 || top > innerHeight - 80) window.scrollBy(0, top - innerHeight / 3);
});"""


def _js_value(*values: str) -> str:
    """A client-side step that shows ``values`` at once (no server round trip)."""
    return f"() => {json.dumps(list(values) if len(values) > 1 else values[0])}"


def make_blocks(app: App) -> gr.Blocks:
    docs = app.documents()
    outlets, paths, files = facets(docs)
    news = news_ui.News(app)
    with gr.Blocks(title="News search") as demo:
        gr.Markdown(f"# News search\n{INTRO}")
        state = gr.State(None)
        with gr.Tabs():
            with gr.Tab("Search", id="search"):
                with gr.Row(equal_height=True):
                    question = gr.Textbox(label="Question", placeholder=f"e.g. {EXAMPLES[0]}", scale=5,
                                          min_width=220, max_lines=3, autofocus=True, elem_id="question")
                    go = gr.Button("Search", variant="primary", scale=1, min_width=100, elem_id="search-btn")
                gr.Markdown("Try an example:")
                with gr.Row(elem_id="examples"):
                    example_btns = [gr.Button(q, size="sm", variant="secondary", min_width=160)
                                    for q in EXAMPLES]
                with gr.Accordion("Options and filters", open=False, elem_id="filters"):
                    with gr.Row():
                        top_k = gr.Slider(1, 20, value=app.settings.search.top_k, step=1,
                                          label="Number of passages", elem_id="top-k")
                        mode = gr.Dropdown(list(MODES), value=app.settings.search.mode, label="Retrieval mode")
                    with gr.Row():
                        outlet = gr.Dropdown(outlets, multiselect=True, label="Outlet", value=[])
                        file = gr.Dropdown(paths, multiselect=True, label="File", value=[])
                    with gr.Row():
                        date_from = gr.Textbox(label="Published from", placeholder="2024-05-25, March 2024, last week",
                                               max_lines=1, min_width=140)
                        date_to = gr.Textbox(label="Published until", placeholder="2024-05-25, March 2024, last week",
                                             max_lines=1, min_width=140)
                status = gr.HTML(render.message("Type a question and press Enter, or pick an example."),
                                 elem_id="status")
                answer = gr.HTML(elem_id="answer")
                results = gr.HTML(elem_id="results")
                gr.Markdown("### Source view")
                pick = gr.Radio([], label="Show the source of result", elem_id="source-pick")
                source = gr.HTML(render.message(render.NO_SOURCE), elem_id="source",
                                 js_on_load=SCROLL_TO_MARK)
            with gr.Tab("Documents", id="documents"):
                count = gr.Markdown(render.count_text(len(docs)), elem_id="doc-count")
                table = gr.Dataframe(docs, headers=["File", "Title", "Outlet", "Date"],
                                     datatype=["str", "str", "str", "str"], label="Indexed documents",
                                     interactive=False, wrap=True, max_height=360, elem_id="doc-table")
                with gr.Row(equal_height=True):
                    full = gr.Checkbox(label="Re-embed every article (slower)", value=False)
                    rebuild = gr.Button("Rebuild index", variant="primary", elem_id="rebuild-btn")
                rebuild_msg = gr.HTML(elem_id="rebuild-msg")
                with gr.Accordion("Add articles", open=True):
                    upload = gr.File(label=f"Upload articles (up to {app.settings.serve.max_upload_mb} MB each)",
                                     file_count="multiple", file_types=sorted(FORMATS), elem_id="upload")
                    upload_btn = gr.Button("Add uploaded files", elem_id="upload-btn")
                    upload_msg = gr.HTML(elem_id="upload-msg")
                    title = gr.Textbox(label="Title of the pasted article", max_lines=1)
                    text = gr.Textbox(label="Article text", lines=6)
                    add_btn = gr.Button("Add pasted article", elem_id="add-btn")
                    add_msg = gr.HTML(elem_id="add-msg")
                news_parts = news_ui.documents_panel(news)
                with gr.Accordion("Remove an article", open=True):
                    victim = gr.Dropdown(files, value=None, label="Article to remove")
                    remove_btn = gr.Button("Remove article", variant="stop", elem_id="remove-btn")
                    remove_msg = gr.HTML(elem_id="remove-msg")
            news_ui.timeline_tab(news)

        # Search: a client-side "Searching…" at once, then the answer from the server.
        search_in = [question, top_k, mode, outlet, file, date_from, date_to]
        search_out: list[Any] = [status, answer, results, pick, state, source]
        search_kw: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 8,
                                     "concurrency_id": "search", "show_progress": "hidden"}
        searched: list[Any] = []
        for trigger in (question.submit, go.click):
            trigger(None, None, status, js=_js_value(SEARCHING), api_visibility="private")
            searched.append(trigger(app.search_ui, search_in, search_out, **search_kw))
        for btn, q in zip(example_btns, EXAMPLES, strict=True):
            searched.append(btn.click(None, None, [question, status], js=_js_value(q, SEARCHING),
                      api_visibility="private").then(app.search_ui, search_in, search_out, **search_kw))
        if app.settings.llm.url:  # then the LLM's answer, streamed and verified (rag/generate)
            for ev in searched:
                ev.then(app.generate_ui, state, answer, api_visibility="private", show_progress="hidden")
        pick.change(app.source, [pick, state], source, api_visibility="private",
                    concurrency_id="search", show_progress="hidden")

        # Index writes: one at a time (concurrency group "write"), each with a progress bar.
        refresh_out: list[Any] = [table, outlet, file, victim, count]

        # The signed-in user comes from the session (page or queue API alike); the app checks the role.
        def do_rebuild(f: bool, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return app.rebuild(f, progress, user=request.username)

        def do_upload(files: list[str] | None, request: gr.Request,
                      progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return app.upload(files, progress, user=request.username)

        def do_add(t: str, x: str, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return app.add_text(t, x, progress, user=request.username)

        def do_remove(v: str | None, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return app.remove(v, progress, user=request.username)

        writes: list[tuple[gr.Button, Any, Any, gr.HTML, list[Any]]] = [
            (rebuild, do_rebuild, full, rebuild_msg, []),
            (upload_btn, do_upload, upload, upload_msg, [upload]),
            (add_btn, do_add, [title, text], add_msg, [title, text]),
            (remove_btn, do_remove, victim, remove_msg, []),
        ]
        for btn, fn, inputs, msg, clear in writes:
            btn.click(None, None, msg, js=_js_value(WORKING), api_visibility="private")
            btn.click(fn, inputs, [msg, *refresh_out, *clear], api_visibility="private",
                      concurrency_limit=1, concurrency_id="write", show_progress_on=[msg])
        news_ui.wire(news, news_parts, refresh_out, _js_value(WORKING))
        demo.load(app.refresh, None, refresh_out, api_visibility="private", show_progress="hidden")

        default_k, default_mode = app.settings.search.top_k, app.settings.search.mode

        def search(question: str, k: int = default_k, mode: str = default_mode,
                   outlet: list[str] | None = None, file: list[str] | None = None,
                   since: str = "", until: str = "") -> str:
            """Ranked, cited passages for a question: the JSON text `rag query --json` prints."""
            return app.api_search(question, k, mode, outlet or (), file or (), since, until)

        gr.api(search, api_name="search", concurrency_limit=8, concurrency_id="search")
    return demo
