"""Metadata as the pages state it; ``None`` where they do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.clean import body_spans, extract_metadata, metadata_from_html
from rag.records import Metadata

DATA = Path(__file__).resolve().parents[2] / "data"
PAGES = {p.name[:3]: p for p in sorted(DATA.glob("*.txt"))}


def meta(key: str) -> Metadata:
    text = PAGES[key].read_text(encoding="utf-8")
    return extract_metadata(text, body_spans(text))


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("000", "Stoltenberg Joins Calls for NATO Weapons To Be Used on Russian Territory"),
        ("001", "Let Ukraine freely strike Russia with western weapons: NATO head"),
        ("002", "Stoltenberg calls on NATO allies to allow Ukraine to strike Russian territory"),
        ("003", None),  # the page opens with a body sentence: no headline to report
        ("004", "NATO Chief Stoltenberg Dismisses Putin’s Escalation Warnings Over Western Weapons"),
    ],
)
def test_titles_are_the_headlines(key: str, title: str | None) -> None:
    assert meta(key).title == title


def test_sample_metadata() -> None:
    assert meta("000") == Metadata(
        title="Stoltenberg Joins Calls for NATO Weapons To Be Used on Russian Territory",
        author="Dave DeCamp",
        date=None,
        outlet="Antiwar.com",
    )
    assert meta("001").outlet == "Iran Front Page"
    assert meta("001").author is None and meta("001").date is None  # "2 hours ago" is no date
    assert meta("002").date == "2024-05-25"
    assert meta("002").outlet is None  # "Support UP or become our patron!" names no outlet
    assert meta("003") == Metadata()
    assert (meta("004").author, meta("004").date, meta("004").outlet) == (None, None, None)


SYNTHETIC = """Skip to main content
Advertisement
Heavy Snow Cuts Power to Thousands Across the Region
By Maria van der Berg | Staff Reporter
Updated: May 25, 2024 at 9:30 am

Thousands of homes were left without power on Monday after heavy snow brought down lines across the region.
The utility said it could take several days before everyone was reconnected, and it asked for patience.

© 2024 The Valley Courier. All rights reserved.
"""


def test_synthetic_page_metadata() -> None:
    assert extract_metadata(SYNTHETIC, body_spans(SYNTHETIC)) == Metadata(
        title="Heavy Snow Cuts Power to Thousands Across the Region",
        author="Maria van der Berg",
        date="2024-05-25",
        outlet="The Valley Courier",  # a capitalised "The" is part of the name
    )


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Saturday, 25 May 2024, 01:45", "2024-05-25"),
        ("May 25, 2024", "2024-05-25"),
        ("Sept. 3, 2023 10:15 GMT", "2023-09-03"),
        ("2024-05-25", "2024-05-25"),
        ("Published: 1st March 2022", "2022-03-01"),
        ("31 February 2024", None),  # not a calendar date
        ("2 hours ago", None),
    ],
)
def test_datelines(line: str, date: str | None) -> None:
    body = "The council said on Friday that it would publish its full findings next week, after a review."
    text = f"A Headline For The Test Page\n\n{line}\n\n{body}\n"
    assert extract_metadata(text, body_spans(text)).date == date


def test_dates_inside_the_body_are_not_the_page_date() -> None:
    body = "The talks, first held on 25 May 2024, resumed on Monday after a pause."
    text = f"Talks Resume After Long Pause\n\n{body}\n"
    assert extract_metadata(text, body_spans(text)).date is None


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Author: Dave DeCamp", "Dave DeCamp"),
        ("By Jane Smith", "Jane Smith"),
        ("By Jane Smith and John Doe, Reuters", "Jane Smith and John Doe"),
        ("Written by: Ana de la Cruz", "Ana de la Cruz"),
        ("By the time it ended", None),
    ],
)
def test_bylines(line: str, author: str | None) -> None:
    body = "The council said on Friday that it would publish its full findings next week, after a review."
    text = f"{line}\n\n{body}\n"
    assert extract_metadata(text, body_spans(text)).author == author


def test_chrome_only_page_has_no_metadata() -> None:
    text = "Advertisement:\n\nLeave a Reply\n\nYour email address will not be published."
    assert body_spans(text) == []
    assert extract_metadata(text, []) == Metadata()


def test_metadata_from_html() -> None:
    html = (
        "<html><head><title>Snow Cuts Power - Valley Courier</title>"
        '<meta name="author" content="Jane Smith">'
        '<meta property="og:site_name" content="Valley Courier">'
        '<meta property="og:title" content="Snow Cuts Power">'
        '<meta property="article:published_time" content="2024-05-25T09:30:00Z">'
        "</head><body><article><h1>Snow Cuts Power</h1>"
        "<p>Thousands of homes lost power.</p></article></body></html>"
    )
    assert metadata_from_html(html) == Metadata(
        title="Snow Cuts Power", author="Jane Smith", date="2024-05-25", outlet="Valley Courier",
        date_source="metadata",
    )


@pytest.mark.parametrize("html", ["", "   ", "<<<>>>", "\x00\x01", "<html></html>", "plain text, no markup"])
def test_metadata_from_html_is_robust(html: str) -> None:
    result = metadata_from_html(html)
    assert isinstance(result, Metadata)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_extract_metadata_never_crashes(text: str) -> None:
    result = extract_metadata(text, body_spans(text))
    for value in (result.title, result.author, result.date, result.outlet):
        assert value is None or (isinstance(value, str) and value == value.strip() and value)
    assert result.date is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.date)


def test_bio_names_author_and_outlet() -> None:
    body = "The council said on Friday that it would publish its full findings next week, after a review."
    bio = "Jane Roe is a senior correspondent for The Daily Planet. Follow her on X @janeroe"
    text = f"{body}\n\n{bio}\n"
    assert body_spans(text) == [(0, len(body))]
    got = extract_metadata(text, body_spans(text))
    assert (got.author, got.outlet) == ("Jane Roe", "The Daily Planet")


def test_outlet_needs_a_publisher_statement() -> None:
    text = (
        "Talks Resume After Long Pause\n\nRecent Posts\n\n"
        "Minister restates the position of the United States.\n\nSupport UP or become our patron!\n"
    )
    assert extract_metadata(text, body_spans(text)).outlet is None
