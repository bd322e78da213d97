"""The span contract per format (D12) and a declared, locked install (issue 11, part 1)."""

from __future__ import annotations

import ast
import json
import shutil
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_rag

HTML = """<html><head><title>Harbour reopens after storm</title></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Harbour reopens after storm</h1>
<p>The ferry operators said on Monday that the morning crossings would resume after the harbour
was cleared of debris from the storm.</p>
<p>The harbour master said passengers should expect delays of about two hours for the rest of the
week while the remaining boats are inspected.</p></article></body></html>"""


@pytest.mark.slow
def test_spans_index_into_the_text_rag_source_gives(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "harbour.html").write_text(HTML, encoding="utf-8")
    line = {"title": "Bridge vote", "text": "The council voted on Monday to reopen the bridge.\n\n"
            "Traffic will return on Friday once the inspectors have signed off the repairs."}
    (data / "feed.jsonl").write_text("\n" + json.dumps(line) + "\n", encoding="utf-8")
    (data / "plain.txt").write_text("Bridge works\n\nThe bridge repairs were finished ahead of the "
                                    "vote, the engineers said on Sunday.\n", encoding="utf-8")
    env = {"RAG_DATA": str(data), "RAG_INDEX": str(fresh_index)}
    assert run_rag("index", "-q", env=env).returncode == 0
    for question in ("when do the ferry crossings resume?", "when will traffic return to the bridge?"):
        p = run_rag("query", question, "--json", "-k", "5", env=env)
        assert p.returncode == 0, p.stderr
        for r in json.loads(p.stdout)["results"]:
            src = run_rag("source", r["path"], "--json", env=env)
            assert src.returncode == 0, src.stderr
            stored = json.loads(src.stdout)
            assert stored["text"][r["start"]:r["end"]] == r["text"]
            if r["path"] == "plain.txt":  # UTF-8 text files: the file itself
                assert not stored["extracted"]
                assert (data / r["path"]).read_text(encoding="utf-8")[r["start"]:r["end"]] == r["text"]
            else:
                assert stored["extracted"] and stored["format"] in ("html", "jsonl")
    assert "feed.jsonl#2" in run_rag("source", "feed.jsonl#2", "--json", env=env).stdout
    missing = run_rag("source", "nope.txt", env=env)
    assert missing.returncode == 1 and "not in the index" in missing.stderr


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(reqs: list[str]) -> set[str]:
        import re

        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}

    return names(project["dependencies"]), {k: names(v) for k, v in project["optional-dependencies"].items()}


def test_every_third_party_import_is_declared() -> None:
    runtime, extras = _declared()
    dists = {m: {d.lower().replace("_", "-") for d in ds} for m, ds in packages_distributions().items()}
    missing = []
    for f in sorted((ROOT / "rag").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            for mod in mods:
                top = mod.split(".")[0]
                if top == "rag" or top not in dists:
                    continue  # standard library (or our own package)
                optional = (extras["postgres"] if "postgres" in f.parts else
                            extras["llm"] if f.parent.name == "generate" else set())
                allowed = runtime | optional
                if not dists[top] & allowed:
                    missing.append(f"{f.relative_to(ROOT)}: {top} ({', '.join(sorted(dists[top]))})")
    assert not missing, missing


def test_jusText_html_cleaner_is_declared() -> None:
    """jusText imports lxml.html.clean, a separate project (lxml_html_clean) since lxml 5.2."""
    runtime, _ = _declared()
    assert "lxml-html-clean" in runtime
    import justext  # noqa: F401  (fails in an environment without it)


def test_lock_pins_every_dependency_with_a_hash() -> None:
    runtime, extras = _declared()
    text = (ROOT / "requirements.lock").read_text()
    entries = [e for e in text.split("\n") if e and not e.startswith(("#", " "))]
    pinned = {e.split("==")[0] for e in entries}
    assert all("==" in e for e in entries)
    assert text.count("--hash=sha256:") == len(entries)
    assert (runtime | set().union(*extras.values())) <= pinned
    assert any(e.startswith("torch==2.13.0") for e in entries)


def test_make_lock_and_setup_use_the_lock() -> None:
    make = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in make and "--no-deps -e ." in make
    assert ".ci/lock.py" in make and shutil.which("make")
    assert "smoke_install.sh" in (ROOT / ".ci" / "run").read_text()
