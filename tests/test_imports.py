"""The query path stays light: `rag query` must not import torch, sentence-transformers,
transformers or gradio (importing them costs ~10 s, 6x more than the whole cold query)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

FORBIDDEN = ("torch", "sentence_transformers", "transformers", "gradio")

PROGRAM = """
import io, json, sys
from contextlib import redirect_stdout
from rag.cli import main
out = io.StringIO()
with redirect_stdout(out):
    code = main(["query", sys.argv[1], "--data", sys.argv[2], "--index", sys.argv[3], "--json"])
print(json.dumps({"code": code, "response": json.loads(out.getvalue() or "null"),
                  "modules": sorted(sys.modules)}))
"""


def _run(sample_index: dict[str, Path], question: str, *args: str) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROGRAM, question, str(sample_index["data"]),
                           str(sample_index["index"]), *args], capture_output=True, text=True,
                          timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("question", ["which countries lifted restrictions?", "nothing about this at all"])
def test_query_path_imports_no_heavy_module(sample_index: dict[str, Path], question: str) -> None:
    got = _run(sample_index, question)
    assert got["code"] == 0
    assert got["response"]["results"], "the search must really have run"
    heavy = [m for m in got["modules"] if m.split(".")[0] in FORBIDDEN]
    assert heavy == [], f"rag query imported {sorted({m.split('.')[0] for m in heavy})}"


def test_console_script_query_runs_light(sample_index: dict[str, Path]) -> None:
    """The installed `rag` entry point, as a user runs it: it answers, and -X importtime shows
    none of the heavy packages being imported."""
    exe = Path(sys.executable).with_name("rag")
    script = [str(exe)] if exe.exists() else ["-m", "rag.cli"]
    cmd = [sys.executable, "-X", "importtime", *script]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([*cmd, "query", "what did Stoltenberg say?", "--data", str(sample_index["data"]),
                           "--index", str(sample_index["index"]), "--json"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["results"]
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "numpy" in imported  # the import log was really captured
    assert not imported & set(FORBIDDEN)
    assert "spacy" not in imported  # a question that asks for no kind of entity never loads it
