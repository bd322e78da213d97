"""Per-format extraction: each turns one file's bytes into ``Source`` records.

Plain text keeps the file's own text, so citations index into the file itself. HTML, PDF and
JSONL citations index into the extracted text, which the index stores for the source viewer.
Heavy parsers (trafilatura, pypdf) are imported only when such a file is met.
"""

from __future__ import annotations

import json
import re

from rag.clean import body_spans, extract_metadata, metadata_from_html
from rag.clean.dating import DATE_SOURCES, with_date_provenance
from rag.dates import BadDate, stated_date
from rag.load.decode import NotText, decode, normalize_newlines
from rag.records import Metadata, Source, record_path
from rag.util import sha256_bytes

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
           ".pdf": "pdf", ".jsonl": "jsonl"}

_PARAGRAPH = re.compile(r"[^\n]+")


class Skip(ValueError):
    """This file yields nothing to index; the message says why in a few words."""


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Every non-blank line, trimmed: for text an extractor has already cleaned."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def extract(path: str, raw: bytes) -> tuple[list[Source], list[str]]:
    """Return the sources in one file and warnings about it (decoding, skipped lines)."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise Skip(f"unsupported file type '{suffix or path}'")
    if fmt == "pdf":
        return [_pdf(path, raw)], []
    try:
        decoded = decode(raw)
    except NotText as exc:
        raise Skip(str(exc)) from None
    warnings = [decoded.warning] if decoded.warning else []
    if fmt == "jsonl":
        sources, more = _jsonl(path, decoded.text)
        return sources, warnings + more
    if fmt == "html":
        return [_html(path, raw, decoded.text)], warnings
    spans = body_spans(decoded.text)
    if not spans:
        raise Skip("no article text (only page chrome)")
    meta = with_date_provenance(extract_metadata(decoded.text, spans), path)
    src = Source(path, decoded.text, sha256_bytes(raw), fmt, meta, tuple(spans),
                 extracted=not decoded.utf8_native)
    return [src], warnings


def _html(path: str, raw: bytes, html: str) -> Source:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_recall=True, deduplicate=False) or ""  # dedup: a process-wide cache
    text = normalize_newlines(text).strip()
    if not text:
        raise Skip("no article text found in the HTML")
    meta = metadata_from_html(html)
    if not meta.title or not meta.date:
        found = extract_metadata(text, paragraph_spans(text))
        meta = Metadata(meta.title or found.title, meta.author, meta.date or found.date, meta.outlet,
                        meta.url, "metadata" if meta.date else None)
    meta = with_date_provenance(meta, path)
    return Source(path, text, sha256_bytes(raw), "html", meta, tuple(paragraph_spans(text)), True)


def _pdf(path: str, raw: bytes) -> Source:
    import io

    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        pages = [(p.extract_text() or "").strip() for p in reader.pages]
        info = reader.metadata
    except Exception as exc:  # pypdf raises many types on damaged files
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from None
    text = normalize_newlines("\n\n".join(p for p in pages if p)).strip()
    if not text:
        raise Skip("no extractable text in the PDF (scanned image?)")
    spans = paragraph_spans(text)
    found = extract_metadata(text, spans)
    title = (str(info.title).strip() if info and info.title else None) or found.title
    author = (str(info.author).strip() if info and info.author else None) or found.author
    meta = with_date_provenance(Metadata(title, author, found.date, found.outlet), path)
    return Source(path, text, sha256_bytes(raw), "pdf", meta, tuple(spans), True)


def _jsonl(path: str, text: str) -> tuple[list[Source], list[str]]:
    """One article per line. Fields are typed: ``text`` must be a non-empty string (else the
    line is skipped); ``title``/``author``/``date``/``outlet`` are strings or absent (anything
    else is ignored with a warning), so ``null`` never becomes the article "None"."""
    sources: list[Source] = []
    warnings: list[str] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            warnings.append(f"line {lineno}: not valid JSON; skipped")
            continue
        if not isinstance(obj, dict) or "text" not in obj:
            warnings.append(f"line {lineno}: not a JSON object with a 'text' field; skipped")
            continue
        if not isinstance(obj["text"], str):
            warnings.append(f"line {lineno}: 'text' is {_json_type(obj['text'])}, not a string; skipped")
            continue
        body = normalize_newlines(obj["text"]).strip()
        if not body:
            warnings.append(f"line {lineno}: empty 'text'; skipped")
            continue
        fields: dict[str, str | None] = {}
        for name in ("title", "author", "outlet", "url"):
            value = obj.get(name)
            if value is not None and not isinstance(value, str):
                warnings.append(f"line {lineno}: '{name}' is {_json_type(value)}, not a string; ignored")
                value = None
            fields[name] = _str(value)
        meta, bad = _jsonl_meta(obj, fields, record_path(path, lineno))
        if bad:
            warnings.append(f"line {lineno}: {bad}; stored without a date")
        spans = paragraph_spans(body)
        digest = sha256_bytes(line.encode("utf-8", "surrogatepass"))
        sources.append(Source(record_path(path, lineno), body, digest, "jsonl", meta, tuple(spans), True))
    if not sources:
        raise Skip("no articles in the JSONL file")
    return sources, warnings


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
             list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _jsonl_meta(obj: dict, fields: dict[str, str | None],  # type: ignore[type-arg]
                path: str) -> tuple[Metadata, str | None]:
    """Title, author, outlet, url (typed ``fields``) and a validated date, with its stated
    provenance, of one line."""
    bad = None
    try:
        date = stated_date(obj.get("date"))
    except BadDate as exc:
        date, bad = None, str(exc)
    source = obj.get("date_source") if obj.get("date_source") in DATE_SOURCES else "metadata"
    url = fields["url"]
    meta = Metadata(fields["title"], fields["author"], date, fields["outlet"],
                    url if url and url.startswith(("http://", "https://")) else None,
                    source if date else None)
    return with_date_provenance(meta, path), bad


def _str(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None
