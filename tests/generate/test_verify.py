"""Verification with the real encoder and index: only sentences their cited span supports survive,
with the exact span; wrong numbers, wrong names and wrong citations are caught."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from rag.generate.verify import verify
from rag.records import GeneratedSentence, Response, Result

pytestmark = pytest.mark.slow
LIFTED = "Have NATO members already lifted restrictions on their weapons?"


def _results(searcher, question: str, must_contain: str, k: int = 5) -> tuple[Response, Result]:  # type: ignore[no-untyped-def]
    resp = searcher.search(question, k=k)
    hit = next((r for r in resp.results if must_contain in r.text), None)
    assert hit is not None, f"no result carries {must_contain!r}"
    return resp, hit


def _check(searcher, answer: str, resp: Response) -> list[GeneratedSentence]:  # type: ignore[no-untyped-def]
    return verify(answer, resp.results, searcher.snapshot().reader)


def _assert_exact(searcher, g: GeneratedSentence, resp: Response, words: str) -> None:  # type: ignore[no-untyped-def]
    """Each citation is a span inside the result it names, and the span says ``words``."""
    assert g.supported and g.citations
    for c in g.citations:
        r = resp.results[c.result_rank - 1]
        assert r.citation.path == c.path and r.citation.start <= c.start < c.end <= r.citation.end
        text = searcher.snapshot().source(c.path).text[c.start:c.end]
        assert words in text


def test_a_paraphrase_keeps_its_citation_to_the_exact_sentence(searcher) -> None:  # type: ignore[no-untyped-def]
    resp, hit = _results(searcher, LIFTED, "already lifted restrictions")
    answer = (f"Some NATO members have already lifted the restrictions on using their weapons "
              f"against targets in Russia, Stoltenberg noted [{hit.rank}].")
    [g] = _check(searcher, answer, resp)
    _assert_exact(searcher, g, resp, "already lifted restrictions")
    span = g.citations[0]
    assert span.end - span.start < len(hit.text)  # a sentence, not the whole passage


def test_a_wrong_number_is_not_supported(searcher) -> None:  # type: ignore[no-untyped-def]
    resp, hit = _results(searcher, "When did Russia invade Ukraine?", "February 2022")
    true, wrong = (f"Stoltenberg said this stance has been consistent since Russia's invasion of Ukraine "
                   f"in February {year} [{hit.rank}]." for year in (2022, 2023))
    [ok] = _check(searcher, true, resp)
    _assert_exact(searcher, ok, resp, "February 2022")
    [bad] = _check(searcher, wrong, resp)
    assert not bad.supported and bad.citations == ()


def test_a_wrong_name_is_not_supported(searcher) -> None:  # type: ignore[no-untyped-def]
    resp, hit = _results(searcher, "Did Germany allow Ukraine to use its weapons?", "German government spokesman")
    n = hit.rank
    [ok] = _check(searcher, f"A German government spokesman confirmed that Ukraine could use weapons "
                            f"supplied by Berlin [{n}].", resp)
    _assert_exact(searcher, ok, resp, "German government spokesman")
    for wrong in (f"A French government spokesman confirmed that Ukraine could use weapons supplied by Paris [{n}].",
                  f"A German government spokesman confirmed that Poland could use weapons supplied by Berlin [{n}]."):
        [bad] = _check(searcher, wrong, resp)
        assert not bad.supported and bad.citations == (), wrong


def test_a_citation_to_a_passage_that_does_not_say_it(searcher) -> None:  # type: ignore[no-untyped-def]
    resp, hit = _results(searcher, "Did Germany allow Ukraine to use its weapons?", "German government spokesman")
    other = next(r for r in resp.results if r.citation.path != hit.citation.path and "German" not in r.text)
    sentence = "A German government spokesman confirmed that Ukraine could use weapons supplied by Berlin"
    [bad] = _check(searcher, f"{sentence} [{other.rank}].", resp)
    assert not bad.supported and bad.citations == ()
    [both] = _check(searcher, f"{sentence} [{other.rank}][{hit.rank}].", resp)
    assert both.supported and {c.result_rank for c in both.citations} == {hit.rank}


def test_nonexistent_and_missing_citations_are_never_shown(searcher) -> None:  # type: ignore[no-untyped-def]
    resp, _ = _results(searcher, LIFTED, "already lifted restrictions", k=3)
    made_up, uncited = _check(searcher, "Some NATO members have already lifted restrictions [9]. "
                                        "Some NATO members have already lifted restrictions.", resp)
    for g in (made_up, uncited):
        assert not g.supported and g.citations == () and "[" not in g.text


def test_the_extractive_answer_is_shown_when_nothing_survives(searcher) -> None:  # type: ignore[no-untyped-def]
    from rag.ui.terminal import print_response

    resp, _ = _results(searcher, LIFTED, "already lifted restrictions")
    resp.generated = _check(searcher, "France and Spain lifted all limits in 1999 [1].", resp)
    assert resp.generated and not resp.generated[0].supported
    out = io.StringIO()
    print_response(resp, Console(file=out, width=200))
    text = out.getvalue()
    assert "France and Spain" not in text
    assert resp.answer and resp.answer[0].text[:60] in text
    assert resp.to_dict()["generated"] == [{"text": "France and Spain lifted all limits in 1999.",
                                           "citations": [], "supported": False}]


def test_the_fitted_rule_separates_the_labelled_pairs(searcher) -> None:  # type: ignore[no-untyped-def]
    """The committed weight and threshold still fit the labelled pairs built from data/."""
    from rag.generate.calibrate import build_pairs, rates, report
    from rag.generate.verify import SUPPORT_THRESHOLD, SUPPORT_WEIGHT

    pairs = build_pairs(searcher.snapshot())
    assert {p.kind for p in pairs} == {"paraphrase", "verbatim", "number", "name", "wrong passage"}
    missed, false = rates(pairs, SUPPORT_WEIGHT, SUPPORT_THRESHOLD)
    assert false <= 0.02 and missed <= 0.1, (missed, false)
    assert min(report(pairs, SUPPORT_WEIGHT, SUPPORT_THRESHOLD).values()) >= 0.85
