"""Answer-type detection: what kind of thing a question asks for, and its key terms."""

from __future__ import annotations

import pytest

from rag.answer.question import COUNTRY, ORGANIZATION, PERSON, PLACE, QUANTITY, TIME, analyse


@pytest.mark.parametrize(
    "question, kind, labels, plural",
    [
        ("which countries lifted restrictions?", "list", COUNTRY, True),
        ("Which European nations sent troops?", "list", COUNTRY, True),
        ("Name the leaders who met in Prague", "list", PERSON, True),
        ("List the companies that bid for the contract.", "list", ORGANIZATION, True),
        ("Who asked the Secretary of Defense to act?", "person", PERSON, False),
        ("Whose plan was adopted?", "person", PERSON, False),
        ("Where is most of the fighting happening?", "place", PLACE, False),
        ("In which city did the ministers meet?", "place", PLACE, False),
        ("When did the invasion begin?", "time", TIME, False),
        ("What year did the war start?", "time", TIME, False),
        ("How many people died in the flood?", "quantity", QUANTITY, False),
        ("How much did the bridge cost?", "quantity", QUANTITY, False),
        ("What is the range of the missiles?", "quantity", QUANTITY, False),
        ("Which newspaper reported the shift?", "organization", ORGANIZATION, False),
        ("Why did Putin warn NATO?", "reason", frozenset(), False),
        ("What led to the ceasefire?", "reason", frozenset(), False),
        ("What is NATO?", "definition", frozenset(), False),
        ("Is NATO at war with Russia?", "yesno", frozenset(), False),
        ("Did Germany send tanks?", "yesno", frozenset(), False),
        ("What did Stoltenberg say about escalation?", "other", frozenset(), False),
        ("Which weapons were used?", "list", frozenset(), True),
    ],
)
def test_answer_type(question: str, kind: str, labels: frozenset[str], plural: bool) -> None:
    q = analyse(question)
    assert (q.answer_type, q.labels, q.plural) == (kind, labels, plural)
    assert q.wants_entities == bool(labels)


def test_key_terms_leave_out_question_words_and_the_answer_noun() -> None:
    q = analyse("Which countries have lifted the restrictions on weapons?")
    assert q.focus == "countries"
    assert set(q.key_terms) == {"lifted", "restrictions", "weapons"}
    # a noun that does not name a kind of entity is content, not the answer's name
    assert "analogy" in analyse("What analogy did the delegation use?").key_terms


@pytest.mark.parametrize("question", ["", "   ", "?", "which", "how", "What is"])
def test_degenerate_questions_do_not_crash(question: str) -> None:
    q = analyse(question)
    assert q.answer_type in ("other", "definition", "reason", "list")


def test_city_questions_name_their_focus_in_any_number() -> None:
    from rag.answer.typed import CITY_WORDS

    for q in ("In which city did they meet?", "Which cities were struck?", "Which towns flooded?"):
        assert analyse(q).focus in CITY_WORDS, q
