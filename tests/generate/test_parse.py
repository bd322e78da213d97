"""Reading the [n] markers out of a generated answer (no model needed)."""

from __future__ import annotations

from rag.generate.verify import Draft, facts, split_drafts


def test_markers_end_sentences_and_are_removed_from_the_text() -> None:
    drafts = split_drafts("Germany lifted its limits [2]. Britain did too [1, 3].")
    assert drafts == [Draft("Germany lifted its limits.", (2,)), Draft("Britain did too.", (1, 3))]


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    drafts = split_drafts("Germany lifted its limits. [2] Britain did too. [1][3]")
    assert drafts == [Draft("Germany lifted its limits.", (2,)), Draft("Britain did too.", (1, 3))]


def test_a_marker_opening_a_paragraph_belongs_to_that_paragraph() -> None:
    drafts = split_drafts("[1] Germany lifted its limits.\n\n[2] Britain did too.")
    assert drafts == [Draft("Germany lifted its limits.", (1,)), Draft("Britain did too.", (2,))]


def test_uncited_and_marker_only_pieces() -> None:
    assert split_drafts("No passage says so.") == [Draft("No passage says so.", ())]
    assert split_drafts("[3]") == []
    assert split_drafts("") == []


def test_facts_are_numbers_and_names_not_sentence_openers() -> None:
    nums, names = facts("However, Stoltenberg said 1,000 troops left Kharkiv in 2024.")
    assert nums == {"1000", "2024"}
    assert names == {"stoltenberg", "kharkiv"}
