"""Generation end to end against a real OpenAI-compatible server running SmolLM2-135M on CPU.

A 135M model writes weak answers; what is tested is the plumbing (streaming, the CLI, JSON) and
that whatever it writes comes out verified: kept sentences cite exact supporting spans only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.generate.client import OpenAIGenerator, complete
from tests.helpers import run_rag

pytestmark = pytest.mark.slow
QUESTION = "which countries lifted restrictions?"
SHORT = {"RAG_LLM_MAX_TOKENS": "48"}  # ~2-4 tokens/s here


def test_the_client_streams_from_the_server(llm_url: str) -> None:
    pieces: list[str] = []
    text = complete(OpenAIGenerator(llm_url, max_tokens=8),
                    [{"role": "user", "content": "Say hello."}], pieces.append)
    assert len(pieces) > 1 and "".join(pieces) == text and text.strip()


def test_query_json_carries_verified_generated_sentences(llm_url: str, sample_index: dict[str, Path]) -> None:
    proc = run_rag("query", QUESTION, "--llm", llm_url, "--json", "-k", "3",
                   "--data", str(sample_index["data"]), "--index", str(sample_index["index"]), env=SHORT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["answerable"] and out["answer"], "the extractive answer stays beside the generated one"
    assert out["generated"], "the model wrote nothing"
    # SmolLM2 copies the first passage with its "[1]" (greedy, so every run): one kept sentence.
    assert any(g["supported"] for g in out["generated"]), out["generated"]
    data = sample_index["data"]
    spans = {(r["path"], r["start"], r["end"]) for r in out["results"]}
    for g in out["generated"]:
        assert set(g) == {"text", "citations", "supported"} and "[" not in g["text"]
        assert g["supported"] == bool(g["citations"])
        for c in g["citations"]:
            assert any(p == c["path"] and s <= c["start"] < c["end"] <= e for p, s, e in spans)
            assert (data / c["path"]).read_text(encoding="utf-8")[c["start"]:c["end"]].strip()


def test_query_streams_the_draft_and_prints_an_answer(llm_url: str, sample_index: dict[str, Path]) -> None:
    proc = run_rag("query", QUESTION, "--llm", llm_url, "-k", "2", "--data", str(sample_index["data"]),
                   "--index", str(sample_index["index"]), env=SHORT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("draft: ") and len(proc.stderr.strip()) > len("draft:")
    assert "Answer" in proc.stdout and "[1]" in proc.stdout
    assert "(generated, every sentence checked against its source)" in proc.stdout


def test_no_generation_on_a_no_answer_unless_asked(sample_index: dict[str, Path]) -> None:
    """Nothing listens on this URL: a generation attempt would fail the command."""
    closed = "http://127.0.0.1:9/v1"
    where = ["--data", str(sample_index["data"]), "--index", str(sample_index["index"])]
    proc = run_rag("query", "recipe for sourdough bread with rye flour", "--llm", closed, "--json", *where)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["answerable"] is False and "generated" not in out
    proc = run_rag("query", "recipe for sourdough bread with rye flour", "--llm", closed, "--llm-always", *where)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: could not reach the LLM server at http://127.0.0.1:9/v1")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_bad_llm_url_is_one_line(sample_index: dict[str, Path]) -> None:
    proc = run_rag("query", QUESTION, "--llm", "localhost:11434", "--index", str(sample_index["index"]))
    assert proc.returncode == 2 and proc.stderr.startswith("error: the LLM URL must start with http")  # a bad option


def test_eval_scores_the_generated_answer_beside_the_extractive_one(llm_url: str, searcher) -> None:  # type: ignore[no-untyped-def]
    from rag.evaluate.questions import Evidence, Question, SourceTexts, span_hit
    from rag.generate.evaluation import generation_scores

    settings = searcher.settings.with_(llm_url=llm_url, llm_max_tokens=48)
    qs = [Question("a", QUESTION, True, (Evidence("003_4b0b2928d8019f33.txt", "reverse its ban"),)),
          Question("b", "recipe for sourdough bread with rye flour", False)]
    responses = [searcher.search(q.question, k=3) for q in qs]
    details: list[dict] = [{}, {}]  # type: ignore[type-arg]
    snap = searcher.snapshot()
    scores = generation_scores(settings.llm, snap.reader, qs, responses, details, span_hit(SourceTexts(snap)))
    assert set(scores) == {"gen supported", "answer acc", "gen answer acc"}
    assert 0 < scores["gen supported"] <= 1 and scores["gen answer acc"] == 1.0
    assert details[0]["generated"] and details[1]["generated"] == []  # no-answer: not generated
