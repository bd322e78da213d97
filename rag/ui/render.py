"""HTML for the web app. Every string that comes from an article or a user is escaped here:
a page that contains ``<script>`` shows it as text and runs nothing. No inline event handlers
either: the copy and show-source buttons work through one delegated listener (``HEAD``). The
page's style and script live in ``static/`` as plain CSS and JavaScript files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.records import Citation, Response, Result, Source
from rag.ui.terminal import citation_line, format_date

if TYPE_CHECKING:
    from rag.index.build import BuildReport

STATIC = Path(__file__).resolve().parent / "static"
CSS = (STATIC / "app.css").read_text(encoding="utf-8")
HEAD = f"<script>\n{(STATIC / 'app.js').read_text(encoding='utf-8')}</script>"

NO_SOURCE = "Pick a result above to read it in its article, with the cited passage highlighted."


def message(text: str, error: bool = False, busy: bool = False) -> str:
    """A plain-words notice; errors are announced (role=alert), the rest politely."""
    cls = "rag-msg error" if error else "rag-msg busy" if busy else "rag-msg"
    role = "alert" if error else "status"
    extra = ' aria-busy="true"' if busy else ""
    return f'<div class="{cls}" role="{role}"{extra}>{escape(text)}</div>'


def _marked(text: str, offset: int, spans: list[tuple[int, int]],
            entities: Sequence[tuple[int, int]] = ()) -> str:
    """Escape ``text``, wrap the absolute ``spans`` in <mark> and answer ``entities`` in
    <b class="rag-entity"> (inside a mark or not)."""
    out, pos = [], 0
    for s, e in sorted(spans):
        s, e = max(s - offset, pos), min(e - offset, len(text))
        if s >= e:
            continue
        out += [_entity_marked(text, pos, s, offset, entities), "<mark>",
                _entity_marked(text, s, e, offset, entities), "</mark>"]
        pos = e
    out.append(_entity_marked(text, pos, len(text), offset, entities))
    return "".join(out)


def _entity_marked(text: str, lo: int, hi: int, offset: int, entities: Sequence[tuple[int, int]]) -> str:
    out, pos = [], lo
    for s, e in sorted(entities):
        s, e = max(s - offset, pos), min(e - offset, hi)
        if s >= e:
            continue
        out += [escape(text[pos:s]), '<b class="rag-entity">', escape(text[s:e]), "</b>"]
        pos = e
    out.append(escape(text[pos:hi]))
    return "".join(out)


def entity_spans(entities: Sequence[Any], path: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of answer entities (records or their JSON dicts) inside ``path[start:end]``."""
    out = []
    for e in entities:
        for c in (e["citations"] if isinstance(e, dict) else e.citations):
            cp, cs, ce = (c["path"], c["start"], c["end"]) if isinstance(c, dict) else (c.path, c.start, c.end)
            if cp == path and start <= cs and ce <= end:
                out.append((cs, ce))
    return out


def _cite_line(c: Citation) -> str:
    """Title is shown above; here: outlet · date · author · file:start-end."""
    bits = [escape(x) for x in (c.outlet, format_date(c.date), c.author) if x]
    bits.append(f"<code>{escape(c.path)}:{c.start}-{c.end}</code>")
    if c.url:
        bits.append(link(c.url, "source page"))
    return " · ".join(bits)


def link(url: str, text: str) -> str:
    """An external link, only for http(s) URLs (never javascript: or data:); escaped."""
    if not url.lower().startswith(("http://", "https://")):
        return escape(text)
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{escape(text)}</a>'


def card(r: Result, entities: Sequence[tuple[int, int]] = ()) -> str:
    cite = escape(citation_line(r.citation), quote=True)
    also = ""
    if r.also_in:
        items = "; ".join(f"{escape(a.outlet or a.title)} ({escape(a.path)}:{a.start}-{a.end})"
                          for a in r.also_in)
        also = f'<div class="rag-also">Also in: {items}</div>'
    weak = " weak" if r.weak else ""
    label = "weak match · " if r.weak else ""
    return (
        f'<article class="rag-card{weak}" id="result-{r.rank}" data-rank="{r.rank}" '
        f'aria-label="Result {r.rank}">'
        f'<div class="rag-head"><span class="rag-rank">[{r.rank}]</span>'
        f'<span class="rag-title">{escape(r.citation.title)}</span>'
        f'<span class="rag-meta">{label}score {r.score:.3f}</span></div>'
        f'<div class="rag-cite citation">{_cite_line(r.citation)}</div>'
        f'<div class="rag-text">{_marked(r.text, r.citation.start, r.highlights, entities)}</div>{also}'
        f'<div class="rag-actions">'
        f'<button class="rag-btn rag-copy" type="button" data-cite="{cite}" '
        f'aria-label="Copy citation for result {r.rank}">Copy citation</button>'
        f'<button class="rag-btn rag-show" type="button" data-rank="{r.rank}" '
        f'aria-label="Show result {r.rank} in its article">Show in article</button>'
        f'</div></article>')


def answer_block(resp: Response) -> str:
    """The short extractive answer above the passages, or a plain no-answer notice."""
    if not resp.results:
        return ""
    if not resp.answerable:
        return ('<div class="rag-noanswer" role="status"><strong>No answer found.</strong> Nothing in '
                'the indexed articles answers this clearly; the closest passages are shown below '
                'as weak matches.</div>')
    if resp.generated is not None and (gen := generated_block(resp)):
        return gen
    if not resp.answer:
        return ""
    items = "".join(f'<li>{escape(a.text)} {_ref(a.result_rank)}</li>' for a in resp.answer)
    named = ", ".join(f'<b class="rag-entity">{escape(e.text)}</b> ' + "".join(_ref(n) for n in e.ranks)
                      for e in resp.entities)
    head = f'<p class="rag-entities">{named}</p>' if named else ""
    return (f'<section class="rag-answer" aria-label="Answer"><strong>Answer</strong>'
            f'{head}<ul>{items}</ul></section>')


def _ref(rank: int) -> str:
    return f'<a href="#result-{rank}" aria-label="source: result {rank}">[{rank}]</a>'


def generated_block(resp: Response) -> str:
    """The LLM's answer, only its sentences a cited span supports; "" when none (extractive then)."""
    kept = [g for g in resp.generated or [] if g.supported]
    dropped = len(resp.generated or []) - len(kept)
    if not kept:
        return ""
    items = "".join("<li>" + escape(g.text) + " " + "".join(
        f'<a href="#result-{n}" aria-label="source: result {n}">[{n}]</a>'
        for n in dict.fromkeys(c.result_rank for c in g.citations)) + "</li>" for g in kept)
    note = (f'<p class="rag-dropped">{dropped} generated sentence(s) left out: the passages they '
            'cite do not support them.</p>' if dropped else "")
    return (f'<section class="rag-answer" aria-label="Answer"><strong>Answer</strong> '
            f'<small>(generated; every sentence checked against its source)</small><ul>{items}</ul>'
            f'{note}</section>')


def draft_block(text: str) -> str:
    """The LLM's draft while it streams: plain, unverified, without links."""
    return (f'<section class="rag-answer rag-draft" aria-label="Draft answer" aria-busy="true">'
            f'<strong>Writing an answer…</strong> <small>(unchecked draft)</small>'
            f'<p>{escape(text)}</p></section>')


def results_html(resp: Response) -> str:
    return "".join(card(r, entity_spans(resp.entities, r.citation.path, r.citation.start, r.citation.end))
                   for r in resp.results)


def summary(resp: Response) -> str:
    """One line that says how much matched and how long it took."""
    if not resp.results:
        return (f"No passages matched “{resp.query}”. Try other words, fewer filters, "
                f"or another retrieval mode. ({resp.took_ms:.0f} ms)")
    shown = len(resp.results)
    noun = "passage" if resp.matched == 1 else "passages"
    return (f"{resp.matched} {noun} matched; showing the best {shown} "
            f"({resp.mode} search, {resp.took_ms:.0f} ms).")


def source_view(src: Source, start: int, end: int, entities: Sequence[tuple[int, int]] = ()) -> str:
    """The cleaned article (body paragraphs only), the cited span and answer entities marked."""
    parts = [f"<p>{_marked(src.text[s:e], s, [(start, end)], entities)}</p>" for s, e in src.spans]
    m = src.metadata
    head = escape(" · ".join(x for x in (m.title or src.path, m.outlet, format_date(m.date)) if x))
    return (f'<div class="rag-source-head"><strong>{head}</strong> '
            f'<span class="rag-meta"><code>{escape(src.path)}:{start}-{end}</code></span></div>'
            f'<div class="rag-source" id="source-view" tabindex="0" role="region" '
            f'aria-label="Article text">{"".join(parts)}</div>')


def build_outcome(what: str, report: BuildReport, added: list[str], removed: list[str]) -> tuple[str, bool]:
    """What a build did, in plain words, and whether some file could not be indexed."""
    if report.up_to_date:
        text = f"{what}: the index was already up to date"
    else:
        changes = [f"{len(paths)} {label}" + (f": {', '.join(paths)}" if len(paths) <= 3 else "")
                   for paths, label in ((added, "added"), (report.changed, "changed"),
                                        (removed, "removed")) if paths]
        text = f"{what}: done in {report.seconds:.1f} s" + (f" ({'; '.join(changes)})" if changes else "")
    text += f". {report.documents} documents, {report.chunks} passages indexed."
    if report.warnings:
        text += " Not indexed: " + "; ".join(report.warnings) + "."
    return text, bool(report.warnings)


def count_text(n: int) -> str:
    return f"**{n}** document{'s' if n != 1 else ''} indexed"


def sentence(text: str) -> str:
    """Error texts are lower-case fragments in the CLI; on the page they read as sentences."""
    text = text.strip()
    if not text:
        return "Something went wrong."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def to_json(resp: Response) -> str:
    """Exactly what `rag query --json` prints."""
    return json.dumps(resp.to_dict(), ensure_ascii=False)
