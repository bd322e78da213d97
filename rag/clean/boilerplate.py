"""Find the article body in a web page saved as plain text.

Why features and not known strings: every site words its chrome differently, but chrome looks
alike everywhere — short lines, few stop words, no sentence punctuation, time stamps, link-like
tokens — and it comes in runs. The classifier follows jusText (Pomikálek 2011), adapted to text
lines: each line gets an initial class from its own features (good / near-good / short / bad),
a small lexicon of universal chrome phrases marks lines bad, headings like "Recent Posts" or
"Leave a Reply" open a chrome section, and short / near-good lines take their neighbours' class.

Headline policy: the headline is never a body span. It is the first headline-shaped line before
the body; it (and any repeat of it) is left out and reported by ``extract_metadata`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.clean.lines import (
    BULLET,
    COMMENT_SECTION,
    LINK_SECTION,
    SENTENCE_END,
    STOPWORDS,
    WORD,
    Span,
    chrome_kind,
    looks_like_headline,
    split_lines,
)

LENGTH_LOW, LENGTH_HIGH = 70, 200  # jusText's defaults, in characters
STOP_LOW, STOP_HIGH = 0.30, 0.32  # jusText's stop-word density thresholds
GOOD, NEAR, SHORT, BAD = "good", "neargood", "short", "bad"
_INLINE = {"ad", "label", "caption"}  # chrome set inside the body: no evidence either way for neighbours

@dataclass
class Line:
    """One non-blank line with the features the classifier looks at."""

    start: int
    end: int
    text: str
    words: int
    stop: float  # stop-word density
    kind: str | None = None  # why it is chrome, if a rule says so
    cls: str = SHORT
    heading: str | None = None  # "links" | "comments" when it opens a chrome section


def _initial_class(s: str, words: int, stop: float) -> str:
    """jusText's context-free classification, plus a sentence bonus that plain text affords."""
    sentence = bool(SENTENCE_END.search(s)) and words >= 3 and stop > 0
    if len(s) < LENGTH_LOW:
        return NEAR if (words >= 5 and stop >= STOP_LOW) or sentence else SHORT
    if stop >= STOP_HIGH:  # a full wordy sentence is as telling in plain text as jusText's 200 chars
        return GOOD if len(s) > LENGTH_HIGH or sentence else NEAR
    if stop >= STOP_LOW or (sentence and stop >= 0.2):
        return NEAR
    return BAD


def _strong(line: Line) -> bool:
    """Text that clearly is article body: long and wordy, or a full sentence of some length."""
    return line.kind is None and (
        line.cls == GOOD or (line.cls == NEAR and line.words >= 10 and bool(SENTENCE_END.search(line.text)))
    )


def classify(text: str) -> list[Line]:
    """All non-blank lines with their final class; ``headline`` marks the detected headline."""
    spans = split_lines(text)
    lines: list[Line] = []
    for i, (a, b) in enumerate(spans):
        s = text[a:b]
        ws = [w.lower() for w in WORD.findall(s)]
        stop = sum(w in STOPWORDS for w in ws) / len(ws) if ws else 0.0
        line = Line(a, b, s, len(ws), stop, chrome_kind(s, i >= len(spans) - 3))
        line.cls = BAD if line.kind else _initial_class(s, len(ws), stop)
        if len(ws) <= 6 and (LINK_SECTION.search(s) or COMMENT_SECTION.search(s)):
            line.heading = "links" if LINK_SECTION.search(s) else "comments"
        lines.append(line)
    _mark_sections(lines)
    _mark_headline(lines)
    _smooth(lines)
    return lines


def _mark_headline(lines: list[Line]) -> None:
    """The first headline-shaped line before the body is the headline; repeats are chrome."""
    for line in lines:
        if _strong(line):
            return
        if line.kind is None and line.heading is None and looks_like_headline(line.text):
            line.kind, line.cls = "headline", BAD
            for other in lines:
                if other is not line and other.text.casefold() == line.text.casefold():
                    other.kind, other.cls = "duplicate", BAD
            return


def _mark_sections(lines: list[Line]) -> None:
    """Everything after a links/comments heading is chrome until strong body text resumes."""
    need = 0
    held: list[Line] = []  # lines since the last teaser ended: maybe the article's own head
    for i, line in enumerate(lines):
        if line.heading:
            need, held = (1 if line.heading == "links" else 3), []
            line.kind, line.cls = line.kind or "section", BAD
        elif need and len(lines[i : i + need]) == need and all(_strong(x) for x in lines[i : i + need]):
            for h in held:  # body resumes: the lines after the last teaser are its headline etc.
                h.kind, h.cls = None, _initial_class(h.text, h.words, h.stop)
            need, held = 0, []
        elif need:
            if line.kind in ("time", "truncated"):
                held = []
            elif line.kind is None:
                held.append(line)
            line.kind, line.cls = line.kind or "section", BAD


def _neighbours(lines: list[Line], ignore_near: bool, step: int) -> list[str]:
    """jusText's neighbour of every line, in one pass: the nearest good/bad (or near-good) class
    in direction ``step``; page edges count as bad, inline chrome is skipped."""
    out, last = [BAD] * len(lines), BAD
    order = range(len(lines)) if step < 0 else range(len(lines) - 1, -1, -1)
    for i in order:
        out[i] = last
        c, kind = lines[i].cls, lines[i].kind
        if kind not in _INLINE and (c in (GOOD, BAD) or (c == NEAR and not ignore_near)):
            last = c
    return out


def _smooth(lines: list[Line]) -> None:
    """jusText's context revision: short lines, then near-good lines, follow their neighbours."""
    prev, nxt = _neighbours(lines, True, -1), _neighbours(lines, True, 1)
    prev_near, next_near = _neighbours(lines, False, -1), _neighbours(lines, False, 1)
    new: dict[int, str] = {}
    for i, line in enumerate(lines):
        if line.cls != SHORT:
            continue
        intro = line.text.endswith(":") and i + 1 < len(lines) and bool(BULLET.match(lines[i + 1].text))
        if intro or BULLET.match(line.text):  # a list continues the paragraph that introduces it
            new[i] = GOOD if prev_near[i] in (GOOD, NEAR) else BAD
        elif prev[i] == nxt[i]:
            new[i] = prev[i]
        elif (prev[i] == BAD and prev_near[i] == NEAR) or (nxt[i] == BAD and next_near[i] == NEAR):
            new[i] = GOOD
        else:
            new[i] = BAD
    for i, c in new.items():
        lines[i].cls = c
    prev, nxt = _neighbours(lines, True, -1), _neighbours(lines, True, 1)
    for i, line in enumerate(lines):
        if line.cls == NEAR:
            line.cls = BAD if prev[i] == nxt[i] == BAD else GOOD


def body_spans(text: str) -> list[Span]:
    """Sorted, non-overlapping, trimmed spans of the article-body lines of ``text``.

    jusText treats the page edges as chrome, so a short article (a wire item, an abstract: a
    headline and one paragraph) has no good neighbour to lean on and would vanish whole. When the
    classifier keeps nothing, every line that no chrome rule named is the body; failing that, the
    headline is: an article is never dropped for its length or layout, only for being chrome.
    """
    lines = classify(text)
    spans = [(ln.start, ln.end) for ln in lines if ln.cls == GOOD and ln.kind is None]
    if spans:
        return spans
    spans = [(ln.start, ln.end) for ln in lines if ln.kind is None and ln.heading is None
             and (ln.words >= 3 or SENTENCE_END.search(ln.text))]
    return spans or [(ln.start, ln.end) for ln in lines if ln.kind == "headline"]
