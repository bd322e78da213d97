"""The `rag` command. Errors are one line on stderr with a non-zero exit, never a traceback.

Only the commands that need them import torch (index) or gradio (serve): `rag query` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rag.config import Paths, Settings
from rag.errors import BadQuery, RagError, UsageError
from rag.stores import require_backend

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Semantic search and cited answers over the news articles in a folder.")

DataOpt = Annotated[Optional[Path], typer.Option("--data", help="Article folder [RAG_DATA].")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder [RAG_INDEX].")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model package or folder [RAG_MODEL].")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
StoreOpt = Annotated[Optional[str], typer.Option("--store", help="faiss or postgres [RAG_STORE].")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Use the data folder even if it is / or "
                                                         "holds more than RAG_MAX_FILES files.")]


def _settings(**kw: Any) -> Settings:
    """Settings from options and environment; a bad value is a usage error (exit 2)."""
    try:
        s = Settings.load(**{k: v for k, v in kw.items() if v is not None})
    except RagError as exc:
        raise UsageError(str(exc)) from None
    require_backend(s.storage)  # a missing optional extra is a one-line error naming it
    return s


def _data_checked(s: Settings, force: bool = False) -> Settings:
    from rag.load.reader import check_data_dir

    check_data_dir(s.paths.data_dir, s.index.max_files, force)
    return s


def _err(msg: str) -> None:
    from rag.ui.terminal import safe

    print(f"error: {safe(msg)}", file=sys.stderr)


def _warn_all(warnings: list[str], quiet: bool) -> None:
    from rag.ui.terminal import safe

    for w in warnings:
        print(f"warning: {safe(w)}", file=sys.stderr)


def _print_report(report: Any, as_json: bool) -> None:
    from dataclasses import asdict

    if as_json:
        print(json.dumps(asdict(report)))
        return
    from rich.console import Console

    out = Console()
    if report.up_to_date:
        out.print(f"index is up to date: {report.documents} documents, {report.chunks} chunks")
        return
    out.print(f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s "
              f"(embedded {report.embedded}, reused {report.reused}, sentences {report.embedded_sentences}; "
              f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)})")


def _run_build(settings: Settings, as_json: bool, **kw: Any) -> None:
    from rag.index.build import build
    from rag.ui.progress import cli_progress

    with cli_progress(settings.quiet or as_json) as progress:
        report = build(settings, progress=progress, **kw)
    _warn_all(report.warnings, settings.quiet)
    _print_report(report, as_json)


@app.command()
def index(data: DataOpt = None, index: IndexOpt = None, model: ModelOpt = None,
          full: Annotated[bool, typer.Option("--full", help="Re-embed everything.")] = False,
          ann: Annotated[Optional[str], typer.Option(help="auto, flat, hnsw or ivf.")] = None,
          workers: Annotated[Optional[int], typer.Option(help="Embedding processes.")] = None,
          store: StoreOpt = None, quiet: QuietOpt = False, force: ForceOpt = False,
          as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False) -> None:
    """Build the index, or update it: only new or changed articles are embedded."""
    s = _data_checked(_settings(data_dir=data, index_dir=index, model=model, ann=ann, workers=workers,
                                store=store, quiet=(quiet or as_json) or None), force)
    created = not s.paths.index_dir.exists()
    if s.storage.store == "faiss" and not created:
        _warn_all(_damage(s.paths), s.quiet)
    try:
        _run_build(s, as_json, full=full)
    except BaseException:
        if created and not (s.paths.index_dir / "CURRENT").exists():
            import shutil

            shutil.rmtree(s.paths.index_dir, ignore_errors=True)  # a failed first build leaves nothing
        raise


def _damage(paths: Paths) -> list[str]:
    """What `rag index` is about to repair, said before it does."""
    from rag.errors import IndexMissing
    from rag.stores.faiss.generation import current_generation, damage_message, damaged_files, read_manifest

    try:
        gen = current_generation(paths.index_dir)
        bad = damaged_files(gen, read_manifest(gen))
    except IndexMissing:
        return []
    except RagError as exc:
        return [f"{exc}; rebuilding"]
    return [f"{damage_message(gen, bad)}; rebuilding"] if bad else []


@app.command()
def add(paths: Annotated[list[str], typer.Argument(help="Files (copied into the data folder if outside it) "
                                                        "or http(s) URLs (fetched, saved under data/web/).")],
        data: DataOpt = None, index: IndexOpt = None, store: StoreOpt = None, quiet: QuietOpt = False) -> None:
    """Add or update the given articles or web pages without rescanning the whole folder."""
    from rag.cli_news import fetch_urls, split_urls
    from rag.index.files import place_in_data

    s = _settings(data_dir=data, index_dir=index, store=store, quiet=quiet or None)
    urls, files = split_urls(paths)
    placed = [place_in_data(s.paths.data_dir, p) for p in files] + fetch_urls(s, urls)
    _run_build(s, False, paths=placed)


@app.command()
def remove(paths: Annotated[list[str], typer.Argument(help="Files to remove (path in the data folder).")],
           data: DataOpt = None, index: IndexOpt = None, store: StoreOpt = None,
           quiet: QuietOpt = False) -> None:
    """Remove articles from the index; their files move to the data folder's .removed/."""
    from rag.index.files import relative_in_data, retire
    from rag.index.status import indexed_files

    s = _data_checked(_settings(data_dir=data, index_dir=index, store=store, quiet=quiet or None))
    known = indexed_files(s)
    missing = [p for p in paths if relative_in_data(s.paths.data_dir, p) not in known]
    if missing:
        raise RagError(f"not in the index: {', '.join(missing)}")
    rels = [retire(s.paths.data_dir, p) for p in paths]
    _run_build(s, False, paths=[], remove=rels)


@app.command()
def query(question: Annotated[str, typer.Argument(help="The question.")],
          k: Annotated[Optional[int], typer.Option("-k", "--top-k", help="Passages to show.")] = None,
          mode: Annotated[Optional[str], typer.Option(help="dense, bm25 or hybrid.")] = None,
          outlet: Annotated[Optional[list[str]], typer.Option(help="Only these outlets.")] = None,
          file: Annotated[Optional[list[str]], typer.Option(help="Only these files.")] = None,
          since: Annotated[Optional[str], typer.Option(help="Published on or after ('last week').")] = None,
          until: Annotated[Optional[str], typer.Option(help="Published on or before ('March 14, 2017').")] = None,
          now: Annotated[Optional[str], typer.Option(help="Today, for relative dates (default: today).")] = None,
          recent: Annotated[Optional[float], typer.Option(help="Prefer recent articles: half-life in days.")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
          llm: Annotated[Optional[str], typer.Option(help="OpenAI-compatible LLM base URL [RAG_LLM_URL].")] = None,
          llm_always: Annotated[bool, typer.Option(help="Generate even when nothing answers.")] = False,
          data: DataOpt = None, index: IndexOpt = None, model: ModelOpt = None,
          store: StoreOpt = None) -> None:
    """Ranked passages that answer the question, with exact citations."""
    from rag.answer.pipeline import Searcher
    from rag.cli_news import date_filters, prefer_recent

    s = _settings(data_dir=data, index_dir=index, model=model, top_k=k, mode=mode, store=store,
                  llm_url=llm, llm_always=llm_always or None)
    filters = date_filters(outlet, file, since, until, now)
    searcher = Searcher(s)
    response = prefer_recent(searcher, question, s.search, filters, recent, now)
    if s.llm.url:
        from rag.generate.answer import generate_for

        generate_for(searcher, response, stream=not as_json)
    if as_json:
        print(json.dumps(response.to_dict(), ensure_ascii=False))
    else:
        from rag.ui.terminal import print_response

        print_response(response)


@app.command()
def status(data: DataOpt = None, index: IndexOpt = None, store: StoreOpt = None, force: ForceOpt = False,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents, chunks, model, last build, files changed since, and damaged index files."""
    from rag.index.status import index_status
    from rag.ui.terminal import print_status

    st = index_status(_data_checked(_settings(data_dir=data, index_dir=index, store=store), force))
    print(json.dumps(st)) if as_json else print_status(st)


@app.command()
def source(path: Annotated[str, typer.Argument(help="A cited path, e.g. page.html or feed.jsonl#3.")],
           data: DataOpt = None, index: IndexOpt = None, model: ModelOpt = None, store: StoreOpt = None,
           as_json: Annotated[bool, typer.Option("--json", help="One JSON object, text exact.")] = False) -> None:
    """The text a citation's start:end index into (for .html, .pdf, .jsonl: the extracted text)."""
    from rag.stores import SnapshotHolder
    from rag.ui.terminal import safe_body

    s = _settings(data_dir=data, index_dir=index, model=model, store=store)
    src = SnapshotHolder(s).get().source(path)
    if src is None:
        raise RagError(f"not in the index: {path}")
    if as_json:
        print(json.dumps({"path": src.path, "format": src.format, "extracted": src.extracted,
                          "text": src.text}, ensure_ascii=False))
    else:
        sys.stdout.write(safe_body(src.text) + ("" if src.text.endswith("\n") else "\n"))


@app.command("eval")
def evaluate(questions: Annotated[Optional[Path], typer.Argument(help="Questions JSONL (the eval format).")] = None,
             beir: Annotated[Optional[Path], typer.Option("--beir", help="A BEIR dataset folder.")] = None,
             mode: Annotated[Optional[str], typer.Option(help="dense, bm25, hybrid, or all.")] = None,
             report: Annotated[Optional[Path], typer.Option("--report", help="Write the JSON report here.")] = None,
             llm: Annotated[Optional[str], typer.Option(help="Also score generated answers [RAG_LLM_URL].")] = None,
             data: DataOpt = None, index: IndexOpt = None, store: StoreOpt = None, quiet: QuietOpt = False) -> None:
    """Measure answer quality: Hit@k/MRR/no-answer on questions, nDCG@10/Recall@100 on BEIR."""
    from rag.evaluate.runner import run_eval

    if (questions is None) == (beir is None):
        raise RagError("give a questions file or --beir DIR (one of them)")
    s = _settings(data_dir=data, index_dir=index, store=store, quiet=quiet or None, llm_url=llm)
    run_eval(s, questions=questions, beir=beir, mode=mode, report=report)


@app.command()
def serve(host: Annotated[Optional[str], typer.Option(help="Bind address [GRADIO_SERVER_NAME].")] = None,
          port: Annotated[Optional[int], typer.Option(help="Port [GRADIO_SERVER_PORT].")] = None,
          auth: Annotated[Optional[str], typer.Option(
              help="user:password[:viewer|editor], several comma-separated [RAG_AUTH].")] = None,
          read_only: Annotated[bool, typer.Option("--read-only", help="Nobody can change the articles.")] = False,
          allow_anonymous_writes: Annotated[bool, typer.Option(
              "--allow-anonymous-writes", help="Serve a non-loopback host without --auth, writable.")] = False,
          data: DataOpt = None, index: IndexOpt = None, store: StoreOpt = None) -> None:
    """Start the web app (builds the index first if there is none)."""
    from rag.ui.serve import launch

    launch(_settings(host=host, port=port, auth=auth, data_dir=data, index_dir=index, store=store,
                     read_only=read_only or None, allow_anonymous_writes=allow_anonymous_writes or None))


from rag.cli_news import register  # noqa: E402  (the news commands: add URL, feed, timeline)

register(app, _run_build)


def main(argv: list[str] | None = None) -> int:
    import sqlite3

    try:
        app(args=argv, standalone_mode=False, prog_name="rag")
        return 0
    except (UsageError, BadQuery) as exc:
        _err(str(exc))
        return 2
    except RagError as exc:
        _err(str(exc))
        return int(getattr(exc, "exit_code", 1))
    except sqlite3.DatabaseError as exc:
        _err(f"the index's chunk store is damaged ({exc}): run `rag index` to rebuild it")
        return 1
    except OSError as exc:  # permissions, read-only or full disk: say which file, and why
        where = f" {exc.filename}" if exc.filename else ""
        _err(f"cannot access{where}: {exc.strerror or exc}")
        return 1
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except (typer.Abort, KeyboardInterrupt):
        _err("interrupted")
        return 130
    except Exception as exc:  # the promise is: never a traceback
        if hasattr(exc, "format_message"):  # a usage error from the option parser
            _err(exc.format_message().replace("\n", " "))
            return 2
        if os.environ.get("RAG_DEBUG"):
            raise
        _err(f"unexpected failure: {type(exc).__name__}: {exc}".replace("\n", " ")[:500])
        return 3


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
