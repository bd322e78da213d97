"""The public-set scoring: what counts as a hit, and the rows `--mode` asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import RagError
from rag.evaluate.questions import Evidence, Question, load_questions, result_hits, score
from rag.evaluate.rows import Row, rows_for
from rag.records import Citation, Response, Result

SOURCES = {"a.txt": "Intro. The German government spokesman said yes. Outro.",
           "b.txt": "Other text. The German government spokesman said yes."}


def _result(rank: int, path: str, start: int, end: int, also: list[Citation] | None = None) -> Result:
    return Result(rank, 1.0 / rank, SOURCES[path][start:end], Citation(path, path, start, end),
                  also_in=also or [])


Q = Question("q1", "who?", True, (Evidence("b.txt", "government spokesman"),))


def test_hit_needs_the_right_document_and_the_evidence() -> None:
    resp = Response("who?", [
        _result(1, "a.txt", 7, 49),  # the evidence, but from a document not judged relevant
        _result(2, "b.txt", 0, 11),  # the right document, but not the evidence
        _result(3, "a.txt", 0, 6, also=[Citation("b.txt", "b", 12, 53)]),  # via also_in
    ])
    assert result_hits(resp, Q, SOURCES.__getitem__) == [False, False, True]


def test_score_metrics_and_no_answer_accuracy() -> None:
    unanswerable = Question("q2", "football?", False, ())
    responses = [Response("who?", [_result(1, "a.txt", 0, 6), _result(2, "b.txt", 12, 53)]),
                 Response("football?", [_result(1, "a.txt", 0, 6)], answerable=False)]
    sc = score([Q, unanswerable], responses, SOURCES.__getitem__)
    assert (sc.hit1, sc.hit5, sc.mrr10, sc.noanswer_acc) == (0.0, 1.0, 0.5, 1.0)
    assert sc.answerable_n == 1 and len(sc.details) == 2


def test_load_questions(tmp_path: Path) -> None:
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"id": "x", "question": "q?", "answerable": False, "relevant": []})
                 + "\n\n", encoding="utf-8")
    assert load_questions(f) == [Question("x", "q?", False, ())]
    f.write_text("{not json}\n", encoding="utf-8")
    with pytest.raises(RagError):
        load_questions(f)


def test_rows_for_modes() -> None:
    s = Settings.load()
    assert rows_for("bm25", s.search) == [Row("bm25", s.search.rerank)]
    labels = [r.label for r in rows_for("all", s.search)]
    assert labels[:3] == ["dense", "bm25", "hybrid"] and labels[3].startswith("hybrid + ")
    with pytest.raises(RagError):
        rows_for("nope", s.search)


def test_answer_accuracy_needs_the_evidence_in_the_answer_itself() -> None:
    from rag.evaluate.questions import answer_hit, entity_recall
    from rag.records import AnswerEntity, AnswerSentence

    said = AnswerSentence("The German government spokesman said yes.", 1, "b.txt", 12, 54)
    other = AnswerSentence("The German government spokesman said yes.", 1, "a.txt", 7, 49)
    assert answer_hit(Response("who?", [], answer=[said]), Q)
    assert not answer_hit(Response("who?", [], answer=[other]), Q)  # not a relevant document
    assert not answer_hit(Response("who?", [], answerable=False, answer=[said]), Q)
    listed = Question("q2", "which countries?", True, (), ("United States", "Germany", "Economist"))
    got = Response("which countries?", [], entities=[AnswerEntity("Germany", "GPE"),
                                                      AnswerEntity("The Economist", "ORG")])
    assert entity_recall(got, listed) == pytest.approx(2 / 3)
    assert entity_recall(Response("q", [], answerable=False, entities=got.entities), listed) == 0.0


def test_entity_recall_is_reported_only_for_sets_that_name_entities() -> None:
    plain = score([Q], [Response("who?", [])], lambda p: SOURCES[p])
    assert "entity recall" not in plain.row() and "answer acc" in plain.row()
