"""The one date parser: ISO and natural language, relative to --now; impossible dates refused (D2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rag.cli_news import date_filters
from rag.dates import BadDate, parse_bound, parse_date, stated_date
from rag.load.formats import extract
from tests.helpers import run_rag

NOW = dt.date(2017, 3, 20)  # a Monday


@pytest.mark.parametrize(("text", "since", "until"), [
    ("2024-05-25", "2024-05-25", "2024-05-25"),
    ("March 14, 2017", "2017-03-14", "2017-03-14"),
    ("14 Mar", "2017-03-14", "2017-03-14"),
    ("last week", "2017-03-13", "2017-03-13"),
    ("since Monday", "2017-03-13", "2017-03-13"),
    ("Friday", "2017-03-17", "2017-03-17"),
    ("yesterday", "2017-03-19", "2017-03-19"),
    ("2 days ago", "2017-03-18", "2017-03-18"),
    ("2024", "2024-01-01", "2024-12-31"),  # a year is the whole year
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("March 2017", "2017-03-01", "2017-03-31"),
    ("2017-03-13T22:10:00Z", "2017-03-13", "2017-03-13"),
])
def test_dates_relative_to_now(text: str, since: str, until: str) -> None:
    assert parse_bound(text, NOW) == since
    assert parse_bound(text, NOW, end=True) == until


@pytest.mark.parametrize("text", ["2024-13-45", "2024-02-30", "2023-02-29", "2024-00", "14/03/2017",
                                  "soonish", "next blah", "   "])
def test_impossible_or_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(BadDate):
        parse_date(text, NOW)


def test_filters_read_bounds_and_refuse_inverted_ranges() -> None:
    f = date_filters(None, None, "2024", "2024", "2024-06-01")
    assert (f.date_from, f.date_to) == ("2024-01-01", "2024-12-31")
    assert f.allows("a.txt", None, "2024-06-01")  # `--until 2024` used to drop all of 2024
    f = date_filters(None, None, "last week", None, "2017-03-20")
    assert f.date_from == "2017-03-13"
    with pytest.raises(Exception, match="after"):
        date_filters(None, None, "2024-05-02", "2024-05-01")


@pytest.mark.parametrize("args", [("--since", "2024-13-45"), ("--until", "2024-02-30"), ("--since", "tomorrowish"),
                                  ("--now", "2024-02-30")])
def test_cli_bad_dates_are_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    """D2: used to be accepted (exit 0, nothing found); now one line on stderr and exit 2."""
    env = {"RAG_DATA": str(tmp_path / "data"), "RAG_INDEX": str(tmp_path / "index")}
    p = run_rag("query", "anything", *args, env=env, cwd=tmp_path, timeout=120)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert p.stdout == ""


def test_stated_dates_are_absolute_calendar_dates() -> None:
    assert stated_date("Tue, 14 Mar 2017 10:00:00 GMT") == "2017-03-14"
    assert stated_date("March 14, 2017") == "2017-03-14"
    assert stated_date("") is None and stated_date(None) is None
    for bad in ("2024-13-45", "yesterday", 20170314):
        with pytest.raises(BadDate):
            stated_date(bad)


def test_jsonl_dates_are_validated_and_carry_provenance() -> None:
    """D2: JSONL `date` values used to be stored as given ("2024-13-45")."""
    lines = [
        '{"title": "A", "text": "Alpha happened today in the town.", "date": "2024-13-45"}',
        '{"title": "B", "text": "Beta happened today in the town.", "date": "March 14, 2017"}',
        '{"title": "C", "text": "Gamma happened.", "url": "https://news.example/2017/03/15/gamma"}',
        '{"title": "D", "text": "Delta happened.", "date": "2017-03-16", "date_source": "feed"}',
    ]
    sources, warnings = extract("2017-03-01_batch.jsonl", "\n".join(lines).encode())
    got = [(s.metadata.date, s.metadata.date_source) for s in sources]
    assert got == [("2017-03-01", "filename"), ("2017-03-14", "metadata"), ("2017-03-15", "url"),
                   ("2017-03-16", "feed")]
    assert sources[2].metadata.url == "https://news.example/2017/03/15/gamma"
    assert len(warnings) == 1 and "line 1" in warnings[0] and "2024-13-45" in warnings[0]


def test_text_files_get_date_provenance() -> None:
    body = "Storm hits the coast\n\nThe storm reached the coast on Tuesday and closed every school in the area.\n"
    dated = extract("news/2017-03-13_storm.txt", body.encode())[0][0].metadata
    assert (dated.date, dated.date_source) == ("2017-03-13", "filename")
    stated = "Published: March 12, 2017\n\n" + body
    m = extract("storm.txt", stated.encode())[0][0].metadata
    assert (m.date, m.date_source) == ("2017-03-12", "stated")
    m = extract("storm.txt", body.encode())[0][0].metadata
    assert (m.date, m.date_source) == (None, "unknown")
