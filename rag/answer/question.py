"""What a question asks for: its answer type, the entity labels that can fill it, and its terms.

Rules over the question's own words (the wh-word and the noun it governs) rather than a model:
questions are short and formulaic, the rules are inspectable, and they cost nothing on the cold
query path. Entity labels are spaCy's (OntoNotes) names, which ``rag.answer.entities`` produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.search.bm25 import terms

AnswerType = Literal["list", "person", "place", "organization", "time", "quantity",
                     "definition", "reason", "yesno", "other"]

PERSON = frozenset({"PERSON"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
COUNTRY = frozenset({"GPE", "NORP"})  # "a German spokesman" names Germany
ORGANIZATION = frozenset({"ORG"})
TIME = frozenset({"DATE", "TIME"})
QUANTITY = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})

# The noun after "which/what" decides what fills the answer (singular stems; plurals map here).
_NOUNS: dict[str, frozenset[str]] = {}
for _labels, _words in (
    (COUNTRY, "country nation state government ally member power"),
    (PLACE, "city town capital region province place location area village district territory "
            "border site port island continent neighbourhood neighborhood"),
    (PERSON, "person people leader president minister official politician man woman author "
             "journalist spokesman spokeswoman spokesperson general commander lawmaker senator "
             "diplomat player coach ceo chief executive secretary candidate scientist founder "
             "reporter judge king queen prince ambassador representative who"),
    (ORGANIZATION, "company firm organization organisation group agency alliance party newspaper "
                   "outlet paper publication media broadcaster bank team club university court "
                   "institution ministry department union network channel magazine website"),
    (TIME, "year date day month decade century time week season era"),
    (QUANTITY, "number amount percentage percent share price cost figure total toll count sum rate "
               "size population range distance length height depth weight speed duration age budget "
               "salary value"),
):
    for _w in _words.split():
        _NOUNS[_w] = _labels

_WH = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
_AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "has",
        "have", "had", "should", "may", "might", "must", "shall"}
_QUANTITY_HOW = {"many", "much", "long", "old", "far", "big", "large", "high", "tall", "often",
                 "deep", "heavy", "fast"}
_BE_THE = {"is", "are", "was", "were", "the", "a", "an"}
_LIST_VERBS = {"list", "name", "enumerate"}
_REASON = re.compile(r"^(?:why\b|what (?:caused|causes|led to|prompted|drove)\b|for what reason\b"
                     r"|what (?:is|was|were|are) the (?:reason|cause|motive)s?\b)")
_DEFINITION = re.compile(r"^(?:what (?:is|are|was|were) (?:a |an |the )?\S+(?: \S+){0,3}\??$"
                         r"|define\b|what does .+ mean\b|what is meant by\b)")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Question words that carry no content: never key terms, never matched in passages.
_NOT_KEY = frozenset(_WH | _AUX | _LIST_VERBS | _QUANTITY_HOW
                     | {"kind", "type", "sort", "name", "about", "say", "said", "says", "tell", "told",
                        "also", "most", "exactly", "actually", "really"})


@dataclass(frozen=True)
class Question:
    """The analysed question. ``labels`` is empty when no entity type fills the answer."""

    text: str
    answer_type: AnswerType
    labels: frozenset[str]
    focus: str | None  # the noun that names the answer ("countries"), if any
    plural: bool  # asks for several things ("which countries", "list", "name the")
    key_terms: tuple[str, ...]  # content words, unstemmed, without question words or the focus

    @property
    def wants_entities(self) -> bool:
        return bool(self.labels)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _focus(words: list[str], at: int) -> tuple[str | None, frozenset[str], bool]:
    """The first known answer noun within three words after position ``at`` (skipping adjectives
    and "of the": "which European countries", "which of the leaders")."""
    while at < len(words) and words[at] in _BE_THE:  # "what is the range of ..."
        at += 1
    for w in words[at:at + 4]:
        if w in _AUX and w != "do":
            break
        labels = _NOUNS.get(_singular(w))
        if labels is not None:
            return w, labels, _singular(w) != w or w == "people"
    nxt = words[at] if at < len(words) and words[at] not in _AUX else None
    return nxt, frozenset(), bool(nxt and _singular(nxt) != nxt)


def analyse(question: str) -> Question:
    """Answer type, labels, focus and key terms of a question (any casing or punctuation)."""
    low = question.strip().lower()
    words = _WORD.findall(low)
    kind: AnswerType = "other"
    labels: frozenset[str] = frozenset()
    focus: str | None = None
    plural = False
    first = words[0] if words else ""
    if words and first in _LIST_VERBS:
        focus, labels, _ = _focus(words, 1 if words[1:2] != ["the"] else 2)
        kind, plural = "list", True
    elif _REASON.search(low):
        kind = "reason"
    elif "who" in words[:3] or "whom" in words[:3] or "whose" in words[:3]:
        kind, labels, focus = "person", PERSON, "who"
    elif "where" in words[:3]:
        kind, labels, focus = "place", PLACE, "where"
    elif "when" in words[:3]:
        kind, labels, focus = "time", TIME, "when"
    elif "how" in words[:3]:
        i = words.index("how")
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt in _QUANTITY_HOW:
            kind, labels, focus = "quantity", QUANTITY, nxt
        else:
            kind = "reason"  # "how did X happen": a manner, answered by a sentence
    elif first in ("which", "what") or (len(words) > 2 and words[1] in ("which", "what")):
        i = words.index("which") if "which" in words[:2] else words.index("what")
        focus, labels, plural = _focus(words, i + 1)
        if labels:
            kind = "list" if plural else _single_kind(labels)
        elif _DEFINITION.search(low):
            kind = "definition"
        elif plural:
            kind = "list"
    elif first in _AUX:
        kind = "yesno"
    named = focus if labels else None  # "countries" names the answer; "analogy" is content
    key = tuple(t for t in dict.fromkeys(terms(question)) if t not in _NOT_KEY and t != named
                and _singular(t) != (named and _singular(named)))
    return Question(question, kind, labels, focus, plural, key)


def _single_kind(labels: frozenset[str]) -> AnswerType:
    if labels == PERSON:
        return "person"
    if labels in (PLACE, COUNTRY):
        return "place"
    if labels == ORGANIZATION:
        return "organization"
    if labels == TIME:
        return "time"
    return "quantity"
