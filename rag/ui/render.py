"""HTML for the web app. Every string that comes from an article or a user is escaped here:
a page that contains ``<script>`` shows it as text and runs nothing."""

from __future__ import annotations

import json
from html import escape

from rag.records import Citation, Response, Result, Source
from rag.ui.terminal import citation_line, format_date

CSS = """
.rag-card {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px;
  margin: 10px 0; background: var(--background-fill-secondary);}
.rag-card.weak {opacity: 0.75; border-style: dashed;}
.rag-head {display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap;}
.rag-rank {font-weight: 700; color: var(--color-accent);}
.rag-title {font-weight: 600;}
.rag-meta {color: var(--body-text-color-subdued); font-size: 0.9em;}
.rag-text {margin: 8px 0; line-height: 1.5; white-space: pre-wrap;}
.rag-text mark, .rag-source mark {background: #ffe58a; color: #111; padding: 0 2px; border-radius: 3px;}
.rag-also {font-size: 0.88em; color: var(--body-text-color-subdued);}
.rag-copy {font-size: 0.85em; padding: 2px 8px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color);}
.rag-answer {border-left: 4px solid var(--color-accent); padding: 8px 12px; margin: 6px 0 12px;
  background: var(--background-fill-secondary); border-radius: 6px;}
.rag-answer a {text-decoration: none; font-weight: 600;}
.rag-noanswer {border-left: 4px solid #d97706; padding: 8px 12px; margin: 6px 0 12px;}
.rag-source {white-space: pre-wrap; line-height: 1.55; max-height: 520px; overflow: auto;
  padding: 12px; border: 1px solid var(--border-color-primary); border-radius: 8px;}
.rag-msg {padding: 10px 12px; border-radius: 8px; background: var(--background-fill-secondary);}
.rag-msg.error {border-left: 4px solid #dc2626;}
@media (max-width: 600px) { .rag-card {padding: 10px;} }
"""

COPY_JS = "navigator.clipboard && navigator.clipboard.writeText(this.dataset.cite); " \
          "this.textContent='Copied'; setTimeout(() => this.textContent='Copy citation', 1500);"


def message(text: str, error: bool = False) -> str:
    cls = "rag-msg error" if error else "rag-msg"
    role = "alert" if error else "status"
    return f'<div class="{cls}" role="{role}">{escape(text)}</div>'


def _marked(text: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap the absolute ``spans`` in <mark>."""
    out, pos = [], 0
    for s, e in sorted(spans):
        s, e = max(s - offset, pos), min(e - offset, len(text))
        if s >= e:
            continue
        out += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


def _meta_line(c: Citation) -> str:
    bits = [x for x in (c.outlet, format_date(c.date), c.author) if x]
    bits.append(f"{c.path}:{c.start}-{c.end}")
    return " · ".join(escape(b) for b in bits)


def card(r: Result) -> str:
    cite = escape(citation_line(r.citation), quote=True)
    also = ""
    if r.also_in:
        items = "; ".join(f"{escape(a.outlet or a.title)} ({escape(a.path)}:{a.start}-{a.end})"
                          for a in r.also_in)
        also = f'<div class="rag-also">also in: {items}</div>'
    weak = " weak" if r.weak else ""
    return (
        f'<article class="rag-card{weak}" id="result-{r.rank}" data-rank="{r.rank}">'
        f'<div class="rag-head"><span class="rag-rank">[{r.rank}]</span>'
        f'<span class="rag-title">{escape(r.citation.title)}</span>'
        f'<span class="rag-meta">score {r.score:.3f}</span></div>'
        f'<div class="rag-meta citation">{_meta_line(r.citation)}</div>'
        f'<div class="rag-text">{_marked(r.text, r.citation.start, r.highlights)}</div>{also}'
        f'<button class="rag-copy" type="button" data-cite="{cite}" onclick="{escape(COPY_JS)}" '
        f'aria-label="Copy citation for result {r.rank}">Copy citation</button></article>')


def answer_block(resp: Response) -> str:
    if not resp.results:
        return message("No passages matched. Try other words or clear the filters.")
    if not resp.answerable:
        return ('<div class="rag-noanswer" role="status"><strong>No answer found.</strong> Nothing in '
                'the indexed articles answers this clearly; the closest passages are shown below '
                'as weak matches.</div>')
    if not resp.answer:
        return ""
    items = "".join(f'<li>{escape(a.text)} <a href="#result-{a.result_rank}">[{a.result_rank}]</a></li>'
                    for a in resp.answer)
    return f'<div class="rag-answer" aria-label="Answer"><strong>Answer</strong><ul>{items}</ul></div>'


def results_html(resp: Response) -> str:
    return "".join(card(r) for r in resp.results)


def summary(resp: Response) -> str:
    return (f"{len(resp.results)} passages shown · {resp.matched} matched · "
            f"{resp.mode} · {resp.took_ms:.0f} ms")


def source_view(src: Source, start: int, end: int) -> str:
    """The cleaned article (body paragraphs only), the cited span highlighted."""
    parts = [f"<p>{_marked(src.text[s:e], s, [(start, end)])}</p>" for s, e in src.spans]
    m = src.metadata
    head = escape(" · ".join(x for x in (m.title or src.path, m.outlet, format_date(m.date)) if x))
    return (f'<div class="rag-source-head"><strong>{head}</strong> '
            f'<span class="rag-meta">{escape(src.path)}:{start}-{end}</span></div>'
            f'<div class="rag-source" id="source-view">{"".join(parts)}</div>')


def to_json(resp: Response) -> str:
    return json.dumps(resp.to_dict(), ensure_ascii=False)
