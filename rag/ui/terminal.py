"""Human output for the terminal (rich): ranked passages with citations and highlights."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from rag.records import Citation, Response

# C0/C1 controls (ESC starts every terminal escape), DEL, and bidi overrides that reorder text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SEQUENCES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)?")


def safe(text: str) -> str:
    """Text from articles, users or file names, made inert for a terminal: escape sequences
    dropped, other control characters shown as U+FFFD, on one line."""
    return _CONTROLS.sub("\ufffd", _SEQUENCES.sub("", text)).replace("\n", " ").replace("\t", " ")


def safe_body(text: str) -> str:
    """Like ``safe`` but keeps newlines and every offset: each control character becomes one
    U+FFFD, so highlight spans still line up with the cited text."""
    return _CONTROLS.sub("\ufffd", text)


def format_date(iso: str | None) -> str | None:
    """"2024-05-25" → "25 May 2024"; anything else is shown as it is."""
    if not iso:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(iso[:10]).strftime("%-d %B %Y")
    except ValueError:
        return iso


def citation_line(c: Citation) -> str:
    parts = [safe(c.title)]
    tail = ", ".join(safe(x) for x in (c.outlet, format_date(c.date)) if x)
    if tail:
        parts.append(tail)
    return f"{' — '.join(parts)} ({safe(c.path)}:{c.start}-{c.end})" + (f" {safe(c.url)}" if c.url else "")


def print_response(resp: Response, console: Console | None = None) -> None:
    out = console or Console()
    if not resp.results:
        out.print("No passages found.")
        return
    if resp.generated is not None and _print_generated(resp, out):
        pass
    elif resp.answerable and resp.answer:
        out.print("[bold]Answer[/bold]")
        if resp.entities:  # what was asked for, first
            out.print("  " + ", ".join(f"[bold]{escape(e.text)}[/bold] [cyan]"
                                       + "".join(f"[{n}]" for n in e.ranks) + "[/cyan]"
                                       for e in resp.entities))
        for a in resp.answer:
            out.print(f"  {escape(safe(a.text))} [cyan][{a.result_rank}][/cyan]")
        out.print()
    elif not resp.answerable:
        out.print("[yellow]Nothing in the indexed articles answers this clearly. "
                  "The closest passages (weak matches):[/yellow]\n")
    for r in resp.results:
        head = Text(f"[{r.rank}] ", style="bold cyan")
        head.append(citation_line(r.citation), style="bold")
        head.append(f"  score {r.score:.3f}", style="dim")
        out.print(head)
        body = Text(safe_body(r.text))
        for s, e in r.highlights:
            body.stylize("bold yellow", s - r.citation.start, e - r.citation.start)
        for ent in resp.entities:
            for c in ent.citations:
                if c.result_rank == r.rank and c.path == r.citation.path:
                    body.stylize("underline", c.start - r.citation.start, c.end - r.citation.start)
        out.print(body, style="dim" if r.weak else None)
        if r.also_in:
            out.print(Text("also in: " + "; ".join(citation_line(c) for c in r.also_in), style="italic"))
        out.print()
    out.print(f"[dim]{len(resp.results)} passages ({resp.matched} matched, {resp.mode}) "
              f"in {resp.took_ms:.0f} ms[/dim]")


def _print_generated(resp: Response, out: Console) -> bool:
    """The verified generated answer; False (show the extractive one) when no sentence survived."""
    kept = [g for g in resp.generated or [] if g.supported]
    dropped = len(resp.generated or []) - len(kept)
    note = f" [dim]({dropped} generated sentence(s) dropped: not supported by the passages they cite)[/dim]"
    if not kept:
        out.print(f"[yellow]The generated answer had no sentence its sources support.[/yellow]{note}")
        return False
    out.print("[bold]Answer[/bold] [dim](generated, every sentence checked against its source)[/dim]")
    for g in kept:
        refs = "".join(f"[{n}]" for n in dict.fromkeys(c.result_rank for c in g.citations))
        out.print(f"  {escape(g.text)} [cyan]{escape(refs)}[/cyan]")
    if dropped:
        out.print(note.strip())
    out.print()
    return True


def print_status(st: dict[str, Any]) -> None:
    out = Console(highlight=False)

    def line(text: str) -> None:
        out.print(escape(safe(text)))

    line(f"index      {st['index']} ({st['generation']})")
    line(f"data       {st['data']}")
    line(f"documents  {st['documents']}   chunks {st['chunks']}   vectors {st['ann']}")
    line(f"model      {st['model']}")
    line(f"built      {st['built_at']} in {st['build_seconds']} s")
    if st.get("damaged"):
        line(f"DAMAGED    {st['integrity']}")
    pending = [("new", st["new"]), ("changed", st["changed"]), ("deleted", st["deleted"])]
    if any(v for _, v in pending):
        for label, paths in pending:
            for p in paths:
                line(f"  {label:8} {p}")
        out.print("run `rag index` to bring the index up to date")
    elif not st.get("damaged"):
        out.print("up to date with the data folder")
