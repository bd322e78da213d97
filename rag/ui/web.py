"""The Gradio web app: search with cited, highlighted answers; manage the indexed articles.

Handlers never raise into Gradio: every failure becomes a plain-words message on the page.
The search is also a named API endpoint (``/search``) returning `rag query --json`'s object.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from rag.answer.pipeline import Searcher
from rag.config import MODES, Settings
from rag.errors import RagError
from rag.index.build import BuildReport, build
from rag.index.files import retire, save_new
from rag.index.generation import CURRENT
from rag.search.retriever import Filters
from rag.ui import render

EXAMPLES = [
    "which countries lifted restrictions?",
    "What did Stoltenberg say about the risk of escalation?",
    "Where is most of the fighting happening near the border?",
]


class App:
    """State shared by the handlers: one searcher and one writer at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.searcher = Searcher(settings)
        self.build_lock = threading.Lock()

    # ---- search ---------------------------------------------------------------------------
    def search(self, question: str, k: float, mode: str, outlets: list[str] | None,
               files: list[str] | None, date_from: str, date_to: str) -> tuple[Any, ...]:
        import gradio as gr

        try:
            filters = Filters(frozenset(outlets or ()), frozenset(files or ()),
                              _date(date_from, "from"), _date(date_to, "to"))
            resp = self.searcher.search(question, k=int(k), mode=mode, filters=filters)  # type: ignore[arg-type]
        except RagError as exc:
            return (render.message(str(exc), error=True), "", "", gr.update(choices=[], value=None), None)
        except Exception as exc:
            return (render.message(f"Search failed: {exc}", error=True), "", "",
                    gr.update(choices=[], value=None), None)
        choices = [(f"[{r.rank}] {r.citation.title}", r.rank) for r in resp.results]
        return (render.message(render.summary(resp)), render.answer_block(resp),
                render.results_html(resp), gr.update(choices=choices, value=None), resp.to_dict())

    def source(self, rank: int | None, state: dict[str, Any] | None) -> str:
        if not rank or not state:
            return ""
        hit = next((r for r in state["results"] if r["rank"] == rank), None)
        if hit is None:
            return ""
        try:
            src = self.searcher.snapshot().db.source(hit["path"])
        except RagError as exc:
            return render.message(str(exc), error=True)
        if src is None:
            return render.message("That article is no longer in the index; search again.", error=True)
        return render.source_view(src, hit["start"], hit["end"])

    def api_search(self, question: str, k: int = 5, mode: str = "hybrid") -> dict[str, Any]:
        """Same JSON object as `rag query --json`."""
        return self.searcher.search(question, k=int(k), mode=mode).to_dict()  # type: ignore[arg-type]

    # ---- documents ------------------------------------------------------------------------
    def documents(self) -> list[list[Any]]:
        try:
            snap = self.searcher.snapshot()
        except RagError:
            return []
        return [[p, m.title or "", m.outlet or "", m.date or ""] for p, m in sorted(snap.metadata.items())]

    def facets(self) -> tuple[list[str], list[str]]:
        docs = self.documents()
        return sorted({d[2] for d in docs if d[2]}), [d[0] for d in docs]

    def _build(self, progress: Any = None, **kw: Any) -> BuildReport:
        def report(stage: str, done: int, total: int) -> None:
            if progress is not None:
                progress((done, max(total, 1)), desc=stage)

        with self.build_lock:
            return build(self.settings.with_(quiet=True), progress=report, **kw)

    def _after_build(self, what: str, report: BuildReport | None, error: str | None) -> tuple[Any, ...]:
        import gradio as gr

        if error:
            msg = render.message(error, error=True)
        elif report is not None and report.up_to_date:
            msg = render.message(f"{what}: the index is already up to date "
                                 f"({report.documents} documents, {report.chunks} passages).")
        else:
            assert report is not None
            warn = f" Skipped: {'; '.join(report.warnings)}" if report.warnings else ""
            msg = render.message(f"{what}: {report.documents} documents, {report.chunks} passages indexed "
                                 f"in {report.seconds:.1f} s.{warn}")
        outlets, files = self.facets()
        docs = self.documents()
        return (msg, docs, gr.update(choices=outlets), gr.update(choices=files),
                gr.update(choices=[d[0] for d in docs], value=None), f"{len(docs)} documents indexed")

    def rebuild(self, progress: Any = None) -> tuple[Any, ...]:
        return self._run("Index rebuilt", lambda: self._build(progress, full=True))

    def upload(self, files: list[Any] | None, progress: Any = None) -> tuple[Any, ...]:
        if not files:
            return self._after_build("Upload", None, "Choose one or more files to upload first.")

        def go() -> BuildReport:
            saved = []
            for f in files:
                path = Path(getattr(f, "name", f))
                if path.stat().st_size > self.settings.max_upload_mb * 1024 * 1024:
                    raise RagError(f"{path.name} is larger than the {self.settings.max_upload_mb} MB upload limit")
                saved.append(save_new(self.settings.data_dir, path.name, path.read_bytes()))
            return self._build(progress, paths=saved)

        return self._run("Upload", go)

    def add_text(self, title: str, text: str, progress: Any = None) -> tuple[Any, ...]:
        title, text = (title or "").strip(), (text or "").strip()
        if not text:
            return self._after_build("Add article", None, "Paste the article text first.")
        if len(text.encode()) > self.settings.max_upload_mb * 1024 * 1024:
            return self._after_build("Add article", None, "That text is over the upload size limit.")
        body = f"{title}\n\n{text}\n" if title else f"{text}\n"

        def go() -> BuildReport:
            saved = save_new(self.settings.data_dir, (title or "article")[:60] + ".txt", body.encode())
            return self._build(progress, paths=[saved])

        return self._run("Add article", go)

    def remove(self, path: str | None, progress: Any = None) -> tuple[Any, ...]:
        if not path:
            return self._after_build("Remove", None, "Choose an article to remove.")

        def go() -> BuildReport:
            rel = retire(self.settings.data_dir, path.split("#")[0])
            return self._build(progress, paths=[], remove=[rel])

        return self._run("Remove", go)

    def _run(self, what: str, fn: Any) -> tuple[Any, ...]:
        try:
            return self._after_build(what, fn(), None)
        except RagError as exc:
            return self._after_build(what, None, str(exc))
        except Exception as exc:
            return self._after_build(what, None, f"{what} failed: {type(exc).__name__}: {exc}")


def _date(value: str | None, which: str) -> str | None:
    import datetime as dt

    v = (value or "").strip()
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v).isoformat()
    except ValueError:
        raise RagError(f"the '{which}' date must look like 2024-05-25, not '{v}'") from None


def ensure_index(settings: Settings) -> None:
    """Build the index on first start so a new user lands on a working app."""
    if not (settings.index_dir / CURRENT).exists():
        from rag.ui.progress import cli_progress

        print("no index yet: building it from", settings.data_dir)
        with cli_progress(settings.quiet) as progress:
            build(settings, progress=progress)


def launch(settings: Settings, block: bool = True) -> Any:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    ensure_index(settings)
    from rag.ui.layout import make_blocks

    app = App(settings)
    demo = make_blocks(app)
    auth = None
    if settings.auth:
        user, _, pw = settings.auth.partition(":")
        if not user or not pw:
            raise RagError("auth must look like user:password")
        auth = (user, pw)
    demo.queue(default_concurrency_limit=8)
    return demo.launch(server_name=settings.host, server_port=settings.port, auth=auth,
                       theme=None, css=render.CSS, prevent_thread_lock=not block,
                       max_file_size=f"{settings.max_upload_mb}mb", show_error=False, quiet=True,
                       footer_links=["api"])


__all__ = ["EXAMPLES", "MODES", "App", "ensure_index", "launch"]
