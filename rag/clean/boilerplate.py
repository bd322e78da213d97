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

import re
from dataclasses import dataclass

import justext  # type: ignore[import-untyped]

Span = tuple[int, int]

STOPWORDS: frozenset[str] = frozenset(justext.get_stoplist("English"))
LENGTH_LOW, LENGTH_HIGH = 70, 200  # jusText's defaults, in characters
STOP_LOW, STOP_HIGH = 0.30, 0.32  # jusText's stop-word density thresholds
GOOD, NEAR, SHORT, BAD = "good", "neargood", "short", "bad"
_INLINE = {"ad", "label", "caption"}  # chrome set inside the body: no evidence either way for neighbours

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.)[\"'”’)\]]*$")
_BULLET = re.compile(r"^(?:[•·▪◦‣*–—-]|\d{1,2}[.)])\s+\S")
_LINKY = re.compile(r"https?://|www\.|^@\w|^#\w|\S@\S+\.\w|\.(?:com|org|net)/", re.I)
_SEPARATOR = re.compile(r"\s[|»›·/]\s|\s[|»›]$")

# Phrases that are chrome whatever the line length (forms, banners, disclaimers, calls to act).
_STRONG = re.compile(
    r"\bleave a (?:reply|comment)\b|\byour email address will not be published\b"
    r"|\brequired fields are marked\b|\bsave my name,? email\b|\bcomments are closed\b"
    r"|\bfollow us\b|\bsupport us\b|\bbecome (?:a|our) (?:patron|member|supporter|subscriber)\b"
    r"|\ball rights reserved\b|\bdo(?:es)? not necessarily (?:reflect|represent)\b"
    r"|\bviews expressed (?:here|in this)\b|\b(?:we|this (?:web)?site) uses? cookies\b"
    r"|\b(?:accept|use of|manage) (?:all )?cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\bsign up for (?:our|the) newsletter\b|^advertisement\b|^(?:sponsored|promoted)(?: content)?\b",
    re.I,
)
STRONG_MAX = 1000  # a longer line is a paragraph of prose that happens to quote such a phrase
_AD = re.compile(r"^(?:advertisement|(?:sponsored|promoted)(?: content)?|ad)\W*$", re.I)
# Phrases that are chrome only on a short line (a body sentence may mention them).
_WEAK = re.compile(
    r"\bsubscribe\b|\bnewsletter\b|\bshare (?:this|on|via)\b|^share\b|\bread more\b|\bclick here\b"
    r"|\bprivacy policy\b|\bterms of (?:use|service)\b|\bcopyright\b|©|\bskip to\b|\bpatreon\b"
    r"|\b(?:log|sign) ?(?:in|up)\b|\bdonate\b|^(?:tags?|topics?|categories|filed under)\b|^ad$",
    re.I,
)
# Headings after which a page lists links (need 1 strong line to resume) or comments (need 3).
_LINK_SECTION = re.compile(
    r"^(?:(?:recent|related|popular|latest|trending|more|top|featured|recommended|other)\s+"
    r"(?:posts?|articles?|stories|news|reads?|videos?|headlines|content|coverage)"
    r"|you (?:may|might) (?:also )?like|read (?:next|also)|also read|see also|more from\b"
    r"|most (?:read|popular|viewed)|editor['’]?s picks)\b",
    re.I,
)
_COMMENT_SECTION = re.compile(
    r"^(?:leave a (?:reply|comment)|(?:post|add) a comment|(?:\d+\s+)?(?:comments?|responses?)"
    r"|join the (?:conversation|discussion))\b",
    re.I,
)
_TIME_AGO = re.compile(
    r"\b(?:\d+|an?)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?"
    r"|months?|y|yrs?|years?)\s+ago\b",
    re.I,
)
_CAPTION = re.compile(
    r"\b(?:photo|image|picture|photograph|illustration|video|credit)s?(?:\s+credit)?\s*:"
    r"|\b(?:getty images|ap photo|shutterstock|afp via)\b|^(?:photo|image|picture)s? (?:by|courtesy)\b",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:by|authors?|written by|posted by|words by|report(?:ing|ed) by|edited by)\s*[:\-–—]?\s+(.+)$",
    re.I,
)
_NAME_STOP = re.compile(r"\s*(?:[|•,;/(]|\s[-–—]\s|\bon\b|\bat\b|\d).*$")
_PARTICLES = {"de", "da", "di", "du", "del", "der", "den", "van", "von", "al", "bin", "la", "le", "and", "&"}
_CAP = r"[A-Z][\w.&'’-]*"
ORG_PATTERN = rf"{_CAP}(?:\s+{_CAP})*"  # a run of capitalised words: an organisation name
_BIO = re.compile(
    rf"^(?P<name>{_CAP}(?:\s+{_CAP}){{0,3}})\s+is\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,4}}?"
    r"(?:editor|writer|reporter|correspondent|journalist|columnist|contributor|author|analyst"
    rf"|producer|editor-in-chief)\s+(?:of|at|for|with)\s+(?:the\s+)?(?P<org>{ORG_PATTERN})"
)
_CONTACT = re.compile(r"\bfollow (?:him|her|them|me)\b|@\w|\btwitter\b|\bemail\b|\bcan be reached\b", re.I)

_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
DATE_RE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MON})\.?,?\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<m2>{_MON})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b"
    r"|\b(?P<y3>\d{4})[-/](?P<m3>\d{1,2})[-/](?P<d3>\d{1,2})\b",
    re.I,
)
_DATELINE_REST = re.compile(
    r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?"
    r"|sun)(?:day)?\b|\b(?:updated|published|posted|last|on|at|date|gmt|utc|bst|cet|cest|e[sd]t"
    r"|p[sd]t|et|pt|ist|msk|eet|eest|local|time)\b|[\W_]+",
    re.I,
)


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


def split_lines(text: str) -> list[Span]:
    """Trimmed spans of the non-blank ``\\n``-separated lines (other breaks stay inside a line)."""
    out: list[Span] = []
    pos = 0
    for raw in text.split("\n"):
        if raw.strip():
            out.append((pos + len(raw) - len(raw.lstrip()), pos + len(raw.rstrip())))
        pos += len(raw) + 1
    return out


def is_dateline(s: str) -> bool:
    """A line that is nothing but a date (plus weekday, time, "Updated")."""
    return len(s) <= 80 and bool(DATE_RE.search(s)) and not _DATELINE_REST.sub("", DATE_RE.sub("", s))


def byline_name(s: str) -> str | None:
    """The name in an "Author: X" / "By X" line, or None when the line is not a byline."""
    m = _BYLINE.match(s)
    if not m or len(s.split()) > 12:
        return None
    name = _NAME_STOP.sub("", m.group(1)).strip(" .:")
    tokens = name.split()
    ok = 1 <= len(tokens) <= 8 and all(t[0].isupper() or t.lower() in _PARTICLES for t in tokens)
    return name if ok and tokens[0][0].isupper() else None


def bio_match(s: str) -> re.Match[str] | None:
    """An author bio: "X is the news editor of Y" (groups ``name`` and ``org``)."""
    return _BIO.match(s) if len(s) < 300 else None


def looks_like_headline(s: str) -> bool:
    """Title-ish: a few capitalised words, not a sentence ending in a period, not chrome."""
    words = s.split()
    return (
        3 <= len(words) <= 30
        and 15 <= len(s) <= 250
        and (s[0].isupper() or s[0].isdigit() or s[0] in "\"“‘'")
        and not re.search(r"[.,;:]$", s)
        and not _ELLIPSIS_END.search(s)
        and chrome_kind(s, False) is None
    )


def chrome_kind(s: str, near_end: bool) -> str | None:
    """The rule that marks this line chrome on its own, or None."""
    words, tokens = len(_WORD.findall(s)), s.split()
    if _AD.match(s):
        return "ad"
    if (len(s) < STRONG_MAX and _STRONG.search(s)) or (len(s) < 120 and _WEAK.search(s)):
        return "lexicon"
    if _TIME_AGO.search(s) and words <= 8 and not _SENTENCE_END.search(s):
        return "time"
    if is_dateline(s):
        return "dateline"
    if byline_name(s):
        return "byline"
    if len(s) < 160 and _CAPTION.search(s):
        return "caption"
    if bio_match(s) and (near_end or _CONTACT.search(s)):
        return "bio"
    if s.endswith(":") and words <= 3 and not any(w.lower() in STOPWORDS for w in _WORD.findall(s)):
        return "label"
    if tokens and sum(bool(_LINKY.search(t)) for t in tokens) / len(tokens) > 0.2:
        return "links"
    if words <= 15 and len(_SEPARATOR.findall(f" {s} ")) >= 2:
        return "menu"
    if _ELLIPSIS_END.search(s) and len(s) < 250 and not s.startswith(('"', "“")):
        return "truncated"
    return None


def _initial_class(s: str, words: int, stop: float) -> str:
    """jusText's context-free classification, plus a sentence bonus that plain text affords."""
    sentence = bool(_SENTENCE_END.search(s)) and words >= 3 and stop > 0
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
        line.cls == GOOD or (line.cls == NEAR and line.words >= 10 and bool(_SENTENCE_END.search(line.text)))
    )


def classify(text: str) -> list[Line]:
    """All non-blank lines with their final class; ``headline`` marks the detected headline."""
    spans = split_lines(text)
    lines: list[Line] = []
    for i, (a, b) in enumerate(spans):
        s = text[a:b]
        ws = [w.lower() for w in _WORD.findall(s)]
        stop = sum(w in STOPWORDS for w in ws) / len(ws) if ws else 0.0
        line = Line(a, b, s, len(ws), stop, chrome_kind(s, i >= len(spans) - 3))
        line.cls = BAD if line.kind else _initial_class(s, len(ws), stop)
        if len(ws) <= 6 and (_LINK_SECTION.search(s) or _COMMENT_SECTION.search(s)):
            line.heading = "links" if _LINK_SECTION.search(s) else "comments"
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
        intro = line.text.endswith(":") and i + 1 < len(lines) and bool(_BULLET.match(lines[i + 1].text))
        if intro or _BULLET.match(line.text):  # a list continues the paragraph that introduces it
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
             and (ln.words >= 3 or _SENTENCE_END.search(ln.text))]
    return spans or [(ln.start, ln.end) for ln in lines if ln.kind == "headline"]
