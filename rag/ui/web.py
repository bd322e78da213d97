"""The Gradio web app's handlers: search with cited, highlighted answers; manage the articles.

Handlers never raise into Gradio: every failure becomes a plain-words message on the page
(the traceback goes to the server log only). The search is also a named API endpoint
(``/search``) returning `rag query --json`'s object as JSON text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.answer.pipeline import Searcher
from rag.config import MODES, Settings
from rag.dates import query_filters
from rag.errors import RagError
from rag.index.build import BuildReport, build
from rag.index.files import check_article, retire, sanitize_name, save_new
from rag.load.formats import FORMATS
from rag.records import source_file
from rag.ui import render
from rag.ui.access import parse_accounts, role_of

log = logging.getLogger("rag.ui")

EXAMPLES = [
    "which countries lifted restrictions?",
    "What did Stoltenberg say about the risk of escalation?",
    "Where is most of the fighting happening near the border?",
]
EMPTY_QUESTION = "Type a question first, for example: “which countries lifted restrictions?”"
SUFFIXES = " ".join(sorted(FORMATS))


def _update(**kw: Any) -> Any:
    import gradio as gr

    return gr.update(**kw)


class App:
    """State shared by the handlers: one searcher (thread-safe) and one writer at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.searcher = Searcher(settings)
        self.build_lock = threading.Lock()
        self.accounts = parse_accounts(settings.serve.auth)

    def role(self, user: str | None) -> str:
        return role_of(self.settings.serve, self.accounts, user)

    def _forbidden(self, user: str | None) -> str | None:
        """Why this user may not change the articles, or None when they may."""
        if self.role(user) == "editor":
            return None
        return ("This account can search and read sources; adding, removing and rebuilding "
                "need an editor account." if not self.settings.serve.read_only else
                "This app is read-only: articles cannot be added, removed or rebuilt here.")

    def warm(self) -> None:
        """Load the index and the model before the first visitor, so their search is quick."""
        try:
            self.searcher.search(EXAMPLES[0], k=1)
        except Exception:  # a broken index is reported on the page, not at start-up
            log.warning("warm-up search failed", exc_info=True)

    # ---- search ---------------------------------------------------------------------------
    def search_ui(self, question: str, k: float, mode: str, outlets: list[str] | None,
                  files: list[str] | None, date_from: str, date_to: str) -> tuple[Any, ...]:
        """(status, answer, results, source picker, state, source view)."""
        def fail(text: str) -> tuple[Any, ...]:
            return (render.message(text, error=True), "", "",
                    _update(choices=[], value=None), None, render.message(render.NO_SOURCE))

        if not (question or "").strip():
            return fail(EMPTY_QUESTION)
        try:
            filters = query_filters(outlets, files, date_from, date_to,
                                    names=("'Published from'", "'Published until'"))
            mode_ok = self.settings.with_(mode=mode or None, top_k=None if k is None else int(k))
            resp = self.searcher.search(question, k=mode_ok.search.top_k, mode=mode_ok.search.mode, filters=filters)
        except RagError as exc:
            return fail(render.sentence(str(exc)))
        except Exception as exc:
            log.exception("search failed")
            return fail(f"The search failed ({type(exc).__name__}). Try again; if it keeps "
                        "failing, rebuild the index on the Documents tab.")
        choices = [(f"[{r.rank}] {r.citation.title}", r.rank) for r in resp.results]
        return (render.message(render.summary(resp)), render.answer_block(resp),
                render.results_html(resp), _update(choices=choices, value=None), resp.to_dict(),
                render.message(render.NO_SOURCE if resp.results else "Nothing to show yet."))

    def generate_ui(self, state: dict[str, Any] | None) -> Iterator[str]:
        """With an LLM configured: the answer box again, the draft as it streams, then only the
        sentences verified against their sources (the extractive answer if none is)."""
        from rag.generate.answer import drafts, response_from_state, should_generate
        from rag.generate.client import from_config

        gen = from_config(self.settings.llm)
        resp = response_from_state(state) if state and state.get("results") else None
        if gen is None or resp is None or not should_generate(resp, self.settings.llm.always):
            return
        try:
            for text in drafts(resp, gen, self.searcher.snapshot().reader, always=self.settings.llm.always):
                yield render.draft_block(text)
        except RagError as exc:
            yield render.answer_block(resp) + render.message(render.sentence(str(exc)), error=True)
            return
        yield render.answer_block(resp)

    def source(self, rank: int | None, state: dict[str, Any] | None) -> str:
        """The cited article with the passage highlighted."""
        if not rank or not state:
            return render.message(render.NO_SOURCE)
        hit = next((r for r in state.get("results", []) if r["rank"] == rank), None)
        if hit is None:
            return render.message(render.NO_SOURCE)
        try:
            src = self.searcher.snapshot().source(hit["path"])
        except RagError as exc:
            return render.message(render.sentence(str(exc)), error=True)
        except Exception:
            log.exception("source view failed")
            return render.message("Could not open that article. Search again and retry.", error=True)
        if src is None:
            return render.message("That article is no longer in the index; search again.", error=True)
        spans = render.entity_spans(state.get("entities", []), src.path, 0, len(src.text))
        return render.source_view(src, hit["start"], hit["end"], spans)

    def api_search(self, question: str, k: int | None = None, mode: str | None = None,
                   outlet: Sequence[str] = (), file: Sequence[str] = (), since: str = "",
                   until: str = "") -> str:
        """The JSON text `rag query --json` prints (a string: clients must not mistake the
        results' "path" fields for files to download). Errors reach clients as gr.Error."""
        import gradio as gr

        try:
            s = self.settings.with_(mode=mode or None, top_k=None if k is None else int(k))
            filters = query_filters(outlet, file, since, until, names=("'since'", "'until'"))
            resp = self.searcher.search(question, k=s.search.top_k, mode=s.search.mode, filters=filters)
        except RagError as exc:
            raise gr.Error(render.sentence(str(exc)), print_exception=False) from None
        except Exception as exc:
            log.exception("api search failed")
            raise gr.Error(f"the search failed ({type(exc).__name__})", print_exception=False) from None
        return render.to_json(resp)

    # ---- documents ------------------------------------------------------------------------
    def documents(self) -> list[list[Any]]:
        """What is indexed now: one row per article (file, title, outlet, date)."""
        try:
            meta = self.searcher.snapshot().metadata
        except Exception:
            log.warning("could not list the indexed documents", exc_info=True)
            return []
        return [[p, m.title or "", m.outlet or "", m.date or ""] for p, m in sorted(meta.items())]

    def refresh(self) -> tuple[Any, ...]:
        """(table, outlet choices, file choices, removable files, count): on every page load."""
        docs = self.documents()
        outlets, paths, files = facets(docs)
        return (docs, _update(choices=outlets), _update(choices=paths),
                _update(choices=files, value=None), render.count_text(len(docs)))

    def _build(self, progress: Any = None, **kw: Any) -> BuildReport:
        def report(stage: str, done: int, total: int) -> None:
            if progress is not None:
                progress((done, max(total, 1)), desc=stage, unit="steps")

        with self.build_lock:
            return build(self.settings.with_(quiet=True), progress=report, **kw)

    def _run(self, what: str, fn: Callable[[], BuildReport], clear: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        """(message, *refresh(), *clear-on-success): a build's outcome in plain words."""
        before = {d[0] for d in self.documents()}
        try:
            report = fn()
        except Exception as exc:
            if isinstance(exc, RagError):
                text = render.sentence(str(exc))
            else:
                log.exception("%s failed", what)
                text = f"failed ({type(exc).__name__}: {exc})."
            keep = (_update() for _ in clear)
            return (render.message(f"{what}: {text}", error=True), *self.refresh(), *keep)
        after = {d[0] for d in self.documents()}
        text, skipped = render.build_outcome(what, report, sorted(after - before), sorted(before - after))
        return (render.message(text, error=skipped), *self.refresh(), *clear)

    def rebuild(self, full: bool = False, progress: Any = None, user: str | None = None) -> tuple[Any, ...]:
        """Rescan the data folder (only new or changed articles are embedded unless ``full``)."""
        if why := self._forbidden(user):
            return self._refuse(why, 0)
        return self._run("Rebuild", lambda: self._build(progress, full=bool(full)))

    def upload(self, files: list[Any] | None, progress: Any = None, user: str | None = None) -> tuple[Any, ...]:
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        if why := self._forbidden(user):
            return self._refuse(why, 1)
        if not paths:
            return self._refuse("Choose one or more files to upload first.", 1)
        limit = self.settings.serve.max_upload_mb
        for path in paths:
            if path.suffix.lower() not in FORMATS:
                return self._refuse(f"{path.name} is not an article file this app reads ({SUFFIXES}).", 1)
            if not path.is_file():
                return self._refuse(f"The upload of {path.name} did not arrive; add it again.", 1)
            if path.stat().st_size > limit * 1024 * 1024:
                return self._refuse(f"{path.name} is larger than the upload limit of {limit} MB.", 1)

        def go() -> BuildReport:
            contents = [p.read_bytes() for p in paths]
            for p, content in zip(paths, contents, strict=True):
                check_article(p.name, content)  # all checked before any is kept
            saved = [save_new(self.settings.paths.data_dir, p.name, c) for p, c in zip(paths, contents, strict=True)]
            return self._build(progress, paths=saved)

        return self._run("Upload", go, clear=(None,))

    def add_text(self, title: str, text: str, progress: Any = None, user: str | None = None) -> tuple[Any, ...]:
        if why := self._forbidden(user):
            return self._refuse(why, 2)
        title, text = " ".join((title or "").split()), (text or "").strip()
        if not title:
            return self._refuse("Give the pasted article a title first.", 2)
        if not text:
            return self._refuse("Paste the article text first.", 2)
        body = f"{title}\n\n{text}\n".encode()
        if len(body) > self.settings.serve.max_upload_mb * 1024 * 1024:
            return self._refuse(f"That text is larger than the upload limit of "
                                f"{self.settings.serve.max_upload_mb} MB.", 2)

        def go() -> BuildReport:
            name = re.sub(r"[\W_]+", "-", title)[:60].strip("-") or "article"  # a title, not a path
            check_article(f"{name}.txt", body)
            saved = save_new(self.settings.paths.data_dir, sanitize_name(f"{name}.txt"), body)
            return self._build(progress, paths=[saved])

        return self._run("Add article", go, clear=("", ""))

    def remove(self, path: str | None, progress: Any = None, user: str | None = None) -> tuple[Any, ...]:
        if why := self._forbidden(user):
            return self._refuse(why, 0)
        if not path:
            return self._refuse("Choose an article to remove first.", 0)

        def go() -> BuildReport:
            rel = retire(self.settings.paths.data_dir, source_file(path))
            return self._build(progress, paths=[], remove=[rel])

        return self._run("Remove", go)

    def _refuse(self, text: str, n_clear: int) -> tuple[Any, ...]:
        return (render.message(text, error=True), *self.refresh(), *(_update() for _ in range(n_clear)))


def facets(docs: list[list[Any]]) -> tuple[list[str], list[str], list[str]]:
    """The filter choices (outlets, indexed paths) and the removable data files."""
    return (sorted({d[2] for d in docs if d[2]}), [d[0] for d in docs],
            sorted({source_file(d[0]) for d in docs}))


__all__ = ["EXAMPLES", "MODES", "App", "facets"]
