"""Sentence boundaries as character spans, so every sentence can be cited exactly.

A rule-based splitter: end punctuation (with closing quotes/brackets) followed by white space
and a plausible sentence start, except after common abbreviations and initials.
"""

from __future__ import annotations

import re

_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s+["'“‘«(\[]?[A-Z0-9À-ÖØ-Þ•\-–—])""")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "rev", "hon", "pres", "no", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "d.c", "a.m", "p.m", "approx", "fig", "al", "cf",
}


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``, trimmed, in absolute offsets."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        base = start + line.start()
        _split_line(text, base, start + line.end(), spans)
    return spans


def _split_line(text: str, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    seg = text[lo:hi]
    cut = 0
    for m in _END.finditer(seg):
        if _is_abbreviation(seg, m.start()):
            continue
        _emit(text, lo + cut, lo + m.end(), out)
        cut = m.end()
    _emit(text, lo + cut, hi, out)


_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LOOKBACK = 32  # longer than any abbreviation: a word cut at the window is never one


def _is_abbreviation(seg: str, dot: int) -> bool:
    if seg[dot] != ".":
        return False
    # Only a bounded window before the dot: searching all of seg[:dot] made a long line quadratic.
    m = _WORD_BEFORE.search(seg, max(0, dot - _LOOKBACK), dot)
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREV:
        return True
    return len(word) == 1 and seg[dot - 1].isupper()  # an initial: "J. Smith"


def _emit(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))
