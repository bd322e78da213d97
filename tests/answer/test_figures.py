"""Differing figures: the same quantity across reports, years and days of the month left out."""

from __future__ import annotations

import datetime as dt

from rag.answer.figures import label, mentions, same_quantity
from rag.answer.recency import decay


def test_numbers_that_are_not_figures_are_skipped() -> None:
    text = "On 14 March 2017, at 10:30, officials said 1,200 homes and 3.5 million dollars were lost."
    got = [(m.shown, m.value) for m in mentions(0, text, 100)]
    assert got == [("1,200", 1200.0), ("3.5 million", 3_500_000.0)]
    m = mentions(0, text, 100)[0]
    assert text[m.start - 100:m.end - 100] == "1,200"  # exact span in the source


def test_the_same_quantity_is_grouped_across_reports() -> None:
    a = mentions(0, "Officials said at least 65 people were killed in the floods.", 0)
    b = mentions(1, "The number of people killed in the floods rose to 72 on Wednesday.", 0)
    c = mentions(2, "Officials now say 113 people were killed, and 40 schools were closed.", 0)
    groups = same_quantity(a + b + c)
    assert len(groups) == 1
    assert sorted(m.shown for m in groups[0]) == ["113", "65", "72"] and label(groups[0]) == "people"
    # one report alone, or the same value everywhere, is not a disagreement
    assert same_quantity(a) == [] and same_quantity(a + mentions(1, "At least 65 people were killed.", 0)) == []


def test_recency_decay_formula() -> None:
    now = dt.date(2017, 3, 20)
    assert decay("2017-03-20", now, 7) == 1.0
    assert abs(decay("2017-03-13", now, 7) - 0.5) < 1e-9
    assert abs(decay("2017-03-06", now, 7) - 0.25) < 1e-9
    assert decay("2017-03-30", now, 7) == 1.0 and decay(None, now, 7) == 0.5
