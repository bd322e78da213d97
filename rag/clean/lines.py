"""What one line of a saved page looks like: the patterns and rules that name chrome (ads,
bylines, datelines, captions, bios, link lists) from the line alone, before its neighbours are
looked at (``rag.clean.boilerplate``), and the line and date patterns metadata extraction shares."""

from __future__ import annotations

import re

import justext  # type: ignore[import-untyped]

Span = tuple[int, int]


class Phrases:
    """A case-insensitive pattern of lower-case phrases, searched ~4x faster: an ASCII line is
    first searched lower-cased with a case-sensitive copy that has no ``\\b`` (Python's ``re``
    scans a pattern that opens with ``\\b`` under IGNORECASE position by position). That copy
    matches wherever the pattern does, so only lines it finds are searched with the pattern."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern, re.I)
        self._hint = re.compile(pattern.replace(r"\b", ""))

    def search(self, s: str) -> re.Match[str] | None:
        if s.isascii() and not self._hint.search(s.lower()):
            return None
        return self.pattern.search(s)

STOPWORDS: frozenset[str] = frozenset(justext.get_stoplist("English"))

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.)[\"'”’)\]]*$")
BULLET = re.compile(r"^(?:[•·▪◦‣*–—-]|\d{1,2}[.)])\s+\S")
_LINKY = re.compile(r"https?://|www\.|^@\w|^#\w|\S@\S+\.\w|\.(?:com|org|net)/", re.I)
_LINKY_ANY = re.compile(r"https?://|www\.|[@#]|\.(?:com|org|net)/", re.I)  # in a line: a token may be linky
_SEPARATOR = re.compile(r"\s[|»›·/]\s|\s[|»›]$")

# Phrases that are chrome whatever the line length (forms, banners, disclaimers, calls to act).
_STRONG = Phrases(
    r"\bleave a (?:reply|comment)\b|\byour email address will not be published\b"
    r"|\brequired fields are marked\b|\bsave my name,? email\b|\bcomments are closed\b"
    r"|\bfollow us\b|\bsupport us\b|\bbecome (?:a|our) (?:patron|member|supporter|subscriber)\b"
    r"|\ball rights reserved\b|\bdo(?:es)? not necessarily (?:reflect|represent)\b"
    r"|\bviews expressed (?:here|in this)\b|\b(?:we|this (?:web)?site) uses? cookies\b"
    r"|\b(?:accept|use of|manage) (?:all )?cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\bsign up for (?:our|the) newsletter\b|^advertisement\b|^(?:sponsored|promoted)(?: content)?\b",
)
STRONG_MAX = 1000  # a longer line is a paragraph of prose that happens to quote such a phrase
_AD = re.compile(r"^(?:advertisement|(?:sponsored|promoted)(?: content)?|ad)\W*$", re.I)
# Phrases that are chrome only on a short line (a body sentence may mention them).
_WEAK = Phrases(
    r"\bsubscribe\b|\bnewsletter\b|\bshare (?:this|on|via)\b|^share\b|\bread more\b|\bclick here\b"
    r"|\bprivacy policy\b|\bterms of (?:use|service)\b|\bcopyright\b|©|\bskip to\b|\bpatreon\b"
    r"|\b(?:log|sign) ?(?:in|up)\b|\bdonate\b|^(?:tags?|topics?|categories|filed under)\b|^ad$",
)
# Headings after which a page lists links (need 1 strong line to resume) or comments (need 3).
LINK_SECTION = re.compile(
    r"^(?:(?:recent|related|popular|latest|trending|more|top|featured|recommended|other)\s+"
    r"(?:posts?|articles?|stories|news|reads?|videos?|headlines|content|coverage)"
    r"|you (?:may|might) (?:also )?like|read (?:next|also)|also read|see also|more from\b"
    r"|most (?:read|popular|viewed)|editor['’]?s picks)\b",
    re.I,
)
COMMENT_SECTION = re.compile(
    r"^(?:leave a (?:reply|comment)|(?:post|add) a comment|(?:\d+\s+)?(?:comments?|responses?)"
    r"|join the (?:conversation|discussion))\b",
    re.I,
)
_TIME_AGO = re.compile(
    r"\b(?:\d+|an?)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?"
    r"|months?|y|yrs?|years?)\s+ago\b",
    re.I,
)
_CAPTION = Phrases(
    r"\b(?:photo|image|picture|photograph|illustration|video|credit)s?(?:\s+credit)?\s*:"
    r"|\b(?:getty images|ap photo|shutterstock|afp via)\b|^(?:photo|image|picture)s? (?:by|courtesy)\b",
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
_CONTACT = Phrases(r"\bfollow (?:him|her|them|me)\b|@\w|\btwitter\b|\bemail\b|\bcan be reached\b")

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
    words, tokens = len(WORD.findall(s)), s.split()
    if _AD.match(s):
        return "ad"
    if (len(s) < STRONG_MAX and _STRONG.search(s)) or (len(s) < 120 and _WEAK.search(s)):
        return "lexicon"
    if _TIME_AGO.search(s) and words <= 8 and not SENTENCE_END.search(s):
        return "time"
    if is_dateline(s):
        return "dateline"
    if byline_name(s):
        return "byline"
    if len(s) < 160 and _CAPTION.search(s):
        return "caption"
    if bio_match(s) and (near_end or _CONTACT.search(s)):
        return "bio"
    if s.endswith(":") and words <= 3 and not any(w.lower() in STOPWORDS for w in WORD.findall(s)):
        return "label"
    if tokens and _LINKY_ANY.search(s) and sum(bool(_LINKY.search(t)) for t in tokens) / len(tokens) > 0.2:
        return "links"
    if words <= 15 and len(_SEPARATOR.findall(f" {s} ")) >= 2:
        return "menu"
    if _ELLIPSIS_END.search(s) and len(s) < 250 and not s.startswith(('"', "“")):
        return "truncated"
    return None
