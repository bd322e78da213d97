"""The Gradio component tree and its event wiring (handlers live in ``rag.ui.web``)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.config import MODES
from rag.ui.web import EXAMPLES, App

INTRO = ("Ask a question about the articles. Answers come from the text itself, with the "
         "source of every passage.")


def make_blocks(app: App) -> gr.Blocks:
    outlets, files = app.facets()
    docs = app.documents()
    with gr.Blocks(title="News search") as demo:
        gr.Markdown(f"# News search\n{INTRO}")
        state = gr.State(None)
        with gr.Tab("Search"):
            with gr.Row(equal_height=True):
                question = gr.Textbox(label="Question", placeholder="e.g. which countries lifted restrictions?",
                                      scale=5, max_lines=3, autofocus=True, elem_id="question")
                go = gr.Button("Search", variant="primary", scale=1, elem_id="search-btn")
            with gr.Row():
                example_btns = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
            with gr.Accordion("Options and filters", open=False):
                with gr.Row():
                    top_k = gr.Slider(1, 20, value=app.settings.top_k, step=1, label="Number of passages")
                    mode = gr.Dropdown(list(MODES), value=app.settings.mode, label="Retrieval mode")
                with gr.Row():
                    outlet = gr.Dropdown(outlets, multiselect=True, label="Outlet", value=[])
                    file = gr.Dropdown(files, multiselect=True, label="File", value=[])
                with gr.Row():
                    date_from = gr.Textbox(label="Published from (YYYY-MM-DD)", max_lines=1)
                    date_to = gr.Textbox(label="Published until (YYYY-MM-DD)", max_lines=1)
            status = gr.HTML(elem_id="status")
            answer = gr.HTML(elem_id="answer")
            results = gr.HTML(elem_id="results")
            with gr.Accordion("Source view", open=True):
                pick = gr.Radio([], label="Show the source of result", elem_id="source-pick")
                source = gr.HTML(elem_id="source")
        with gr.Tab("Documents"):
            count = gr.Markdown(f"{len(docs)} documents indexed", elem_id="doc-count")
            table = gr.Dataframe(docs, headers=["File", "Title", "Outlet", "Date"], label="Indexed documents",
                                 interactive=False, wrap=True)
            with gr.Row():
                rebuild = gr.Button("Rebuild index", variant="primary", elem_id="rebuild-btn")
            doc_msg = gr.HTML(elem_id="doc-msg")
            with gr.Accordion("Add articles", open=True):
                upload = gr.File(label="Upload articles (.txt .md .html .pdf .jsonl)", file_count="multiple",
                                 file_types=[".txt", ".md", ".html", ".htm", ".pdf", ".jsonl"])
                upload_btn = gr.Button("Add uploaded files")
                title = gr.Textbox(label="Title of pasted article", max_lines=1)
                text = gr.Textbox(label="Article text", lines=6)
                add_btn = gr.Button("Add pasted article")
            with gr.Accordion("Remove an article", open=False):
                victim = gr.Dropdown([d[0] for d in docs], label="Article to remove")
                remove_btn = gr.Button("Remove article", variant="stop")

        search_inputs = [question, top_k, mode, outlet, file, date_from, date_to]
        search_outputs: list[Any] = [status, answer, results, pick, state]
        for trigger in (question.submit, go.click):
            trigger(app.search, search_inputs, search_outputs, api_visibility="private",
                    show_progress="minimal", concurrency_limit=8)
        for btn, q in zip(example_btns, EXAMPLES):
            btn.click(lambda q=q: q, None, question, api_visibility="private").then(
                app.search, search_inputs, search_outputs, api_visibility="private")
        pick.change(app.source, [pick, state], source, api_visibility="private")
        doc_outputs: list[Any] = [doc_msg, table, outlet, file, victim, count]
        rebuild.click(lambda progress=gr.Progress(): app.rebuild(progress), None, doc_outputs, api_visibility="private", concurrency_limit=1,
                      concurrency_id="write")
        upload_btn.click(lambda f, progress=gr.Progress(): app.upload(f, progress), upload, doc_outputs, api_visibility="private", concurrency_limit=1,
                         concurrency_id="write")
        add_btn.click(lambda t, x, progress=gr.Progress(): app.add_text(t, x, progress), [title, text], doc_outputs, api_visibility="private",
                      concurrency_limit=1, concurrency_id="write")
        remove_btn.click(lambda v, progress=gr.Progress(): app.remove(v, progress), victim, doc_outputs, api_visibility="private", concurrency_limit=1,
                         concurrency_id="write")
        gr.api(app.api_search, api_name="search", concurrency_limit=8)
    return demo
