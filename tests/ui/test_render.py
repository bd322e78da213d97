"""The page's HTML: everything from articles and users is escaped; the answer links to its cards."""

from __future__ import annotations

import re

from rag.index.build import BuildReport
from rag.records import AnswerSentence, Citation, Metadata, Response, Result, Source
from rag.ui import render

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _result(rank: int, text: str = "Ukraine may strike targets. More text.", weak: bool = False) -> Result:
    cite = Citation(f"{rank:03d}.txt", f"Title {rank} {EVIL}", 10, 10 + len(text), outlet=f"Outlet {EVIL}",
                    date="2024-05-25", author=None)
    return Result(rank=rank, score=0.5, text=text, citation=cite, highlights=[(10, 10 + 27)],
                  also_in=[Citation("dup.txt", EVIL, 0, 5)], weak=weak)


def _response(answerable: bool = True) -> Response:
    results = [_result(1, f"Ukraine may strike targets. {EVIL}", weak=not answerable), _result(2)]
    said = AnswerSentence(f"Ukraine may strike targets {EVIL}.", 2, "002.txt", 10, 36)
    answer = [said] if answerable else []
    return Response("q", results, answerable=answerable, answer=answer, took_ms=12.3, matched=17)


def _no_raw_markup(html: str) -> None:
    assert "<script" not in html and "<img" not in html and 'onerror="' not in html


def test_cards_escape_everything_and_carry_the_citation() -> None:
    html = render.results_html(_response())
    _no_raw_markup(html)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert 'id="result-1"' in html and 'id="result-2"' in html
    assert "25 May 2024" in html and "<code>001.txt:10-" in html
    assert html.count('class="rag-btn rag-copy"') == 2 and html.count("rag-show") == 2
    assert "<mark>Ukraine may strike targets.</mark>" in html
    assert "onclick" not in html  # behaviour comes from the delegated listener, not inline code


def test_copy_citation_attribute_is_quoted() -> None:
    html = render.card(_result(1))
    cite = re.search(r'data-cite="([^"]*)"', html)
    assert cite and "&lt;img src=x onerror=&quot;" in cite.group(1)


def test_answer_links_to_the_cards() -> None:
    html = render.answer_block(_response())
    _no_raw_markup(html)
    assert 'href="#result-2"' in html and ">[2]</a>" in html
    assert "Answer" in html


def test_no_answer_notice_and_weak_cards() -> None:
    resp = _response(answerable=False)
    assert "No answer found" in render.answer_block(resp)
    assert 'class="rag-card weak"' in render.results_html(resp)


def test_summary_says_how_many_and_how_long() -> None:
    assert render.summary(_response()) == "17 passages matched; showing the best 2 (hybrid search, 12 ms)."
    empty = Response("nothing here", [], answerable=False, took_ms=3, matched=0)
    assert "No passages matched" in render.summary(empty)
    assert render.answer_block(empty) == ""


def test_source_view_highlights_the_cited_span_escaped() -> None:
    text = f"Headline\n\nFirst paragraph {EVIL}.\n\nSecond paragraph is cited here.\n"
    start = text.index("Second")
    end = text.index(" here") + 5
    src = Source("a.txt", text, "h", "txt", Metadata(title=f"Head {EVIL}"),
                 spans=((10, text.index("\n\nSecond")), (start, len(text) - 1)))
    html = render.source_view(src, start, end)
    _no_raw_markup(html)
    assert "<mark>Second paragraph is cited here</mark>" in html
    assert "a.txt:" in html and 'id="source-view"' in html


def test_messages_are_escaped_and_announced() -> None:
    assert render.message(EVIL, error=True).startswith('<div class="rag-msg error" role="alert">')
    _no_raw_markup(render.message(EVIL))
    assert 'aria-busy="true"' in render.message("Searching…", busy=True)


def test_build_outcome_in_plain_words() -> None:
    report = BuildReport(documents=6, chunks=40, added=["new.txt", "bad.txt"], seconds=1.25,
                         warnings=["bad.txt: skipped, no article text (only page chrome)"])
    text, skipped = render.build_outcome("Upload", report, ["new.txt"], [])
    assert skipped
    assert text.startswith("Upload: done in 1.2 s (1 added: new.txt). 6 documents, 40 passages indexed.")
    assert "Not indexed: bad.txt: skipped" in text
    same, _ = render.build_outcome("Rebuild", BuildReport(documents=5, chunks=31, up_to_date=True), [], [])
    assert same == "Rebuild: the index was already up to date. 5 documents, 31 passages indexed."


def test_small_wordings() -> None:
    assert render.count_text(1) == "**1** document indexed" and render.count_text(5) == "**5** documents indexed"
    assert render.sentence("the question is empty: type a question") == "The question is empty: type a question."


def test_answer_lists_entities_with_links_and_cards_mark_them() -> None:
    from rag.records import AnswerEntity, SpanRef

    resp = _response()
    # "Ukraine" at absolute 10..17 of result 1's text (which starts at offset 10)
    resp.entities = [AnswerEntity(f"Ukraine {EVIL}", "GPE", [SpanRef("001.txt", 10, 17, 1)]),
                     AnswerEntity("Elsewhere", "GPE", [SpanRef("009.txt", 0, 9, None)])]
    block = render.answer_block(resp)
    _no_raw_markup(block)
    assert '<p class="rag-entities"><b class="rag-entity">Ukraine &lt;script&gt;' in block
    assert 'href="#result-1"' in block.split('<ul>')[0]  # the entity links to the card that says it
    assert '<b class="rag-entity">Elsewhere</b> ' in block  # cited outside the shown cards: no link
    cards = render.results_html(resp)
    assert '<mark><b class="rag-entity">Ukraine</b> may strike targets.</mark>' in cards


def test_source_view_marks_the_span_and_the_entities() -> None:
    text = "Germany lifted its restrictions. Other news."
    src = Source("a.txt", text, "h", "txt", Metadata(title="T"), ((0, len(text)),))
    html = render.source_view(src, 0, 32, render.entity_spans(
        [{"text": "Germany", "type": "GPE", "citations": [{"path": "a.txt", "start": 0, "end": 7}]}],
        "a.txt", 0, len(text)))
    assert '<mark><b class="rag-entity">Germany</b> lifted its restrictions.</mark>' in html
