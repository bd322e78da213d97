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
from rag.records import Metadata, Source
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
    sources: list[Source] = []
    warnings: list[str] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            body = normalize_newlines(str(obj["text"])).strip()
        except (ValueError, KeyError, TypeError):
            warnings.append(f"line {lineno}: not a JSON object with a 'text' field; skipped")
            continue
        if not body:
            warnings.append(f"line {lineno}: empty 'text'; skipped")
            continue
        meta, bad = _jsonl_meta(obj, f"{path}#{lineno}")
        if bad:
            warnings.append(f"line {lineno}: {bad}; stored without a date")
        spans = paragraph_spans(body)
        digest = sha256_bytes(line.encode("utf-8", "surrogatepass"))
        sources.append(Source(f"{path}#{lineno}", body, digest, "jsonl", meta, tuple(spans), True))
    if not sources:
        raise Skip("no articles in the JSONL file")
    return sources, warnings


def _jsonl_meta(obj: dict, path: str) -> tuple[Metadata, str | None]:  # type: ignore[type-arg]
    """Title, author, outlet, url and a validated date (with its stated provenance) of one line."""
    bad = None
    try:
        date = stated_date(obj.get("date"))
    except BadDate as exc:
        date, bad = None, str(exc)
    source = obj.get("date_source") if obj.get("date_source") in DATE_SOURCES else "metadata"
    url = _str(obj.get("url"))
    meta = Metadata(_str(obj.get("title")), _str(obj.get("author")), date, _str(obj.get("outlet")),
                    url if url and url.startswith(("http://", "https://")) else None,
                    source if date else None)
    return with_date_provenance(meta, path), bad


def _str(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None

