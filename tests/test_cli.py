"""The `rag` command as a user runs it: real processes, real index, JSON contract, errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_rag


def env_for(idx: dict[str, Path]) -> dict[str, str]:
    return {"RAG_DATA": str(idx["data"]), "RAG_INDEX": str(idx["index"])}


def test_query_json_contract_and_exact_citations(sample_index, tmp_path):
    p = run_rag("query", "which countries lifted restrictions?", "--json", "-k", "5",
                env=env_for(sample_index), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)  # exactly one JSON object
    assert out["query"] == "which countries lifted restrictions?"
    assert len(out["results"]) == 5
    paths = set()
    for i, r in enumerate(out["results"], start=1):
        assert r["rank"] == i and isinstance(r["score"], float)
        text = (sample_index["data"] / r["path"]).read_text(encoding="utf-8")
        assert text[r["start"]:r["end"]] == r["text"]
        assert r["title"]
        for extra in r["also_in"]:
            src = (sample_index["data"] / extra["path"]).read_text(encoding="utf-8")
            assert src[extra["start"]:extra["end"]]
        paths.add(r["path"])
        paths.update(a["path"] for a in r["also_in"])
    assert "004_67eed8baa2c05698.txt" in paths
    lifted = {"004_67eed8baa2c05698.txt", "001_1a0347c2f0363c6c.txt", "000_f86cd9bef1ccdea8.txt"}
    assert len(paths & lifted) >= 2


def test_human_output_has_citations(sample_index, tmp_path):
    p = run_rag("query", "What did Stoltenberg say about the risk of escalation?", "-k", "3",
                env=env_for(sample_index), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "[1]" in p.stdout and ".txt:" in p.stdout


def test_errors_are_one_line_without_traceback(sample_index, tmp_path):
    cases = [
        (["query", "   "], "empty"),
        (["query", "x" * 10_000], "too long"),
        (["query", "hello", "--mode", "fuzzy"], "mode"),
        (["query", "hello", "-k", "0"], "top-k"),
        (["query", "hello", "--bogus"], "bogus"),
        (["query", "hello", "-k", "many"], "top-k"),
    ]
    for args, needle in cases:
        p = run_rag(*args, env=env_for(sample_index), cwd=tmp_path)
        assert p.returncode != 0, args
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1, (args, p.stderr)
        assert needle in lines[0].lower(), (args, p.stderr)
        assert "Traceback" not in p.stderr and p.stdout == ""


def test_missing_index_says_run_rag_index(tmp_path):
    p = run_rag("query", "anything", env={"RAG_INDEX": str(tmp_path / "none"), "RAG_DATA": str(tmp_path)})
    assert p.returncode != 0
    assert p.stderr.strip().count("\n") == 0 and "rag index" in p.stderr


def test_status_reports_counts(sample_index, tmp_path):
    p = run_rag("status", "--json", env=env_for(sample_index), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    st = json.loads(p.stdout)
    assert st["documents"] == 5 and st["chunks"] > 5
    assert st["new"] == [] and st["changed"] == [] and st["deleted"] == []
